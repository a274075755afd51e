"""The change log in a merchant's words: one sentence per changed setting, for every subject the log records.

The log keeps raw fields (audit.py); this is the one place that says them as a merchant
would: "Points per $1 spent changed from 1 to 2", "Reward “$5 off” added",
"Gold tier threshold changed from 1,000 to 1,500 points". A field this module does not
know yet is still said plainly ("Friend code valid days changed from 7 to 14").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import format_currency

from shopify_app.core import words

ENGLISH = Locale("en")


@dataclass(frozen=True)
class Context:
    """What the record alone does not say: the shop's currency, the tiers' basis, and the current name
    and kind of what a subject points at (a reward's title, since an edit records only the fields it changed)."""

    currency: str
    tier_basis: str = "points"
    names: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)


Format = Callable[[Any, Context], str]


@dataclass(frozen=True)
class Setting:
    label: str
    show: Format = lambda value, context: number(value)
    unit: str = ""  # after the new value only: "from 1,000 to 1,500 points"


@dataclass(frozen=True)
class Switch:
    on: str
    off: str


def number(value: Any) -> str:
    if value is None:
        return "none"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return words.number("en", amount.normalize() if amount == amount.to_integral() else amount)


def money(value: Any, context: Context) -> str:
    if value is None:
        return "none"
    return words.money("en", Decimal(str(value)), context.currency)


def days(value: Any) -> str:
    return "1 day" if value == 1 else f"{number(value)} days"


def quoted(value: Any) -> str:
    return f"“{value}”" if value not in (None, "") else "none"


def labelled(labels: Mapping[str, str]) -> Format:
    return lambda value, context: labels.get(value, "none" if value is None else str(value).replace("_", " "))


def plain(value: Any) -> str:
    return "none" if value is None else str(value)


def times(value: Any) -> str:
    return "none" if value is None else f"{number(value)}\N{MULTIPLICATION SIGN}"


PERIODS = {"ever": "in all", "day": "a day", "month": "a month", "year": "a year"}
REWARD_KINDS = {
    "fixed_amount": "amount off",
    "percentage": "percentage off",
    "free_shipping": "free shipping",
    "free_product": "free product",
    "store_credit": "store credit",
    "points_for_money": "points for money off",
}
ACTIONS = {
    "signup": "Creating an account",
    "birthday": "Birthday",
    "review": "Product review",
    "social_follow": "Social follow",
    "social_share": "Social share",
    "newsletter": "Newsletter sign-up",
    "profile": "Completed profile",
    "survey": "Survey answered",
}
NOTIFICATION_KINDS = {
    "points_earned": "Points earned",
    "points_expiring": "Points expiring",
    "points_expired": "Points expired",
    "birthday": "Birthday",
    "tier_changed": "New VIP tier",
    "referral_credited": "Referral rewarded",
    "reward_redeemed": "Reward redeemed",
    "dormant_nudge": "We miss you",
}
CHANNELS = {"email": "Email notifications", "metafields": "Metafield notifications", "flow": "Shopify Flow notifications"}
TIER_BASES = {"points": "points earned", "spend": "money spent"}
TIER_PERIODS = {"lifetime": "all time", "calendar_year": "the calendar year", "rolling_12_months": "the last 12 months"}

PROGRAM: dict[str, Setting | Switch] = {
    "enabled": Switch("Program turned on", "Program turned off"),
    "points_per_unit": Setting("Points per {unit} spent"),
    "rounding": Setting("Rounding of points", labelled({"down": "down", "nearest": "nearest", "up": "up"})),
    "minimum_order": Setting("Minimum order to earn points", money),
    "count_shipping": Switch("Shipping now earns points", "Shipping no longer earns points"),
    "count_tax": Switch("Tax now earns points", "Tax no longer earns points"),
    "count_discounts": Switch("Points now earned on prices before discounts", "Points now earned on what the shopper pays after discounts"),
    "guest_points": Switch("Guests' orders now earn points, kept until they make an account", "Guests' orders no longer earn points"),
    "signup_points": Setting("Points for creating an account"),
    "expire_after_days": Setting("Points expiry", lambda v, c: "never" if v is None else f"after {days(v)} without activity"),
    "expiry_reminder_days": Setting("Reminder before points expire", lambda v, c: "none" if not v else f"{days(v)} before"),
    "nudge_after_days": Setting("Nudge to inactive members", lambda v, c: "off" if v is None else f"after {days(v)}"),
}
EARN_RULE: dict[str, Setting | Switch] = {
    "enabled": Switch("turned on", "turned off"),
    "points": Setting("points", unit=" points"),
    "limit_count": Setting("limit", lambda v, c: "none" if v is None else ("once" if v == 1 else f"{number(v)} times")),
    "limit_period": Setting("limit period", labelled(PERIODS)),
    "url": Setting("profile", lambda v, c: plain(v)),
    "name": Setting("name", lambda v, c: quoted(v)),
}
REWARD: dict[str, Setting | Switch] = {
    "enabled": Switch("turned on", "turned off"),
    "archived": Switch("archived", "restored"),
    "points_cost": Setting("price", unit=" points"),
    "kind": Setting("kind", labelled(REWARD_KINDS)),
    "variant_id": Setting("product variant", lambda v, c: plain(v)),
    "minimum_order": Setting("minimum order", money),
    "limit_per_member": Setting("limit per member", lambda v, c: "no limit" if v is None else number(v)),
    "code_valid_days": Setting("code validity", lambda v, c: "no expiry" if v is None else days(v)),
    "combines_with_order": Switch("now combines with order discounts", "no longer combines with order discounts"),
    "combines_with_product": Switch("now combines with product discounts", "no longer combines with product discounts"),
    "combines_with_shipping": Switch("now combines with shipping discounts", "no longer combines with shipping discounts"),
    "min_points": Setting("fewest points a member can spend", unit=" points"),
    "max_points": Setting("most points a member can spend", unit=" points"),
}
REFERRALS: dict[str, Setting | Switch] = {
    "enabled": Switch("Referrals turned on", "Referrals turned off"),
    "referrer_points": Setting("Points for a successful referral", unit=" points"),
    "friend_reward_kind": Setting("Friend's reward", labelled(REWARD_KINDS)),
    "friend_reward_value": Setting("Friend's reward value"),
    "friend_reward_minimum": Setting("Friend's minimum order", money),
    "friend_code_valid_days": Setting("Friend's code validity", lambda v, c: days(v)),
    "minimum_order": Setting("Minimum order for a referral to count", money),
    "waiting_days": Setting("Wait before a referral is rewarded", lambda v, c: days(v)),
}
LAUNCHER: dict[str, Setting | Switch] = {
    "primary_color": Setting("Launcher main colour", lambda v, c: plain(v)),
    "background_color": Setting("Launcher background colour", lambda v, c: plain(v)),
    "text_color": Setting("Launcher text colour", lambda v, c: plain(v)),
    "position": Setting("Launcher position", lambda v, c: plain(v).replace("-", " ")),
}
TIER: dict[str, Setting | Switch] = {
    "multiplier": Setting("points multiplier", lambda v, c: times(v)),
    "entry_points": Setting("bonus for reaching it", unit=" points"),
    "perks": Setting("perks", lambda v, c: ", ".join(map(str, v)) if isinstance(v, list) and v else plain(v or None)),
}
SKIPPED = {"id", "network", "step_points", "step_value", "running", "members"}  # said by another field, or not a setting


def sentences(subject: str, before: Mapping[str, Any], after: Mapping[str, Any], context: Context) -> list[str]:
    """What one change-log record did, one sentence per setting it changed."""
    kind, _, rest = subject.partition(":")
    words = SUBJECTS.get(kind)
    if words is None:
        return _settings(f"{_humane(subject)}:", {}, before, after, context)
    return words(rest, subject, before, after, context)


def by_whom(actor: str) -> str:
    """Who made a change: the log knows a staff member by their Shopify user id (the session token's
    `sub`), or by the name a development token carries."""
    if actor in ("", "unknown"):
        return "by a staff member"
    if actor.isdigit():
        return f"by staff member {actor}"
    return f"by {actor} (staff)"


def _program(rest: str, subject: str, before, after, context: Context) -> list[str]:
    unit = format_currency(1, context.currency, format="¤#,##0", currency_digits=False, locale=ENGLISH)
    settings = {k: Setting(v.label.format(unit=unit), v.show, v.unit) if isinstance(v, Setting) else v for k, v in PROGRAM.items()}
    return _settings("", settings, before, after, context)


def _earn_rule(rest: str, subject: str, before, after, context: Context) -> list[str]:
    action, _, handle = rest.partition(":")
    name = after.get("name") or before.get("name") or context.names.get(subject)
    label = ACTIONS.get(action) or (f"Custom action “{name or handle}”" if action == "custom" else _humane(action))
    if "points" in before and before["points"] is None and after.get("points") is not None:
        limit = after.get("limit_count", 1), after.get("limit_period", "ever")
        said = f"{label} now earns {number(after['points'])} points"
        if limit != (1, "ever"):
            said += f", up to {EARN_RULE['limit_count'].show(limit[0], context)} {PERIODS.get(limit[1], limit[1])}"  # type: ignore[union-attr]
        return [said + (" (turned off)" if after.get("enabled") is False else "")]
    return _settings(label, EARN_RULE, before, after, context)


def _reward(rest: str, subject: str, before, after, context: Context) -> list[str]:
    title = context.names.get(subject) or after.get("title") or before.get("title") or f"#{rest}"
    if _made(before):
        return [f"Reward {quoted(after.get('title') or title)} added"]
    said = [f"Reward {quoted(before['title'])} renamed to {quoted(after['title'])}"] if "title" in after else []
    kind = after.get("kind") or context.kinds.get(subject)
    if kind in ("fixed_amount", "store_credit", "points_for_money"):
        value = Setting("value", money)
    else:
        value = Setting("value", unit="%" if kind == "percentage" else "")
    changed = {k: v for k, v in after.items() if k != "title"}
    return said + _settings(f"Reward {quoted(title)}", REWARD | {"value": value}, before, changed, context)


def _promotion(rest: str, subject: str, before, after, context: Context) -> list[str]:
    name = quoted(after.get("name") or before.get("name") or context.names.get(subject) or f"#{rest}")
    if _made(before):
        span = f"from {_local(after.get('starts_local'))} to {_local(after.get('ends_local'))}"
        return [f"Promotion {name} added: {times(after.get('multiplier'))} points {span}"]
    if _made(after):
        return [f"Promotion {name} ended"]
    return _settings(f"Promotion {name}", {"multiplier": Setting("multiplier", lambda v, c: times(v))}, before, after, context)


def _multiplier(rest: str, subject: str, before, after, context: Context) -> list[str]:
    target, _, target_id = rest.partition(":")
    what = context.names.get(subject) or f"{target.capitalize()} {target_id}"
    new, old = after.get("multiplier"), before.get("multiplier")
    if new is None:
        return [f"{what} no longer earns extra points"]
    if old is None:
        return [f"{what} now earns {times(new)} points"]
    return [f"{what} points multiplier changed from {times(old)} to {times(new)}"]


def _referrals(rest: str, subject: str, before, after, context: Context) -> list[str]:
    return _settings("", REFERRALS, before, after, context)


def _launcher(rest: str, subject: str, before, after, context: Context) -> list[str]:
    said = []
    for name in sorted(after):
        language, dot, text = name.partition(".")
        if dot and len(language) <= 5:
            label = f"Launcher {text.replace('_', ' ')} ({_language(language)})"
            setting = Setting(label, lambda v, c: quoted(v) if v else "the default")
            said.append(_changed(label, setting, before.get(name), after[name], context))
        else:
            said += _settings("", LAUNCHER, {name: before.get(name)}, {name: after[name]}, context)
    return said


def _notifications(rest: str, subject: str, before, after, context: Context) -> list[str]:
    said = []
    for name in sorted(after):
        head, _, tail = name.partition(".")
        if head == "channel":
            label = CHANNELS.get(tail, f"{_humane(tail)} notifications")
            said.append(f"{label} turned {'on' if after[name] else 'off'}")
            continue
        language, _, part = tail.partition(".")
        kind = NOTIFICATION_KINDS.get(head, _humane(head))
        change = "set back to the built-in text" if after[name] is None else "changed"
        said.append(f"{_language(language)} {part or 'text'} of “{kind}” notifications {change}")
    return said


def _tiers(rest: str, subject: str, before, after, context: Context) -> list[str]:
    basis = after.get("basis") or context.tier_basis
    shown = {
        "basis": Setting("VIP tiers based on", labelled(TIER_BASES)),
        "period": Setting("VIP tiers counted over", labelled(TIER_PERIODS)),
    }
    said = _settings("", shown, before, {k: v for k, v in after.items() if k in shown}, context)
    threshold = Setting("threshold", money) if basis == "spend" else Setting("threshold", unit=" points")
    for name in sorted(k for k in after.keys() | before.keys() if k.startswith("tier:")):
        tier, old, new = name.partition(":")[2], before.get(name), after.get(name)
        if old is None and new is not None:
            said.append(f"{tier} tier added at {_value(threshold, new.get('threshold'), context)}")
        elif new is None and old is not None:
            said.append(f"{tier} tier removed")
        elif old is not None and new is not None:
            changed = {k: v for k, v in new.items() if old.get(k) != v}
            said += _settings(f"{tier} tier", {"threshold": threshold} | TIER, old, changed, context)
    return said


def _api_key(rest: str, subject: str, before, after, context: Context) -> list[str]:
    name = quoted(rest.partition(" ")[2] or rest)
    if _made(before):
        return [f"API key {name} created"]
    if after.get("state") == "revoked":
        return [f"API key {name} revoked"]
    return _settings(f"API key {name}", {}, before, after, context)


def _settings(owner: str, known: Mapping[str, Setting | Switch], before, after, context: Context) -> list[str]:
    said = []
    for name in sorted(after, key=lambda n: (list(known).index(n) if n in known else len(known), n)):
        if name in SKIPPED:
            continue
        words = known.get(name)
        old, new = before.get(name), after[name]
        if isinstance(words, Switch):
            text = words.on if new else words.off
        elif words is None and isinstance(new, bool):
            text = f"{_humane(name).lower()} turned {'on' if new else 'off'}"
        else:
            text = _changed(_humane(name).lower(), words or Setting(_humane(name).lower(), lambda v, c: plain(v)), old, new, context)
        said.append(_capital(f"{owner} {text}" if owner else text))
    return said


def _changed(label: str, setting: Setting, old: Any, new: Any, context: Context) -> str:
    label = setting.label or label
    if old is None and new is not None and setting.show(None, context) == "none":
        return f"{label} set to {_value(setting, new, context)}"
    return f"{label} changed from {setting.show(old, context)} to {_value(setting, new, context)}"


def _value(setting: Setting, value: Any, context: Context) -> str:
    return setting.show(value, context) + (setting.unit if value is not None else "")


def _made(before: Mapping[str, Any]) -> bool:
    """A record of something made (or, read on its after side, removed): the log keeps None for every field it did not have."""
    return all(value is None for value in before.values())


def _local(value: str | None) -> str:
    if not value:
        return "none"
    moment = datetime.fromisoformat(value)
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def _language(code: str) -> str:
    return ENGLISH.languages.get(code.replace("-", "_").split("_")[0], code)


def _humane(name: str) -> str:
    return _capital(name.replace("_", " ").replace(":", " "))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


SUBJECTS: dict[str, Callable[[str, str, Mapping[str, Any], Mapping[str, Any], Context], list[str]]] = {
    "program": _program,
    "earn_rule": _earn_rule,
    "reward": _reward,
    "promotion": _promotion,
    "multiplier": _multiplier,
    "referrals": _referrals,
    "launcher": _launcher,
    "notifications": _notifications,
    "tiers": _tiers,
    "api_key": _api_key,
}
