"""projector links and presentations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The Beamer view (issue 18): presentations with their frozen slides, and the
projector links that follow them.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('presentations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('snapshot_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=60), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sitting_id'], ['meetings.id'], name=op.f('fk_presentations_sitting_id_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentations'))
    )
    op.create_table('presentation_slides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presentation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('alt_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['presentation_id'], ['presentations.id'], name=op.f('fk_presentation_slides_presentation_id_presentations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presentation_slides')),
    sa.UniqueConstraint('presentation_id', 'position', name=op.f('uq_presentation_slides_presentation_id_position'))
    )
    op.create_table('projector_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('presentation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['presentation_id'], ['presentations.id'], name=op.f('fk_projector_links_presentation_id_presentations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projector_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_projector_links_token_hash'))
    )
    with op.batch_alter_table('projector_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projector_links_presentation_id'), ['presentation_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('projector_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projector_links_presentation_id'))

    op.drop_table('projector_links')
    op.drop_table('presentation_slides')
    op.drop_table('presentations')
