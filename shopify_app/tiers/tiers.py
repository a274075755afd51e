"""VIP tiers: reached by points earned or money spent within a window, kept to the window's end.

The rules:

- The measure is the points earned (purchases net of their refunds, actions,
  referrals; not adjustments, imports, redemptions, expiry or tier bonuses;
  over the whole life, also the points another app says the member earned
  before Perks, `members.imported_lifetime`, which have no dates to fall in a
  narrower window)
  or the money spent (the eligible amount of paid, uncancelled orders)
  within the window: the member's whole life, the calendar year in the
  shop's zone, or the 12 months up to now. The rolling window includes its
  start: an order paid exactly 12 months ago counts, one a moment earlier
  does not.
- Up at once: when an order is paid, after its points (and likewise when
  an earn action pays), the member moves to the highest tier the measure reaches. The crossing order itself earns at
  the old tier's multiplier; the next order earns at the new one (the tier
  is read before the order's points are worked out, so an order's points
  never depend on themselves).
- The entry reward (points) is paid on moving up into a tier, once per tier
  per window: by an order or action (points from before Perks may have
  helped), or at a placement by points earned in Perks alone; a tier given
  by an import, or at a placement only with the points from before Perks,
  pays none (ledger key `tier:<tier>:<member>:<window>:entry`); reaching
  two tiers in one order pays the higher tier's only.
- Down only at the window's end: a reached tier is held until the end of
  its window (the calendar year's end in the shop's zone; 12 months after
  it was reached; never for lifetime). Then the scheduled job measures the
  window as of that moment: a member who still qualifies keeps the tier for
  another window, one who does not moves to what the measure supports.
- Each move bumps the member's version and marks it unsynced; the tier's tag
  and metafield are written to Shopify afterwards (tiers/sync.py),
  never in the ledger's transaction.
- An imported tier (the other app's, matched by name) is a floor: the member
  is placed at least in it, without its entry reward (an import moves
  history, it does not earn), held like a reached tier; a ladder saved while
  the import's window lasts keeps them in it.
- Saving a ladder places every member at once (tiers/jobs.py, in batches):
  each moves to exactly what the new ladder gives them, up as an order
  would or down when thresholds rose; a removed tier's members hold none
  until placed, a renamed tier's are written to Shopify again. A later save
  stops an earlier placement; a placement Redis could not take is queued
  again by the hourly job (`placement_due_at`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts, settings_row
from shopify_app.core.errors import InvalidCommand, NotFound
from shopify_app.earn.program_settings import InvalidSettings
from shopify_app.ledger import events, ledger
from shopify_app.ledger.commands import CustomerProfile, PayOrder
from shopify_app.ledger.members import ensure_member, find_member, imported_lifetime, imported_tiers
from shopify_app.ledger.models import LedgerEntry, Member, Order
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop, read_once
from shopify_app.tiers.models import MemberTier, Tier, TierProgram

ONE = Decimal(1)
# Ledger kinds that count as points earned towards a tier.
EARNED_KINDS = ("earn", "reverse", "action", "signup", "flow", "referral")


def program_of(session: Session, shop_id: int) -> TierProgram:
    return settings_row(session, TierProgram, shop_id)


def ladder(session: Session, shop_id: int) -> list[Tier]:
    """The shop's tiers, lowest threshold first."""
    tiers = select(Tier).where(Tier.shop_id == shop_id).order_by(Tier.threshold)
    return read_once(session, ("tiers", shop_id), lambda: list(session.scalars(tiers)))


def current(session: Session, member: Member) -> Tier | None:
    tier_id = session.scalar(select(MemberTier.tier_id).where(MemberTier.member_id == member.id))
    return session.get(Tier, tier_id) if tier_id else None


def multiplier(session: Session, member: Member | None) -> Decimal:
    """The earn multiplier of the member's tier now; 1 without one."""
    tier = current(session, member) if member is not None else None
    return tier.multiplier if tier else ONE


# --- windows --------------------------------------------------------------------


def years_back(moment: datetime, years: int = 1) -> datetime:
    """The same wall-clock instant `years` earlier; 29 February falls on the 28th."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def window_start(period: str, zone: str, now: datetime) -> datetime | None:
    """Where the window that `now` is measured in begins; None for lifetime."""
    if period == "lifetime":
        return None
    if period == "rolling_12_months":
        return years_back(now)
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def held_until(period: str, zone: str, reached: datetime) -> datetime | None:
    """The end of the window a tier reached at `reached` is kept for; None: kept for good."""
    if period == "lifetime":
        return None
    if period == "rolling_12_months":
        return years_back(reached, -1)
    local = reached.astimezone(ZoneInfo(zone))
    return local.replace(year=local.year + 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def window_key(period: str, zone: str, reached: datetime) -> str:
    if period == "lifetime":
        return "lifetime"
    if period == "calendar_year":
        return str(reached.astimezone(ZoneInfo(zone)).year)
    return reached.astimezone(UTC).date().isoformat()


def measure(session: Session, member: Member, basis: str, start: datetime | None, end: datetime) -> Decimal:
    """Points earned or money spent by the member in [start, end]."""
    return measures(session, member.shop_id, [member.id], basis, start, end).get(member.id, Decimal(0))


def measures(
    session: Session, shop_id: int, member_ids: list[int], basis: str, start: datetime | None, end: datetime
) -> dict[int, Decimal]:
    """Points earned or money spent in [start, end] by each of these members; a member with none is absent.

    Over the whole life (`start` None) points earned include those earned before Perks, as the other app counted them."""
    if basis == "spend":
        owner, amount, at = Order.member_id, Order.eligible_amount, Order.paid_at
        query = select(owner, func.sum(amount)).where(Order.shop_id == shop_id, Order.cancelled_at.is_(None))
    else:
        owner, amount, at = LedgerEntry.member_id, LedgerEntry.points, LedgerEntry.created_at
        query = select(owner, func.sum(amount)).where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind.in_(EARNED_KINDS))
    query = query.where(owner.in_(member_ids), at <= end)
    if start is not None:
        query = query.where(at >= start)
    found = {member_id: Decimal(total) for member_id, total in session.execute(query.group_by(owner))}
    if basis == "points" and start is None:
        for member_id, before in imported_lifetime(session, member_ids).items():
            found[member_id] = found.get(member_id, Decimal(0)) + before
    return found


# --- moves ----------------------------------------------------------------------


def order_paid(session: Session, cmd: PayOrder, now: datetime) -> None:
    """After an order's points: move its member up if a threshold is now passed."""
    if cmd.customer is None:
        return
    shop = installed_shop(session, cmd.shop_domain)
    tiers = ladder(session, shop.id)
    if not tiers:
        return  # most shops run no tiers: one query, not three
    member = find_member(session, shop.id, cmd.customer.customer_id)
    if member is not None and member.merged_into_id is None:
        evaluate(session, shop, member, now, tiers)


def evaluate(
    session: Session, shop: Shop, member: Member, now: datetime, tiers: list[Tier] | None = None, value: Decimal | None = None
) -> Tier | None:
    """Move the member up at once if the window's measure reaches a higher tier; never down.

    `tiers`: the shop's ladder when the caller has just read it; `value`: the member's measure when read in bulk."""
    tiers = ladder(session, shop.id) if tiers is None else tiers
    if not tiers:
        return None
    program = program_of(session, shop.id)
    state = _locked_state(session, member)
    held = session.get(Tier, state.tier_id) if state.tier_id else None
    if value is None:
        value = measure(session, member, program.basis, window_start(program.period, shop.timezone, now), now)
    reached = _highest(tiers, value)
    if reached is not None and (held is None or reached.threshold > held.threshold):
        _enter(session, shop, program, member, state, held, reached, now)
        return reached
    return held


def to_place(session: Session, shop_id: int) -> list[int]:
    """Every member a ladder holds (not merged into another, not deleted), by id; read without locks."""
    return list(session.scalars(select(Member.id).where(*_placed(shop_id)).order_by(Member.id)))


def members_total(session: Session, shop_id: int) -> int:
    """How many members a ladder holds, in a tier or not."""
    return session.scalar(select(func.count()).select_from(Member).where(*_placed(shop_id)))


def _placed(shop_id: int) -> tuple:
    return Member.shop_id == shop_id, Member.merged_into_id.is_(None), Member.deleted_at.is_(None)


def place(session: Session, shop: Shop, member_ids: list[int], now: datetime) -> int:
    """These members put in exactly the tier the ladder now gives them, their measures read at once; how many were
    looked at. Up as an order would move them (with the entry reward, if earned in Perks alone; not into the floor of
    an imported tier); down too, at once, never below an imported tier's floor: the merchant changed the
    ladder, so a tier held under the old thresholds is not earned under the new ones (moving down pays nothing).
    Placing twice moves no one twice: a member already in their tier stays as they are, and a tier's entry reward
    keeps its one key per window."""
    tiers = ladder(session, shop.id)
    if not member_ids:
        return 0
    program = program_of(session, shop.id)
    start = window_start(program.period, shop.timezone, now)
    values = measures(session, shop.id, member_ids, program.basis, start, now)
    # An import credited in this window keeps its tier as a floor (its window ends as a reached tier's would).
    floors = {member_id: _named(tiers, name) for member_id, name in imported_tiers(session, member_ids, start).items()}
    before = _before_perks(session, program, member_ids)
    members = session.scalars(select(Member).where(Member.id.in_(member_ids), Member.merged_into_id.is_(None)).order_by(Member.id)).all()
    for member in members:
        state = _locked_state(session, member)
        held = session.get(Tier, state.tier_id) if state.tier_id else None
        earned = _highest(tiers, values.get(member.id, Decimal(0)))
        floor = floors.get(member.id)
        reached = floor if floor is not None and (earned is None or floor.threshold > earned.threshold) else earned
        if reached == held:
            continue
        in_perks = _highest(tiers, values.get(member.id, Decimal(0)) - before.get(member.id, 0))
        if reached is not None and reached == in_perks and (held is None or reached.threshold > held.threshold):
            _enter(session, shop, program, member, state, held, reached, now)
        else:
            _move(session, shop, program, member, state, held, reached, now)
    return len(members)


def placements_owed(session: Session, saved_before: datetime) -> list[int]:
    """Shops whose ladder, saved before this instant, still waits for its members to be placed."""
    query = select(TierProgram.shop_id).join(Shop, Shop.id == TierProgram.shop_id)
    query = query.where(TierProgram.placement_due_at <= saved_before, Shop.uninstalled_at.is_(None))
    return list(session.scalars(query.order_by(TierProgram.shop_id)))


def placement_owed_since(session: Session, shop_id: int) -> datetime | None:
    return session.scalar(select(TierProgram.placement_due_at).where(TierProgram.shop_id == shop_id))


def placement_done(session: Session, shop_id: int, owed_since: datetime | None) -> None:
    """The placement owed since `owed_since` has finished; a ladder saved again meanwhile is still owed its own."""
    if owed_since is not None:
        session.execute(
            update(TierProgram)
            .where(TierProgram.shop_id == shop_id, TierProgram.placement_due_at == owed_since)
            .values(placement_due_at=None)
        )


def holders_by_tier(session: Session, shop_id: int) -> dict[int, int]:
    """How many members hold each of the shop's tiers (one query); a tier nobody holds is absent."""
    query = select(MemberTier.tier_id, func.count()).where(MemberTier.shop_id == shop_id, MemberTier.tier_id.is_not(None))
    return dict(session.execute(query.group_by(MemberTier.tier_id)).all())


def distribution(session: Session, shop_id: int) -> list[dict]:
    """Each tier, lowest first, with its threshold and how many members hold it now (the analytics' chart)."""
    held = holders_by_tier(session, shop_id)
    return [{"name": t.name, "threshold": str(t.threshold), "members": held.get(t.id, 0)} for t in ladder(session, shop_id)]


def review_due(session: Session, shop: Shop, now: datetime) -> int:
    """At each held tier's window end: keep it for another window if still earned, else move down. Moves made.

    All in the caller's one transaction; the scheduled job reviews `due_for_review` a chunk at a time instead."""
    return review(session, shop, due_for_review(session, shop, now), now)


def due_for_review(session: Session, shop: Shop, now: datetime) -> list[int]:
    """Members whose tier's window has ended (read without locks; `review` decides under them)."""
    query = select(MemberTier.member_id).where(MemberTier.shop_id == shop.id, MemberTier.held_until <= now)
    return list(session.scalars(query.order_by(MemberTier.member_id)))


def review(session: Session, shop: Shop, member_ids: list[int], now: datetime) -> int:
    """Review these members' tiers if still due; moves made. A member another transaction holds is left for the next run."""
    program = program_of(session, shop.id)
    tiers = ladder(session, shop.id)
    moved = 0
    due = session.scalars(
        select(MemberTier)
        .where(MemberTier.shop_id == shop.id, MemberTier.member_id.in_(member_ids), MemberTier.held_until <= now)
        .order_by(MemberTier.member_id)
        .with_for_update(skip_locked=True)
    ).all()
    for state in due:
        member = session.get(Member, state.member_id)
        held = session.get(Tier, state.tier_id) if state.tier_id else None
        value = measure(session, member, program.basis, window_start(program.period, shop.timezone, now), now)
        supported = _highest(tiers, value)
        if held is not None and supported is not None and supported.threshold >= held.threshold:
            state.achieved_at, state.held_until = now, held_until(program.period, shop.timezone, now)
            continue
        _move(session, shop, program, member, state, held, supported, now)
        moved += 1
    return moved


def progress(tiers: list[Tier], basis: str, held: Tier | None, value: Decimal) -> dict:
    """The member's tier, its perks, and how far the next one is (for the launcher), from the ladder (lowest first),
    what it counts, the tier held and the member's measure in the window now (read together by launcher/member_view.py)."""
    above = [t for t in tiers if held is None or t.threshold > held.threshold]
    following = above[0] if above else None
    nxt = None
    if following is not None:
        base = held.threshold if held else Decimal(0)
        span = following.threshold - base
        remaining = max(following.threshold - value, Decimal(0))
        share = ONE if span <= 0 else min(max((value - base) / span, Decimal(0)), ONE)
        nxt = {
            "name": following.name,
            "basis": basis,
            "remaining": int(remaining.to_integral_value(rounding=ROUND_CEILING)),
            "progress": float(round(share, 4)),
        }
    if held is None:
        return {"name": None, "perks": [], "next": nxt}
    return {"name": held.name, "perks": perks_of(held), "next": nxt}


class UnknownTier(NotFound):
    """A tier id the shop does not have."""


def replace_ladder(session: Session, shop_id: int, basis: str, period: str, wanted: list[dict], now: datetime) -> None:
    """The merchant's ladder as a whole: tiers with an id are changed, without one added, the others removed; a
    placement of every member on it is owed from `now` (`placement_due_at`, cleared by the placement that finishes).

    Each tier's fields are already checked by its model (id, name, threshold, multiplier, perks as a list, entry_points);
    here: each tier needs its own name and threshold, and an id must be one of the shop's."""
    if len({w["name"].casefold() for w in wanted}) < len(wanted) or len({w["threshold"] for w in wanted}) < len(wanted):
        raise InvalidSettings({"tiers": "each tier needs its own name and its own threshold"})
    program = program_of(session, shop_id)
    program.basis, program.period, program.placement_due_at = basis, period, now
    existing = {t.id: t for t in session.scalars(select(Tier).where(Tier.shop_id == shop_id))}
    unknown = [w["id"] for w in wanted if w["id"] is not None and w["id"] not in existing]
    if unknown:
        raise UnknownTier(f"no tier {unknown[0]} in this shop")
    kept = {w["id"] for w in wanted if w["id"] is not None}
    renamed = {w["id"] for w in wanted if w["id"] is not None and existing[w["id"]].name != w["name"]}
    _unsettle(session, shop_id, [tier_id for tier_id in existing if tier_id not in kept], renamed)
    session.execute(delete(Tier).where(Tier.shop_id == shop_id, Tier.id.not_in(kept)))
    # Two steps, so swapping two tiers' names or thresholds never trips the unique keys midway.
    for w in wanted:
        if w["id"] is not None:
            existing[w["id"]].name, existing[w["id"]].threshold = f"~{w['id']}", Decimal(10**11 + w["id"])
    session.flush()
    for w in wanted:
        fields = {k: v for k, v in w.items() if k != "id"} | {"perks": "\n".join(w["perks"])}
        if w["id"] is None:
            session.add(Tier(shop_id=shop_id, **fields))
        else:
            for field, value in fields.items():
                setattr(existing[w["id"]], field, value)
    session.flush()


def _unsettle(session: Session, shop_id: int, removed: list[int], renamed: set[int]) -> None:
    """Members of a removed tier hold none until placed again; those of a renamed one keep it. Both are written to Shopify
    again. Their rows are locked in member order, as placement locks them, so the two never deadlock."""
    touched = [*removed, *renamed]
    if not touched:
        return
    states = session.scalars(
        select(MemberTier)
        .where(MemberTier.shop_id == shop_id, MemberTier.tier_id.in_(touched))
        .order_by(MemberTier.member_id)
        .with_for_update()
    ).all()
    for state in states:
        if state.tier_id in removed:
            state.tier_id, state.achieved_at, state.held_until = None, None, None
        state.version += 1
        state.synced = False
    session.flush()


def perks_of(tier: Tier) -> list[str]:
    return [line.strip() for line in (tier.perks or "").splitlines() if line.strip()]


def _before_perks(session: Session, program: TierProgram, member_ids: list[int]) -> dict[int, int]:
    """The points from before Perks each member's measure holds (on a lifetime points ladder only), for telling at a
    placement a tier earned in Perks, which pays its entry reward, from one reached only with them, which does not."""
    if program.basis != "points" or program.period != "lifetime":
        return {}
    return imported_lifetime(session, member_ids)


def _named(tiers: list[Tier], name: str | None) -> Tier | None:
    """The ladder's tier of that name, compared case-insensitively, spaces around it ignored."""
    wanted = (name or "").strip().casefold()
    return next((tier for tier in tiers if tier.name.casefold() == wanted), None) if wanted else None


def _highest(tiers: list[Tier], value: Decimal) -> Tier | None:
    reached = [t for t in tiers if value >= t.threshold]
    return reached[-1] if reached else None


def _locked_state(session: Session, member: Member) -> MemberTier:
    session.execute(
        insert_ignoring_conflicts(MemberTier, ["member_id"]).values(member_id=member.id, shop_id=member.shop_id, version=0, synced=True)
    )
    return session.scalars(
        select(MemberTier).where(MemberTier.member_id == member.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _move(
    session: Session, shop: Shop, program: TierProgram, member: Member, state: MemberTier, old: Tier | None, new: Tier | None, now: datetime
) -> None:
    state.tier_id = new.id if new else None
    state.achieved_at = now if new else None
    state.held_until = held_until(program.period, shop.timezone, now) if new else None
    state.version += 1
    state.synced = False
    events.emit(
        session,
        member,
        "tier_changed",
        f"tier:{member.id}:v{state.version}",
        tier=new.name if new else None,
        previous=old.name if old else None,
    )


def _enter(
    session: Session, shop: Shop, program: TierProgram, member: Member, state: MemberTier, old: Tier | None, new: Tier, now: datetime
) -> None:
    """Move up into `new` and pay its entry reward, once per tier per window."""
    _move(session, shop, program, member, state, old, new, now)
    if new.entry_points:
        ledger.post(
            session,
            member,
            new.entry_points,
            kind="tier",
            key=f"tier:{new.id}:{member.id}:{window_key(program.period, shop.timezone, now)}:entry",
            reason=f"Welcome to {new.name}",
        )


def tag_for(name: str) -> str:
    """The customer tag a tier is written to Shopify as."""
    return f"Perks tier: {name}"


def move_by_flow(session: Session, shop_domain: str, customer_id: int, tier_name: str, now: datetime) -> bool:
    """A merchant's Flow workflow puts the member in a tier; True if that moved them.

    The tier is held like a reached one, to its window's end, and its entry
    reward follows the same key, so a retried Flow run changes nothing.
    """
    shop = installed_shop(session, shop_domain)
    wanted = _named(ladder(session, shop.id), tier_name)
    if wanted is None:
        raise InvalidCommand(f"no tier named {tier_name!r}")
    member = ensure_member(session, shop.id, CustomerProfile(customer_id))[0]
    state = _locked_state(session, member)
    if state.tier_id == wanted.id:
        return False
    program = program_of(session, shop.id)
    _enter(session, shop, program, member, state, session.get(Tier, state.tier_id) if state.tier_id else None, wanted, now)
    return True


def place_imported(session: Session, shop: Shop, named: list[tuple[Member, str | None]], now: datetime) -> list[str]:
    """Members an import credited, each put in the higher of the tier their measure reaches (points earned before
    Perks included) and the ladder's tier their other app named, unless they hold it or a higher one already; the
    names the ladder has no tier of.

    No entry reward is paid (an import moves history, it does not earn). The tier is held to its window's end as a
    reached one, and written to Shopify as any move is."""
    tiers = ladder(session, shop.id)
    if not tiers:
        return [name for _, name in named if name]
    program = program_of(session, shop.id)
    values = measures(session, shop.id, [m.id for m, _ in named], program.basis, window_start(program.period, shop.timezone, now), now)
    unknown = []
    for member, name in named:
        wanted, earned = _named(tiers, name), _highest(tiers, values.get(member.id, Decimal(0)))
        if name and wanted is None:
            unknown.append(name)
        target = max((t for t in (wanted, earned) if t is not None), key=lambda t: t.threshold, default=None)
        if target is None:
            continue
        state = _locked_state(session, member)
        held = session.get(Tier, state.tier_id) if state.tier_id else None
        if held is None or target.threshold > held.threshold:
            _move(session, shop, program, member, state, held, target, now)
    return unknown
