"""The loyalty-points liability a finance team can book: points outstanding in money, breakage
estimated from the shop's own history, the contract liability's roll-forward under IFRS 15 /
ASC 606 for a period, and its journal.

The method (shown on screen beside the figures):

- Value of a point, p: what the best-value enabled money reward gives for it
  (`analytics.point_value`, the dashboard's and the forecast's too), today's rewards for every date.
  Points outstanding at face value = points held x p, the dashboard's "outstanding liability".
- Breakage rate, b: the share of points that resolve without being redeemed. Over the 365 days
  before a date, of the points that were redeemed (R) or expired (E), b = E / (R + E); its
  complement R / (R + E) is the ultimate redemption rate. Kept to 4 places (half-even). With less
  than 90 days of history or fewer than 100 points resolved, no breakage is assumed (b = 0):
  IFRS 15.56 admits variable consideration only where a significant reversal is highly
  improbable, and a young program's expiry pattern does not show that yet.
- Standalone selling price of a point, IFRS 15.B42: the discount it gives, adjusted for the
  likelihood it is used, s = p x (1 - b). Points issued defer s each: with a purchase, out of
  that sale's revenue; without one (sign-up, actions, referrals, adjustments, imports), as a
  marketing expense, since no sale paid for them. The app does not split an order's price by
  relative standalone selling prices (IFRS 15.73-80): it defers each point at s.
- Recognition in proportion to redemptions (IFRS 15.B46, IE267-IE270; ASC 606-10-55-48): for
  every point redeemed, s for the point itself and p x b for the breakage expected alongside it,
  so a redeemed point releases p in all. Points that expire release what the estimate did not
  expect: (E - b x (R + E)) x p, negative when fewer expired than expected.
- The change in the breakage estimate is a cumulative catch-up on the points still held:
  closing points x p x (b_opening - b_closing).
- Balances: points held x p x (1 - b). So opening + lines = closing, exactly before rounding.

Rounding: every amount is computed exactly and rounded half-even to the cent at the end; a
"rounding" line (booked to revenue) appears only if the rounded lines miss the rounded closing.

Sources: IFRS 15.B39-B43 and IE267-IE270 (Example 52, customer loyalty programme), as
summarised by IFRS Community, "Customer loyalty programmes" (ifrscommunity.com/knowledge-base/
customer-loyalty-programmes/) and KPMG's "Revenue - IFRS 15 handbook", examples 10A and 10B
(increase and decrease in estimated redemptions: revenue = allocated price x points redeemed /
points expected to be redeemed, less revenue already recognised).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shopify_app.analytics import analytics
from shopify_app.analytics.models import LiabilityAccounts
from shopify_app.ledger.models import LedgerEntry
from shopify_app.shop.models import Shop

LOOKBACK = timedelta(days=365)
MIN_HISTORY = timedelta(days=90)
MIN_RESOLVED = 100  # points redeemed or expired in the look-back
RATE = Decimal("0.0001")
CENT = Decimal("0.01")
ZERO = Decimal(0)
X, MINUS = "\N{MULTIPLICATION SIGN}", "\N{MINUS SIGN}"  # in the bases shown beside the figures

# Ledger kinds by what they do to the liability. A merge moves points between two members: it nets to nothing.
PURCHASE_KINDS = ("earn", "reverse")
SPENT_KINDS = ("redeem", "refund")  # a redemption's refund gives back points that were spent
EXPIRED_KINDS = ("expire",)
NOT_ISSUED = (*PURCHASE_KINDS, *SPENT_KINDS, *EXPIRED_KINDS, "merge")

DEFAULT_ACCOUNTS = {
    "deferred_revenue": "Deferred revenue \N{EN DASH} loyalty points",
    "revenue": "Revenue",
    "marketing_expense": "Marketing expense \N{EN DASH} loyalty points",
}


@dataclass(frozen=True)
class Movements:
    """Points over a period, by what they do to the liability."""

    with_purchases: int  # earned on orders, less what refunds and cancellations took back
    without_purchase: int  # sign-up, actions, referrals, tiers, adjustments, imports
    redeemed: int  # spent on rewards, less what came back when Shopify refused the code
    expired: int


@dataclass(frozen=True)
class Breakage:
    """The breakage estimate at `at` and what it was computed from."""

    at: datetime
    since: datetime
    issued: int
    redeemed: int
    expired: int
    history_days: int
    rate: Decimal  # the breakage rate used
    estimated: bool  # False: too little history, no breakage assumed

    @property
    def ultimate_redemption_rate(self) -> Decimal | None:
        resolved = self.redeemed + self.expired
        return (Decimal(self.redeemed) / resolved).quantize(RATE, rounding=ROUND_HALF_EVEN) if resolved else None

    @property
    def note(self) -> str:
        if self.estimated:
            return (
                f"Of the {self.redeemed + self.expired:,} points redeemed or expired in the 365 days before this date, "
                f"{self.expired:,} expired: breakage {self.rate * 100:.2f}%."
            )
        return (
            f"Too little history to estimate breakage ({self.history_days} days and {self.redeemed + self.expired:,} points "
            f"redeemed or expired; it takes {MIN_HISTORY.days} days and {MIN_RESOLVED} points), so none is assumed: "
            "every point is expected to be redeemed until the shop's own history shows otherwise."
        )


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    points: int | None
    amount: Decimal  # the change in the liability, rounded; positive raises it
    basis: str  # how it was computed, in words and numbers
    # Where the other side of the journal entry goes.
    account: str  # "revenue" or "marketing_expense"


@dataclass(frozen=True)
class Report:
    currency: str
    zone: str
    first: date
    last: date
    start: datetime
    end: datetime
    point_value: Decimal
    opening_points: int
    closing_points: int
    opening_breakage: Breakage
    closing_breakage: Breakage
    opening: Decimal
    lines: tuple[Line, ...]
    closing: Decimal
    accounts: dict[str, str]

    @property
    def selling_price(self) -> Decimal:
        """A point's standalone selling price in the period: at the estimate in force at its start."""
        return self.point_value * (1 - self.opening_breakage.rate)

    @property
    def face_value(self) -> Decimal:
        return _cents(self.closing_points * self.point_value)


class NoPointValue(Exception):
    """Points cannot be valued: the shop has no enabled money reward."""


def movements(session: Session, shop_id: int, start: datetime, end: datetime) -> Movements:
    def total(condition):
        return func.coalesce(func.sum(case((condition, LedgerEntry.points), else_=0)), 0)

    row = session.execute(
        select(
            total(LedgerEntry.kind.in_(PURCHASE_KINDS)),
            total(LedgerEntry.kind.not_in(NOT_ISSUED)),
            total(LedgerEntry.kind.in_(SPENT_KINDS)),
            total(LedgerEntry.kind.in_(EXPIRED_KINDS)),
        ).where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
    ).one()
    purchases, other, spent, expired = (int(value) for value in row)
    return Movements(with_purchases=purchases, without_purchase=other, redeemed=-spent, expired=-expired)


def breakage(session: Session, shop_id: int, at: datetime) -> Breakage:
    """The breakage rate at `at`, from the 365 days before it (see the module's docstring)."""
    since = at - LOOKBACK
    window = movements(session, shop_id, since, at)
    first = session.scalar(select(func.min(LedgerEntry.created_at)).where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at < at))
    history = at - first if first is not None else timedelta(0)
    resolved = window.redeemed + window.expired
    estimated = history >= MIN_HISTORY and resolved >= MIN_RESOLVED
    rate = (Decimal(window.expired) / resolved).quantize(RATE, rounding=ROUND_HALF_EVEN) if estimated else ZERO.quantize(RATE)
    return Breakage(
        at=at,
        since=since,
        issued=window.with_purchases + window.without_purchase,
        redeemed=window.redeemed,
        expired=window.expired,
        history_days=history.days,
        rate=rate,
        estimated=estimated,
    )


def accounts(session: Session, shop_id: int) -> dict[str, str]:
    saved = session.get(LiabilityAccounts, shop_id)
    if saved is None:
        return dict(DEFAULT_ACCOUNTS)
    return {name: getattr(saved, name) for name in DEFAULT_ACCOUNTS}


def save_accounts(session: Session, shop_id: int, names: dict[str, str]) -> dict[str, str]:
    saved = session.get(LiabilityAccounts, shop_id)
    if saved is None:
        saved = LiabilityAccounts(shop_id=shop_id, **DEFAULT_ACCOUNTS)
        session.add(saved)
    for name, value in names.items():
        setattr(saved, name, value.strip())
    session.flush()
    return accounts(session, shop_id)


def report(session: Session, shop: Shop, first: date, last: date, *, now: datetime | None = None) -> Report:
    """The roll-forward from the start of `first` to the end of `last`, days in the shop's zone."""
    now = now or datetime.now(UTC)
    p = analytics.point_value(session, shop.id)
    if p is None:
        raise NoPointValue
    span = analytics.period(shop, first, last)
    opening_points = analytics.outstanding_points(session, shop.id, span.start, now)
    closing_points = analytics.outstanding_points(session, shop.id, span.end, now)
    moved = movements(session, shop.id, span.start, span.end)
    b0, b1 = breakage(session, shop.id, span.start), breakage(session, shop.id, span.end)
    s = p * (1 - b0.rate)
    resolved = moved.redeemed + moved.expired
    unexpected = moved.expired - b0.rate * resolved
    lines = [
        Line(
            "issued_with_purchases",
            "Points issued with purchases (revenue deferred)",
            moved.with_purchases,
            _cents(moved.with_purchases * s),
            f"{moved.with_purchases:,} points {X} {plain(s)} standalone selling price",
            "revenue",
        ),
        Line(
            "issued_without_purchase",
            "Points given without a purchase (marketing expense)",
            moved.without_purchase,
            _cents(moved.without_purchase * s),
            f"{moved.without_purchase:,} points {X} {plain(s)} standalone selling price",
            "marketing_expense",
        ),
        Line(
            "redeemed",
            "Recognised on redemption",
            moved.redeemed,
            _cents(-moved.redeemed * s),
            f"{moved.redeemed:,} points redeemed {X} {plain(s)}",
            "revenue",
        ),
        Line(
            "breakage",
            "Recognised for expected breakage, in proportion to redemptions",
            None,
            _cents(-moved.redeemed * p * b0.rate),
            f"{moved.redeemed:,} points redeemed {X} {plain(p)} {X} {b0.rate} breakage",
            "revenue",
        ),
        Line(
            "expired",
            "Expired beyond (or short of) the expected breakage",
            moved.expired,
            _cents(-unexpected * p),
            f"({moved.expired:,} expired {MINUS} {b0.rate} {X} {resolved:,} redeemed or expired) {X} {plain(p)}",
            "revenue",
        ),
        Line(
            "estimate_change",
            "Change in the breakage estimate (cumulative catch-up)",
            None,
            _cents(closing_points * p * (b0.rate - b1.rate)),
            f"{closing_points:,} points held {X} {plain(p)} {X} ({b0.rate} {MINUS} {b1.rate})",
            "revenue",
        ),
    ]
    opening = _cents(opening_points * p * (1 - b0.rate))
    closing = _cents(closing_points * p * (1 - b1.rate))
    rounding = closing - opening - sum((line.amount for line in lines), ZERO)
    if rounding:
        lines.append(Line("rounding", "Rounding to the cent", None, rounding, "the rounded lines to the rounded closing", "revenue"))
    return Report(
        currency=shop.currency,
        zone=span.zone,
        first=first,
        last=last,
        start=span.start,
        end=span.end,
        point_value=p,
        opening_points=opening_points,
        closing_points=closing_points,
        opening_breakage=b0,
        closing_breakage=b1,
        opening=opening,
        lines=tuple(lines),
        closing=closing,
        accounts=accounts(session, shop.id),
    )


@dataclass(frozen=True)
class JournalLine:
    day: date
    account: str
    debit: Decimal | None
    credit: Decimal | None
    memo: str


def journal(result: Report) -> list[JournalLine]:
    """Two lines per roll-forward movement, dated the period's last day: debits equal credits.

    A movement that raises the liability credits the deferred-revenue account and debits its other
    account (revenue, or marketing expense for points given without a purchase); one that lowers it
    does the reverse."""
    deferred = result.accounts["deferred_revenue"]
    entries: list[JournalLine] = []
    for line in result.lines:
        if not line.amount:
            continue
        other = result.accounts[line.account]
        debit, credit = (other, deferred) if line.amount > 0 else (deferred, other)
        amount = abs(line.amount)
        memo = f"Loyalty points {result.first.isoformat()} to {result.last.isoformat()}: {line.label.lower()} ({line.basis})"
        entries.append(JournalLine(result.last, debit, amount, None, memo))
        entries.append(JournalLine(result.last, credit, None, amount, memo))
    return entries


def journal_rows(result: Report) -> Iterator[list[str]]:
    yield ["date", "account", "debit", "credit", "memo"]
    for entry in journal(result):
        yield [entry.day.isoformat(), entry.account, _money(entry.debit), _money(entry.credit), entry.memo]


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def plain(value: Decimal) -> str:
    """A per-point amount as written in a basis: no trailing zeros, never in exponent form."""
    return format(value.normalize(), "f")


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(value)
