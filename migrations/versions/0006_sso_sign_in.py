"""sign-in through the identity provider (OpenID Connect)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

An account remembers the provider's subject it signed in with and when it last
signed in (either way); a session started through the provider carries the
hash of that provider sign-in.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_sso_subject'), ['sso_subject'])
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_login', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_sessions_sso_login'), ['sso_login'])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_sessions_sso_login'), type_='unique')
        batch_op.drop_column('sso_login')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_sso_subject'), type_='unique')
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('sso_subject')
