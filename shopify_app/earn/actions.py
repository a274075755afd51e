"""Earn actions besides purchase, each paid at most as often as its rule allows.

Two things in the database stop farming, neither a read-then-write:

- an occurrence (this product reviewed, that network followed, this custom
  action id, this year's birthday) is an `ActionClaim` row unique per rule,
  member and ref: the same review twice is one row, so one payout at most;
- the per-member limit (N per day, month, year or ever, counted in the
  shop's time zone) is N ledger keys `action:<rule>:<customer>:<period>:<n>`
  for n in 1..N: a payout takes the first free one, and when all N are
  taken the period is used up, however many workers race for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import EllipsisType
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.core.errors import InvalidCommand
from shopify_app.earn import promotions
from shopify_app.earn.models import ActionClaim, EarnRule, Program
from shopify_app.ledger import events, ledger
from shopify_app.ledger.commands import CustomerProfile, PerformAction
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Member
from shopify_app.shop import calendar
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop, program_of, read_once
from shopify_app.tiers import tiers

# What tells one occurrence of each action from another; None: the action
# happens once per member by its nature (an account is created once).
ACTIONS: dict[str, str | None] = {
    "signup": None,
    "birthday": "year",
    "review": "product id",
    "social_follow": "network",
    "social_share": "network",
    "newsletter": None,
    "profile": None,
    "survey": "survey id",
    "custom": "action id",
}
# Actions the storefront or a merchant's app may report through the signed API;
# the rest follow from Shopify's own facts or the calendar.
REPORTABLE = ("review", "social_follow", "social_share", "survey", "custom", "profile")
# Where each network's profiles live: a follow rule's URL tells its network.
NETWORK_HOSTS = {
    "instagram.com": "instagram", "facebook.com": "facebook", "fb.com": "facebook", "tiktok.com": "tiktok",
    "x.com": "x", "twitter.com": "x", "youtube.com": "youtube", "youtu.be": "youtube", "pinterest.com": "pinterest",
    "linkedin.com": "linkedin", "threads.net": "threads", "threads.com": "threads",
}  # fmt: skip
# The social networks a follow or share can name; any other name is no occurrence of its own.
NETWORKS = tuple(dict.fromkeys(NETWORK_HOSTS.values()))
HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Outcome:
    """awarded | repeat (this occurrence paid before) | limit (period used up) | off (no such rule on)."""

    status: str
    points: int = 0


def rule_name(action: str, handle: str = "") -> str:
    return f"{action}:{handle}" if handle else action


def set_rule(
    session: Session,
    shop: Shop,
    action: str,
    *,
    points: int,
    handle: str = "",
    limit_count: int = 1,
    limit_period: str = "ever",
    name: str = "",
    enabled: bool = True,
    url: str | EllipsisType | None = ...,
) -> EarnRule:
    """Create or change the rule for an action (custom actions by handle). A social follow may
    link to the shop's profile (`url`, https, on a known network); `...` keeps the one it has."""
    if action not in ACTIONS:
        raise InvalidCommand(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if url not in (None, ...) and action != "social_follow":
        raise InvalidCommand("only a social follow rule links to a profile")
    network = profile_network(url) if isinstance(url, str) else None
    if (action == "custom") != bool(handle) or (handle and not HANDLE.match(handle)):
        raise InvalidCommand("a custom action needs a handle of lowercase letters, digits, - and _; other actions take none")
    if points <= 0 or limit_count < 1 or limit_period not in calendar.PERIODS:
        raise InvalidCommand("a rule needs positive points and a limit of at least 1 per ever, day, month or year")
    rule = find_rule(session, shop.id, action, handle)
    if rule is None:
        rule = EarnRule(shop_id=shop.id, action=action, handle=handle)
        session.add(rule)
    rule.points, rule.limit_count, rule.limit_period = points, limit_count, limit_period
    rule.name, rule.enabled = name or rule_name(action, handle), enabled
    if url is not ...:
        rule.url, rule.network = url, network
    session.flush()
    return rule


def profile_network(url: str) -> str:
    """The network of a social profile's address; InvalidCommand unless it is https on a known network."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.") if parts.scheme == "https" else ""
    if len(url) > 500 or parts.username or parts.password or any(c.isspace() for c in url) or not host:
        raise InvalidCommand("a profile address must be an https:// URL, at most 500 characters")
    network = next((n for domain, n in NETWORK_HOSTS.items() if host == domain or host.endswith("." + domain)), None)
    if network is None:
        raise InvalidCommand(f"a profile address must be on one of {', '.join(NETWORKS)}")
    return network


def award(
    session: Session,
    shop: Shop,
    program: Program,
    member: Member,
    action: str,
    *,
    now: datetime,
    ref: str = "",
    handle: str = "",
) -> Outcome:
    """Pay the member for one occurrence of an action, if its rule is on and the limit allows."""
    if action not in ACTIONS:
        raise InvalidCommand(f"unknown action {action!r}")
    ref = str(ref).strip()[:100]
    if ACTIONS[action] is not None and not ref:
        raise InvalidCommand(f"{action} needs its {ACTIONS[action]}")
    if ACTIONS[action] is None:
        ref = ""
    rule = find_rule(session, shop.id, action, handle)
    if action == "signup":
        return _signup(session, program, member, rule)
    if rule is None or not rule.enabled or not program.enabled:
        return Outcome("off")

    claim_id = session.execute(
        insert_ignoring_conflicts(ActionClaim, ["shop_id", "rule_id", "member_id", "ref"])
        .values(shop_id=shop.id, rule_id=rule.id, member_id=member.id, ref=ref, points=0)
        .returning(ActionClaim.id)
    ).scalar()
    if claim_id is None:
        return Outcome("repeat")

    name = rule_name(action, handle)
    boost = promotions.multiplier(session, shop, now, action=name)
    points = int((rule.points * boost).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    count, period = limit(rule)
    period_name = ref if action == "birthday" else calendar.bucket(period, calendar.local(shop, now))
    reason = rule.name + (f" ({ref})" if ref else "")
    for n in range(1, count + 1):
        key = _key(action, name, member, period_name, n)
        if ledger.post(session, member, points, kind="action", key=key, reason=reason, at=now):
            session.execute(update(ActionClaim).where(ActionClaim.id == claim_id).values(ledger_key=key, points=points))
            events.emit(
                session, member, "birthday" if action == "birthday" else "points_earned", f"event:{key}", points=points, reason=reason
            )
            tiers.evaluate(session, shop, member, now)  # points earned this way count towards a tier at once too
            return Outcome("awarded", points)
    # Unpaid, the occurrence stays unclaimed: the same review reported when the limit allows again pays then.
    session.execute(delete(ActionClaim).where(ActionClaim.id == claim_id))
    return Outcome("limit")


def _key(action: str, name: str, member: Member, period: str, n: int) -> str:
    return f"action:{name}:{member.customer_id}:{period}:{n}"


SIGNUP_REASON = "Joined the program"


def signup_points(program: Program, rule: EarnRule | None) -> int:
    """What a new account earns, 0 when nothing: without a rule of its own, the program's `signup_points` is the rule."""
    points = (rule.points if rule.enabled else 0) if rule else program.signup_points
    return points if program.enabled else 0


def signup_key(customer_id: int) -> str:
    """An account is created once, so its key alone is the limit: the one the sign-up bonus
    always had, which keeps members who joined before the rules from being paid again."""
    return f"customer:{customer_id}:signup"


def _signup(session: Session, program: Program, member: Member, rule: EarnRule | None) -> Outcome:
    points = signup_points(program, rule)
    if not points:
        return Outcome("off")
    key = signup_key(member.customer_id)
    if not ledger.post(session, member, points, kind="signup", key=key, reason=SIGNUP_REASON):
        return Outcome("repeat")
    events.emit(session, member, "points_earned", f"event:{key}", points=points, reason=SIGNUP_REASON)
    return Outcome("awarded", points)


def find_rule(session: Session, shop_id: int, action: str, handle: str = "") -> EarnRule | None:
    rule = select(EarnRule).where(EarnRule.shop_id == shop_id, EarnRule.action == action, EarnRule.handle == handle)
    return read_once(session, ("rule", shop_id, action, handle), lambda: session.scalars(rule).first())


def limit(rule) -> tuple[int, str]:
    """How often `rule` pays: (count, period), as the claims count it. Birthdays are once a year whatever
    the rule says: the year is the occurrence."""
    return (1, "year") if rule.action == "birthday" else (rule.limit_count, rule.limit_period)


def perform(session: Session, cmd: PerformAction, *, now: datetime) -> Outcome:
    """An action reported by the storefront or a merchant's app through the signed API."""
    if cmd.action not in REPORTABLE:
        raise InvalidCommand(f"{cmd.action!r} cannot be reported; reportable: {', '.join(REPORTABLE)}")
    shop = installed_shop(session, cmd.shop_domain)
    # The report may come before Shopify's customers/create does.
    member = ensure_member(session, shop.id, CustomerProfile(cmd.customer_id))[0]
    return award(session, shop, program_of(session, shop), member, cmd.action, now=now, ref=cmd.ref, handle=cmd.handle)


def award_from_flow(session: Session, shop_domain: str, customer_id: int, points: int, *, run_id: str, reason: str) -> bool:
    """Points a merchant's Shopify Flow workflow gives; each Flow action run pays once. True if this call paid."""
    if not 0 < points <= 1_000_000 or not run_id:
        raise InvalidCommand("a Flow award needs points between 1 and 1,000,000 and its action run id")
    shop = installed_shop(session, shop_domain)
    member = ensure_member(session, shop.id, CustomerProfile(customer_id))[0]
    key = f"flow:{run_id}"[:200]
    if not ledger.post(session, member, points, kind="flow", key=key, reason=reason[:500]):
        return False
    events.emit(session, member, "points_earned", f"event:{key}", points=points, reason=reason[:500])
    return True
