"""Moving in and out: members and balances imported from another loyalty app's CSV; members and ledger exported.

The layouts below are the column names those apps' customer exports use, as
their help pages describe them; headers are compared case- and
punctuation-insensitively ("Points Balance" = "points_balance"), and the
layout is told apart by the columns only it has. A plain layout
(email, customer_id, points, tier) is always understood.

An import is written a chunk of rows at a time, each chunk its own short
transaction, so a member's row is locked for a moment, not while a whole
file of 100,000 rows is written (a redemption or an order for that member
would wait on it). A row that cannot be imported (bad cells, an email no
member has, a member named twice) is refused with its line and reason and
the rest go in. Each balance is a ledger entry keyed `import:<job>:<row>`,
so a job run again after a crash, from its first row, credits each row once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import apply_profile, listing, surviving
from shopify_app.ledger.models import LedgerEntry, Member

MAX_ROWS = 200_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    # Columns only this layout has: their presence picks it.
    marks: tuple[str, ...]
    points: str
    email: str | None = "email"
    customer_id: str | None = None
    first_name: str | None = "first name"
    last_name: str | None = "last name"
    tier: str | None = None


# Most specific first: each is picked by the columns only it has.
LAYOUTS = (
    # LoyaltyLion's customer export: merchant_id is the platform's (Shopify's) customer id.
    Layout("loyaltylion", "LoyaltyLion", ("points approved", "merchant id"), "points approved", customer_id="merchant id", tier="tier"),
    # Yotpo Loyalty's customer export.
    Layout("yotpo", "Yotpo", ("points balance", "points earned"), "points balance", tier="vip tier"),
    # Smile.io's customer export (VIP tier only when VIP is on); its "id" is Smile's own,
    # not Shopify's, so members are matched by email.
    Layout("smile.io", "Smile.io", ("points balance",), "points balance", tier="vip tier name"),
    Layout("plain", "email / customer_id / points / tier", ("points",), "points", customer_id="customer id", tier="tier"),
)


@dataclass(frozen=True)
class Row:
    line: int  # as a spreadsheet numbers it: the header is line 1
    customer_id: int | None
    email: str | None
    first_name: str | None
    last_name: str | None
    points: int
    tier: str | None


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def as_json(self) -> dict:
        return {"row": self.line, "message": self.message}


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported (not CSV, no known layout, too long)."""


def normalise_header(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def detect(header: Iterable[str]) -> Layout:
    columns = {normalise_header(h) for h in header}
    for layout in LAYOUTS:
        if set(layout.marks) <= columns and (
            (layout.email and layout.email in columns) or (layout.customer_id and layout.customer_id in columns)
        ):
            return layout
    raise UnreadableFile(
        "the header matches no known layout: expected a Smile.io, LoyaltyLion or Yotpo customer export, "
        "or the columns email and/or customer_id, points, and optionally tier"
    )


def upload_text(raw: bytes) -> str:
    """An uploaded file's text: UTF-8, with or without Excel's byte-order mark."""
    if not raw.strip():
        raise UnreadableFile("choose a CSV file to import")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("must be a CSV saved as UTF-8") from None


def layout_of(text: str) -> Layout:
    """The layout of a file from its header alone."""
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), None)
    except csv.Error as error:
        raise UnreadableFile(f"not a CSV file: {error}") from error
    if not header:
        raise UnreadableFile("the file is empty")
    return detect(header)


def parse(text: str) -> tuple[Layout, list[Row], list[RowError]]:
    """Every row read and checked on its own; errors name the row and the problem."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("the file is empty") from None
    except csv.Error as error:
        raise UnreadableFile(f"not a CSV file: {error}") from error
    layout = detect(header)
    index = {normalise_header(h): i for i, h in enumerate(header)}
    rows: list[Row] = []
    errors: list[RowError] = []
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise UnreadableFile(f"more than {MAX_ROWS:,} rows; split the file")
            row = _row(layout, index, line, cells)
            (errors if isinstance(row, RowError) else rows).append(row)
    except csv.Error as error:
        raise UnreadableFile(f"not a CSV file: {error}") from error
    return layout, rows, errors


def _row(layout: Layout, index: dict[str, int], line: int, cells: list[str]) -> Row | RowError:
    def cell(column: str | None) -> str | None:
        if column is None or column not in index or index[column] >= len(cells):
            return None
        return cells[index[column]].strip() or None

    email = cell(layout.email)
    customer = cell(layout.customer_id)
    points = cell(layout.points)
    problems = []
    if email is not None and not EMAIL.match(email):
        problems.append(f"email {email!r} is not an email address")
    customer_id = None
    if customer is not None:
        digits = customer.removeprefix("gid://shopify/Customer/")
        if digits.isdigit() and 0 < int(digits) < 2**63:
            customer_id = int(digits)
        else:
            problems.append(f"customer id {customer!r} is not a Shopify customer id")
    if email is None and customer is None:
        problems.append("needs an email or a customer id")
    value = None
    if points is None:
        problems.append("points are missing")
    else:
        # Spreadsheets like to write 1,250 or 1250.0; both mean 1250 points.
        cleaned = points.replace(",", "").replace(" ", "")
        cleaned = cleaned[:-2] if cleaned.endswith(".0") else cleaned
        if re.fullmatch(r"\d{1,12}", cleaned):
            value = int(cleaned)
        else:
            problems.append(f"points {points!r} is not a whole number of 0 or more")
    if problems:
        return RowError(line, "; ".join(problems))
    return Row(
        line, customer_id, email.lower() if email else None, cell(layout.first_name), cell(layout.last_name), value, cell(layout.tier)
    )


@dataclass
class Imported:
    """What the chunks of one import have done so far."""

    rows: int = 0
    points: int = 0
    refused: list[RowError] = field(default_factory=list)
    # Each member's first row in the file: a member named twice is credited once.
    seen: dict[int, int] = field(default_factory=dict)


def import_chunk(session: Session, shop_id: int, job_id: int, source: str, rows: list[Row], done: Imported) -> None:
    """Credit each row's balance in the caller's transaction, adding to `done`.

    The caller commits after each chunk: the member rows this locks stay
    locked only until then. If the transaction is lost, `done` is not to be
    trusted, and the import runs again from its first row (the keys hold).
    """
    by_email = _members_by_email(session, shop_id, [r.email for r in rows if r.customer_id is None and r.email])
    by_customer = _members_by_customer(session, shop_id, rows)
    named = [(row, by_email.get(row.email or "") if row.customer_id is None else by_customer[row.customer_id]) for row in rows]
    # The profiles written, the members leave the session: ledger.post's UPDATE then
    # synchronizes with an empty identity map, not with every member of the chunk
    # (that made a chunk of 500 rows cost 250,000 attribute comparisons).
    session.flush()
    session.expunge_all()
    # Credited in customer order, the order webhook batches lock members in, so the two seldom deadlock.
    named.sort(key=lambda pair: (pair[1].customer_id if pair[1] else 0, pair[0].line))
    for row, member in named:
        if member is None:
            done.refused.append(
                RowError(
                    row.line, f"no member with email {row.email}: add a customer_id column, or import after the customer has an account"
                )
            )
        elif member.id in done.seen:
            done.refused.append(RowError(row.line, f"the same member as row {done.seen[member.id]}"))
        else:
            done.seen[member.id] = row.line
            ledger.post(session, member, row.points, kind="import", key=f"import:{job_id}:{row.line}", reason=f"Imported from {source}")
            done.rows += 1
            done.points += row.points


def _members_by_email(session: Session, shop_id: int, emails: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        for member in session.scalars(
            select(Member).where(Member.shop_id == shop_id, func.lower(Member.email).in_(chunk), Member.deleted_at.is_(None))
        ):
            found.setdefault(member.email.lower(), surviving(session, member))
    return found


def _members_by_customer(session: Session, shop_id: int, rows: list[Row]) -> dict[int, Member]:
    """The members the rows name by customer id, made for customers Perks has not met yet, with the rows' names and emails.

    One insert-or-nothing and one read for the whole chunk, where a member at a time
    (`members.ensure_member`) cost four round trips a row.
    """
    named = {row.customer_id: row for row in rows if row.customer_id is not None}
    if not named:
        return {}
    session.execute(
        insert_ignoring_conflicts(Member, ["shop_id", "customer_id"]).values(
            [{"shop_id": shop_id, "customer_id": customer_id, "points_balance": 0} for customer_id in sorted(named)]
        )
    )
    found: dict[int, Member] = {}
    for member in session.scalars(select(Member).where(Member.shop_id == shop_id, Member.customer_id.in_(sorted(named)))):
        row = named[member.customer_id]
        if member.merged_into_id is None:
            apply_profile(member, CustomerProfile(row.customer_id, email=row.email, first_name=row.first_name, last_name=row.last_name))
        # Shopify merged this customer away: the points go to the kept one, as what they earn does.
        found[member.customer_id] = surviving(session, member)
    return found


MEMBER_COLUMNS = ["customer_id", "email", "first_name", "last_name", "points", "lifetime_points", "tier", "joined_at"]
LEDGER_COLUMNS = ["entry_id", "created_at", "customer_id", "email", "points", "kind", "reason", "order_id", "idempotency_key"]


def members_csv(session: Session, shop_id: int) -> Iterator[list[str]]:
    """Members as the plain import layout reads them back (customer_id, email, points, tier), plus names, lifetime points
    (as the members table counts them) and join time, oldest first."""
    yield MEMBER_COLUMNS
    for m, tier, lifetime_points in session.execute(listing(shop_id, "", "joined", False).execution_options(yield_per=2000)):
        yield [
            str(m.customer_id),
            m.email or "",
            m.first_name or "",
            m.last_name or "",
            str(m.points_balance),
            str(lifetime_points),
            tier or "",
            m.created_at.isoformat(),
        ]


def ledger_csv(session: Session, shop_id: int) -> Iterator[list[str]]:
    yield LEDGER_COLUMNS
    query = (
        select(LedgerEntry, Member.customer_id, Member.email)
        .join(Member, Member.id == LedgerEntry.member_id)
        .where(LedgerEntry.shop_id == shop_id)
        .order_by(LedgerEntry.id)
        .execution_options(yield_per=5000)
    )
    for entry, customer_id, email in session.execute(query):
        yield [
            str(entry.id),
            entry.created_at.isoformat(),
            str(customer_id),
            email or "",
            str(entry.points),
            entry.kind,
            entry.reason,
            "" if entry.order_id is None else str(entry.order_id),
            entry.idempotency_key,
        ]


def csv_text(rows: Iterable[list[str]]) -> Iterator[str]:
    """Rows as CSV text, a line at a time, with spreadsheet formula injection defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _safe(cell: str) -> str:
    # A name like "=HYPERLINK(...)" would run as a formula when the merchant opens the file.
    return "'" + cell if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _is_number(cell)) else cell


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None
