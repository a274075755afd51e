"""shop tokens, member merge and privacy

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:44:49.339511

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('data_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('export', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shop_id', 'request_id')
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_members_merged_into_id', 'members', ['merged_into_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('plan', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('access_token_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('access_token_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('scopes', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('reconciled_until', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('reconciled_until')
        batch_op.drop_column('scopes')
        batch_op.drop_column('refresh_token_expires_at')
        batch_op.drop_column('refresh_token_encrypted')
        batch_op.drop_column('access_token_expires_at')
        batch_op.drop_column('access_token_encrypted')
        batch_op.drop_column('plan')
        batch_op.drop_column('email')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint('fk_members_merged_into_id', type_='foreignkey')
        batch_op.drop_column('redacted_at')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('merged_into_id')

    op.drop_table('data_requests')
