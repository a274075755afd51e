"""The bounds of what a merchant or a request may ask for, in one place.

Every validator that takes a number, an id or a text from outside reads its
limit here, and each refusal is a 400 naming the field. README.md lists them.
"""

from __future__ import annotations

from decimal import Decimal

MAX_ID = 2**63 - 1  # a PostgreSQL bigint: Shopify's ids fit; a larger one names nothing
MAX_ROW_ID = 2**31 - 1  # our own rows' ids (a reward, a promotion, an import, a key) are PostgreSQL integers
MAX_POINTS_PER_ADJUSTMENT = 1_000_000  # points one manual adjustment may add or take away
MAX_REWARD_COST = 10_000_000  # points a reward may cost
MAX_POINTS_PER_AWARD = 1_000_000  # points a setting gives at once: a tier's entry reward, a referral's
MAX_MONEY = Decimal(1_000_000_000)  # an amount of money in a setting (a tier's threshold, a referral's reward or minimum)
MAX_DAYS = 3650  # a number of days in a setting (how long a code is valid)
MAX_MULTIPLIER = Decimal(10)  # a tier's, a product's, a collection's or a promotion's earn multiplier
MAX_LABEL_LENGTH = 40  # the launcher's button label, in characters
MAX_TITLE_LENGTH = 60  # the launcher's panel title, in characters
MAX_REASON_LENGTH = 500  # an adjustment's reason, in characters
MAX_OFFSET = 1_000_000  # how far into a list a page may start


def is_id(value: object) -> bool:
    """A whole number from 1 to MAX_ID (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def ascii_whole(text: str) -> int | None:
    """`text` as a whole number if it is only ASCII digits (no '²', '٣', sign or space), else None."""
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None


def has_control_characters(text: str) -> bool:
    """True if `text` holds NUL or another control character (tab and newline allowed)."""
    return any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in text)
