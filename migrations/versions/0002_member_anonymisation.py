"""member anonymisation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_ACTIONS = "action IN ('insert', 'update', 'delete')"
NEW_ACTIONS = "action IN ('insert', 'update', 'delete', 'anonymise')"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))

    # the audit trail records an anonymisation as one entry of its own kind
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_log_action'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_audit_log_action'), sa.text(NEW_ACTIONS))


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("UPDATE audit_log SET action = 'update' WHERE action = 'anonymise'")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_log_action'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_audit_log_action'), sa.text(OLD_ACTIONS))

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
