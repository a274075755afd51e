"""Moving in and out: members and balances imported from another loyalty app's CSV; members and ledger exported.

The layouts below are the column names those apps' customer exports use, as
their help pages describe them (each layout names its source); headers are
compared case- and punctuation-insensitively ("Points Balance" =
"points_balance"), and the layout is told apart by the columns only it has.
A plain layout (email, customer_id, points, and optionally tier,
lifetime_points, birthday, referrals) is always understood.

An import is written a chunk of rows at a time, each chunk its own short
transaction, so a member's row is locked for a moment, not while a whole
file of 100,000 rows is written (a redemption or an order for that member
would wait on it). A customer no member is yet is looked up in Shopify by
email and made a member; an email no Shopify customer has is held as a
pending balance (`pending_balances`) until the account appears. A row that
cannot be imported (bad cells, a member or email named twice) is refused
with its line and reason and the rest go in. Each member credited is placed on
the shop's ladder at least in the tier their row names (matched by name) and
the tier their points, lifetime points from the other app included, reach;
without the entry reward. Names the ladder lacks are listed in the job's result. Each balance is a ledger entry
keyed `import:<job>:<row>`, so a job run again after a crash, from its first
row, credits each row once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.ledger import pending_balances
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import apply_profile, listing, surviving
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.ledger.pending_balances import Balance, Carried
from shopify_app.shop.models import Shop
from shopify_app.tiers import tiers

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
    # Lifetime points: the sum of these columns (an app that keeps "spent" beside the balance
    # has earned their sum), or None where the layout does not have it.
    lifetime: tuple[str, ...] = ()
    # The birthday's column: the first of these the file has.
    birthday: tuple[str, ...] = ()
    referrals: str | None = None


# Most specific first: each is picked by the columns only it has.
LAYOUTS = (
    # LoyaltyLion's customer export, named as its customers resource names the fields
    # (developers.loyaltylion.com/api/resources/customers): merchant_id is the platform's
    # (Shopify's) customer id; approved + spent points are what the customer earned.
    Layout(
        "loyaltylion",
        "LoyaltyLion",
        ("points approved", "merchant id"),
        "points approved",
        customer_id="merchant id",
        tier="tier",
        lifetime=("points approved", "points spent"),
        birthday=("birthday",),
    ),
    # Yotpo Loyalty & Referrals' customer export and import file (support.yotpo.com, "Importing/Exporting
    # Points and Customers"): Points Balance, Points Earned, VIP Tier, and the birthday as MM/DD or
    # MM/DD/YYYY under "Birthday" (its import template's header spells out the formats).
    Layout(
        "yotpo",
        "Yotpo",
        ("points balance", "points earned"),
        "points balance",
        tier="vip tier",
        lifetime=("points earned",),
        birthday=("birthday", "birthday mm dd or mm dd yyyy"),
    ),
    # Smile.io's customer export (help.smile.io; the fields of its customer object, dev.smile.io): the VIP
    # tier only when VIP is on, the date of birth as YYYY-MM-DD with the year 1004 when the customer gave
    # none; no lifetime points. Its "id" is Smile's own, not Shopify's, so members are matched by email.
    Layout("smile.io", "Smile.io", ("points balance",), "points balance", tier="vip tier name", birthday=("date of birth",)),
    # Perks' own layout, which its member export reads back as.
    Layout(
        "plain",
        "email / customer_id / points / tier",
        ("points",),
        "points",
        customer_id="customer id",
        tier="tier",
        lifetime=("lifetime points",),
        birthday=("birthday",),
        referrals="referrals",
    ),
)
# Smile.io writes this year in a birthday whose year the customer did not give.
NO_YEAR = 1004


@dataclass(frozen=True)
class Row:
    line: int  # as a spreadsheet numbers it: the header is line 1
    customer_id: int | None
    email: str | None
    first_name: str | None
    last_name: str | None
    points: int
    carried: Carried = field(default_factory=Carried)


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def as_json(self) -> dict:
        return {"row": self.line, "message": self.message}


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported (not CSV, empty, no known layout, too long)."""


EMPTY = "the file is empty: it has no header and no rows"
NO_ROWS = "the file has a header but no rows to import"


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
        raise UnreadableFile(EMPTY)
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
        raise UnreadableFile(EMPTY)
    return detect(header)


def check(text: str) -> Layout:
    """A file's layout, once the whole file has been read as CSV and found to hold at least one row."""
    return parse(text)[0]


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; a quote left open is a CSV format problem named at its line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise UnreadableFile(
                    f"CSV format problem at line {line}: a quote opened there is never closed; close it, or remove it"
                ) from error
            raise UnreadableFile(f"CSV format problem at line {line}: {error}") from error
        yield line, cells
        line = reader.line_num + 1


def refused_records(text: str, refused: list[RowError]) -> tuple[list[str], list[list[str]]]:
    """The file's header and the refused rows' own cells (in `refused`'s order; none for a row the file does not
    have), so the merchant gets back the rows to fix, as the other app wrote them."""
    wanted = {error.line for error in refused}
    try:
        records = dict((line, cells) for line, cells in _records(text) if line == 1 or line in wanted)
    except UnreadableFile:
        return [], [[] for _ in refused]
    # Line 1 is the header: a refusal there is the whole file's, with no cells of its own.
    return records.get(1, []), [records.get(error.line, []) if error.line > 1 else [] for error in refused]


def refused_csv(header: list[str], refused: list[dict]) -> Iterator[str]:
    """The refused rows to fix and import again: why each was skipped, then its cells under the file's own header."""
    yield from csv_text([["row", "why it was skipped", *header], *([str(e["row"]), e["message"], *e.get("cells", [])] for e in refused)])


def parse(text: str) -> tuple[Layout, list[Row], list[RowError]]:
    """Every row read and checked on its own; errors name the row and the problem."""
    records = _records(text)
    _, header = next(records, (1, []))
    if not header:
        raise UnreadableFile(EMPTY)
    layout = detect(header)
    index = {normalise_header(h): i for i, h in enumerate(header)}
    rows: list[Row] = []
    errors: list[RowError] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise UnreadableFile(f"more than {MAX_ROWS:,} rows; split the file")
        row = _row(layout, index, line, cells)
        (errors if isinstance(row, RowError) else rows).append(row)
    if not rows and not errors:
        raise UnreadableFile(NO_ROWS)
    return layout, rows, errors


def _row(layout: Layout, index: dict[str, int], line: int, cells: list[str]) -> Row | RowError:
    def cell(column: str | None) -> str | None:
        if column is None or column not in index or index[column] >= len(cells):
            return None
        return cells[index[column]].strip() or None

    email = cell(layout.email)
    customer = cell(layout.customer_id)
    points = cell(layout.points)
    if any("\n" in (value or "") for value in (email, customer, points)):
        # A quote left open swallowed the line breaks after it, up to the next quote.
        return RowError(line, f"CSV format problem at line {line}: a quoted cell runs over several lines; is a closing quote missing?")
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
    elif (value := _whole(points)) is None:
        problems.append(f"points {points!r} is not a whole number of 0 or more")
    carried, more = _carried(layout, cell)
    problems += more
    if problems:
        return RowError(line, "; ".join(problems))
    return Row(line, customer_id, email.lower() if email else None, cell(layout.first_name), cell(layout.last_name), value, carried)


def _whole(text: str) -> int | None:
    """A count of points as spreadsheets write it: 1,250 or 1250.0 both mean 1250."""
    cleaned = text.replace(",", "").replace(" ", "")
    cleaned = cleaned[:-2] if cleaned.endswith(".0") else cleaned
    return int(cleaned) if re.fullmatch(r"\d{1,12}", cleaned) else None


def _carried(layout: Layout, cell) -> tuple[Carried, list[str]]:
    """What the row carries besides the balance, as far as the layout has it, and its problems."""
    problems = []
    lifetimes = [(column, text) for column in layout.lifetime if (text := cell(column)) is not None]
    bad = [f"{column} {text!r}" for column, text in lifetimes if _whole(text) is None]
    problems += [f"{cells} is not a whole number of 0 or more" for cells in bad]
    lifetime = sum(_whole(text) for _, text in lifetimes) if lifetimes and not bad else None
    birthday_text = next((cell(column) for column in layout.birthday if cell(column) is not None), None)
    birthday = _birthday(birthday_text) if birthday_text else None
    if birthday_text and birthday is None:
        problems.append(f"birthday {birthday_text!r} is not a date (YYYY-MM-DD, MM/DD or MM/DD/YYYY)")
    referrals_text = cell(layout.referrals)
    referrals = _whole(referrals_text) if referrals_text else None
    if referrals_text and referrals is None:
        problems.append(f"referrals {referrals_text!r} is not a whole number of 0 or more")
    tier = cell(layout.tier)
    return Carried(lifetime_points=lifetime, tier=tier[:255] if tier else None, birthday=birthday, referrals=referrals), problems


def _birthday(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) from YYYY-MM-DD (Smile.io, LoyaltyLion), MM/DD or MM/DD/YYYY (Yotpo)."""
    if found := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day = (int(part) for part in found.groups())
    elif found := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?", text):
        month, day, year = int(found[1]), int(found[2]), int(found[3]) if found[3] else None
    else:
        return None
    year = None if year == NO_YEAR else year
    try:
        date(year or 2000, month, day)  # 2000 was a leap year: 29 February is a birthday
    except ValueError:
        return None
    return month, day, year


@dataclass
class Imported:
    """What the chunks of one import have done so far."""

    rows: int = 0
    points: int = 0
    refused: list[RowError] = field(default_factory=list)
    # Each member's first row in the file: a member named twice is credited once.
    seen: dict[int, int] = field(default_factory=dict)
    # Each held email's first row: an email named twice is held once.
    held: dict[str, int] = field(default_factory=dict)
    matched: int = 0
    new: int = 0
    pending: int = 0
    pending_points: int = 0
    # Tier names rows carried that the shop's ladder has none of, by their case-folded name.
    unknown_tiers: dict[str, str] = field(default_factory=dict)


def import_chunk(
    session: Session, shop_id: int, job_id: int, source: str, rows: list[Row], done: Imported, now: datetime | None = None
) -> None:
    """Credit each row's balance in the caller's transaction, adding to `done`; hold those of emails no
    Shopify customer has (`rows` name the customers Shopify has by their id already, `with_shopify_customers`).

    The caller commits after each chunk: the member rows this locks stay
    locked only until then. If the transaction is lost, `done` is not to be
    trusted, and the import runs again from its first row (the keys hold).
    """
    now = now or datetime.now(UTC)
    by_email = _members_by_email(session, shop_id, [r.email for r in rows if r.customer_id is None and r.email])
    by_customer, made = _members_by_customer(session, shop_id, rows)
    named = [(row, by_email.get(row.email or "") if row.customer_id is None else by_customer[row.customer_id]) for row in rows]
    # The profiles written, the members leave the session: ledger.post's UPDATE then
    # synchronizes with an empty identity map, not with every member of the chunk
    # (that made a chunk of 500 rows cost 250,000 attribute comparisons).
    session.flush()
    session.expunge_all()
    # Credited in customer order, the order webhook batches lock members in, so the two seldom deadlock.
    named.sort(key=lambda pair: (pair[1].customer_id if pair[1] else 0, pair[0].line))
    balance = {row.line: _balance(job_id, source, row) for row in rows}
    unknown = [row for row, member in named if member is None]
    credited = [(row, member) for row, member in named if member is not None]
    # Members' rows first, then emails' (guests.lock_email): the order customers/create takes them in.
    appeared = _hold(session, shop_id, job_id, unknown, balance, done, now)
    kept = []
    for row, member in [*credited, *((row, appeared[row.email]) for row in unknown if row.email in appeared)]:
        if member.id in done.seen:
            done.refused.append(RowError(row.line, f"the same member as row {done.seen[member.id]}"))
        else:
            done.seen[member.id] = row.line
            kept.append((balance[row.line], member))
    # The history is written before the balances: the members' rows are locked from their first credit to the commit.
    pending_balances.keep(session, shop_id, job_id, kept, now)
    for kept_balance, member in kept:
        pending_balances.credit(session, member, kept_balance)
        done.rows += 1
        done.points += kept_balance.points
        if member.customer_id in made:
            done.new += 1
        else:
            done.matched += 1
    if kept:
        named = [(member, kept_balance.carried.tier) for kept_balance, member in kept]
        for name in tiers.place_imported(session, session.get(Shop, shop_id), named, now):
            done.unknown_tiers.setdefault(name.casefold(), name)


def _balance(job_id: int, source: str, row: Row) -> Balance:
    key, reason = f"import:{job_id}:{row.line}", f"Imported from {source}"
    return Balance(key, reason, row.email, row.first_name, row.last_name, row.points, row.carried)


def _hold(
    session: Session, shop_id: int, job_id: int, rows: list[Row], balance: dict[int, Balance], done: Imported, now: datetime
) -> dict[str, Member]:
    """Hold the balances of emails no Shopify customer had; the members of those that have an account by now."""
    fresh = []
    for row in rows:
        if row.email in done.held:
            done.refused.append(RowError(row.line, f"the same email as row {done.held[row.email]}"))
        else:
            done.held[row.email] = row.line
            fresh.append(row)
    appeared = pending_balances.hold(session, shop_id, job_id, [balance[row.line] for row in fresh], now)
    for row in fresh:
        if row.email not in appeared:
            done.pending += 1
            done.pending_points += row.points
    return appeared


def with_shopify_customers(rows: list[Row], known: set[str], customer_ids: dict[str, int]) -> list[Row]:
    """Rows named by an email no member has, given the Shopify customer found with that email (`customer_ids`)."""
    return [
        replace(row, customer_id=customer_ids[row.email])
        if row.customer_id is None and row.email and row.email not in known and row.email in customer_ids
        else row
        for row in rows
    ]


def emails_without_members(session: Session, shop_id: int, rows: list[Row]) -> tuple[set[str], list[str]]:
    """The emails (of rows with no customer id) some member has, and those no member has: Shopify is asked for these."""
    emails = sorted({r.email for r in rows if r.customer_id is None and r.email})
    known = set(_members_by_email(session, shop_id, emails))
    return known, [email for email in emails if email not in known]


def customer_ids_by_email(client, emails: Iterable[str]) -> dict[str, int]:
    """Each email's Shopify customer id, for the emails a customer in Shopify has (an Admin API call each)."""
    found: dict[str, int] = {}
    for email in emails:
        nodes = client.execute("CustomerByEmail", {"query": "email:" + json.dumps(email)})["customers"]["nodes"]
        if nodes:
            found[email] = int(nodes[0]["id"].rsplit("/", 1)[-1])
    return found


def _members_by_email(session: Session, shop_id: int, emails: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(emails), 1000):
        chunk = emails[start : start + 1000]
        for member in session.scalars(
            select(Member).where(Member.shop_id == shop_id, func.lower(Member.email).in_(chunk), Member.deleted_at.is_(None))
        ):
            found.setdefault(member.email.lower(), surviving(session, member))
    return found


def _members_by_customer(session: Session, shop_id: int, rows: list[Row]) -> tuple[dict[int, Member], set[int]]:
    """The members the rows name by customer id, made for customers Perks has not met yet, with the rows' names and emails;
    and the customer ids of those made now.

    One insert-or-nothing and one read for the whole chunk, where a member at a time
    (`members.ensure_member`) cost four round trips a row.
    """
    named = {row.customer_id: row for row in rows if row.customer_id is not None}
    if not named:
        return {}, set()
    made = set(
        session.scalars(
            insert_ignoring_conflicts(Member, ["shop_id", "customer_id"])
            .values([{"shop_id": shop_id, "customer_id": customer_id, "points_balance": 0} for customer_id in sorted(named)])
            .returning(Member.customer_id)
        )
    )
    found: dict[int, Member] = {}
    for member in session.scalars(select(Member).where(Member.shop_id == shop_id, Member.customer_id.in_(sorted(named)))):
        row = named[member.customer_id]
        if member.merged_into_id is None:
            apply_profile(member, CustomerProfile(row.customer_id, email=row.email, first_name=row.first_name, last_name=row.last_name))
        # Shopify merged this customer away: the points go to the kept one, as what they earn does.
        found[member.customer_id] = surviving(session, member)
    return found, made


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
