"""fingerprint keys: address fingerprints are HMACs keyed per shop

Order fingerprints (a digest of a member order's shipping address, to tell a
referrer's own orders from a friend's) were unsalted SHA-256: the same address
gave the same digest in every shop and could be looked up in a list of
addresses' digests. They are now HMAC-SHA-256 under a random key per shop
(shops.fingerprint_key, drawn by PostgreSQL for each row, new ones included).

The old digests cannot be turned into HMACs without the addresses, which Perks
does not keep: they are deleted. Until a referrer orders again, a friend's order
to the referrer's own address is no longer recognised by its address (the email,
the account and the order itself still are).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 02:25:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64 hex digits, 244 random bits: gen_random_uuid() is built into PostgreSQL 13 and later.
RANDOM_KEY = "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"


def upgrade() -> None:
    op.add_column("shops", sa.Column("fingerprint_key", sa.String(64), nullable=False, server_default=sa.text(RANDOM_KEY)))
    op.execute("DELETE FROM order_fingerprints")


def downgrade() -> None:
    op.drop_column("shops", "fingerprint_key")
