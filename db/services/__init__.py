"""Write side: every change goes through a service that checks the acting
user's role, validates (db.validation), writes (audited, see db.audit) and
bumps the data version. Services take a session (the caller commits) and
plain values, and raise domain errors with German messages."""

from db.services.accounts import (
    change_own_password,
    change_role,
    create_account,
    end_session,
    reset_password,
    set_active,
    set_email,
    sign_out_everywhere,
)
from db.services.core import WRITE_SERVICES, write_service
from db.services.measures import (
    add_progress_update,
    archive_measure,
    create_measure,
    update_measure,
)
from db.services.meetings import (
    cancel_meeting,
    create_meeting,
    meeting_warnings,
    record_attendance,
    update_meeting,
)
from db.services.members import (
    create_member,
    create_organisation,
    deactivate_member,
    update_member,
    update_organisation,
)
from db.services.privacy import anonymise_expired, anonymise_member
from db.services.reference import save_reference
from db.services.responses import save_responses
from db.services.subscriptions import (
    claim_delivery,
    delete_subscription,
    plan_deliveries,
    record_failure,
    record_sent,
    request_test_mail,
    save_subscription,
)

__all__ = [
    "WRITE_SERVICES",
    "add_progress_update",
    "anonymise_expired",
    "anonymise_member",
    "archive_measure",
    "cancel_meeting",
    "change_own_password",
    "change_role",
    "claim_delivery",
    "create_account",
    "create_measure",
    "create_meeting",
    "create_member",
    "create_organisation",
    "deactivate_member",
    "delete_subscription",
    "end_session",
    "meeting_warnings",
    "plan_deliveries",
    "record_attendance",
    "record_failure",
    "record_sent",
    "request_test_mail",
    "reset_password",
    "save_reference",
    "save_responses",
    "save_subscription",
    "set_active",
    "set_email",
    "sign_out_everywhere",
    "update_measure",
    "update_meeting",
    "update_member",
    "update_organisation",
    "write_service",
]
