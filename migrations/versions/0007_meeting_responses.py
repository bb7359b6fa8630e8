"""members' answers to meeting invitations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

One row per meeting and member who answered: accepted, declined or a deputy
announced (a member or a name), and the day the answer came. No row means no
answer yet.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('meeting_responses',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=False),
    sa.Column('deputy_member_id', sa.Integer(), nullable=True),
    sa.Column('deputy_name', sa.String(length=200), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("answer IN ('accepted', 'declined', 'deputy')", name=op.f('ck_meeting_responses_answer')),
    sa.CheckConstraint("answer = 'deputy' OR (deputy_member_id IS NULL AND deputy_name IS NULL)", name=op.f('ck_meeting_responses_deputy_only_when_announced')),
    sa.CheckConstraint('deputy_member_id IS NULL OR deputy_name IS NULL', name=op.f('ck_meeting_responses_one_deputy')),
    sa.CheckConstraint('deputy_member_id IS NULL OR deputy_member_id <> member_id', name=op.f('ck_meeting_responses_not_own_deputy')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_responses_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_meeting_responses_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['deputy_member_id'], ['members.id'], name=op.f('fk_meeting_responses_deputy_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('meeting_id', 'member_id', name=op.f('pk_meeting_responses'))
    )
    with op.batch_alter_table('meeting_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_responses_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_responses_deputy_member_id'), ['deputy_member_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('meeting_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_responses_deputy_member_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_responses_member_id'))

    op.drop_table('meeting_responses')
