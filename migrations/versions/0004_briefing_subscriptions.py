"""briefing subscriptions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Scheduled e-mail briefings: subscriptions (addresses, what, when) and their
deliveries, one row per occasion, claimed by the run that sends it.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('briefing_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('include_deck', sa.Boolean(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=True),
    sa.Column('before_plenary', sa.Boolean(), nullable=False),
    sa.Column('area_ids', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('days_before IS NULL OR days_before BETWEEN 0 AND 60', name=op.f('ck_briefing_subscriptions_days_before_range')),
    sa.CheckConstraint('hour BETWEEN 0 AND 23', name=op.f('ck_briefing_subscriptions_hour_range')),
    sa.CheckConstraint('weekday IS NULL OR weekday BETWEEN 0 AND 6', name=op.f('ck_briefing_subscriptions_weekday_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_subscriptions')),
    sa.UniqueConstraint('name', name=op.f('uq_briefing_subscriptions_name'))
    )
    op.create_table('briefing_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('occasion', sa.String(length=80), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('requested_by', sa.String(length=60), nullable=False),
    sa.CheckConstraint("status IN ('due', 'sent', 'failed', 'given_up')", name=op.f('ck_briefing_deliveries_status')),
    sa.ForeignKeyConstraint(['subscription_id'], ['briefing_subscriptions.id'], name=op.f('fk_briefing_deliveries_subscription_id_briefing_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_deliveries')),
    sa.UniqueConstraint('subscription_id', 'occasion', name=op.f('uq_briefing_deliveries_subscription_id_occasion'))
    )
    with op.batch_alter_table('briefing_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_deliveries_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_deliveries_subscription_id'), ['subscription_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('briefing_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_deliveries_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_deliveries_status'))

    op.drop_table('briefing_deliveries')
    op.drop_table('briefing_subscriptions')
