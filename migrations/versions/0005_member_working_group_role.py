"""member's role in its working group

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROLES = "working_group_role IN ('member', 'spokesperson')"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('working_group_role', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_members_working_group_role'), sa.text(ROLES))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_members_working_group_role'), type_='check')
        batch_op.drop_column('working_group_role')
