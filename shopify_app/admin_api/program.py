"""The program's settings, its earn actions, its setup checklist and its change log."""

from __future__ import annotations

from types import EllipsisType

from flask import g, jsonify
from sqlalchemy import exists, select

from shopify_app.loyalty import actions, audit, program_settings
from shopify_app.loyalty.errors import InvalidCommand
from shopify_app.loyalty.shops import program_of
from shopify_app.models import EarnRule, ProgramChange, Reward
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, actor, json_object, query_int, shop_of


@bp.get("/program")
@merchant_required
def get_program():
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        program = program_of(uow.session, shop)
        return jsonify(
            shop={"domain": shop.domain, "name": shop.name, "currency": shop.currency, "timezone": shop.timezone},
            program=program_settings.as_dict(program),
            checklist=_checklist(uow.session, shop.id, program.enabled),
        )


@bp.patch("/program")
@merchant_required
def change_program():
    changes = json_object()
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        program = program_settings.update(uow.session, shop, changes, actor())
        uow.commit()
        return jsonify(program=program_settings.as_dict(program), checklist=_checklist(uow.session, shop.id, program.enabled))


@bp.get("/program/changes")
@merchant_required
def program_changes():
    before = query_int("before", 0, 0, 2**62) or None
    with UnitOfWork(perks().sessions) as uow:
        changes = audit.history(uow.session, g.caller.shop_id, limit=50, before_id=before)
        return jsonify(
            changes=[
                {"id": c.id, "at": c.created_at.isoformat(), "actor": c.actor, "subject": c.subject, "before": c.before, "after": c.after}
                for c in changes
            ]
        )


@bp.get("/earn-rules")
@merchant_required
def earn_rules():
    with UnitOfWork(perks().sessions) as uow:
        rules = {
            actions.rule_name(r.action, r.handle): r
            for r in uow.session.scalars(select(EarnRule).where(EarnRule.shop_id == g.caller.shop_id))
        }
        listed = [_rule_json(name, rules.get(name)) for name in actions.ACTIONS if name != "custom"]
        listed += [_rule_json(name, rule) for name, rule in sorted(rules.items()) if rule.action == "custom"]
        return jsonify(rules=listed, periods=["ever", "day", "month", "year"])


@bp.put("/earn-rules/<name>")
@merchant_required
def set_earn_rule(name: str):
    data = json_object()
    action, _, handle = name.partition(":")
    errors = {}
    points, limit_count = data.get("points"), data.get("limit_count", 1)
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 1_000_000:
        errors["points"] = "must be a whole number of points from 1 to 1,000,000"
    if not isinstance(limit_count, int) or isinstance(limit_count, bool) or not 1 <= limit_count <= 1000:
        errors["limit_count"] = "must be a whole number from 1 to 1000"
    if data.get("limit_period", "ever") not in ("ever", "day", "month", "year"):
        errors["limit_period"] = "must be ever, day, month or year"
    if not isinstance(data.get("enabled", True), bool):
        errors["enabled"] = "must be true or false"
    url = _profile_url(action, data, errors)
    if errors:
        raise ApiError(400, "invalid", "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        existing = uow.session.scalar(
            select(EarnRule).where(EarnRule.shop_id == shop.id, EarnRule.action == action, EarnRule.handle == handle)
        )
        before = _rule_json(name, existing)
        rule = actions.set_rule(
            uow.session,
            shop,
            action,
            points=points,
            handle=handle,
            limit_count=limit_count,
            limit_period=data.get("limit_period", "ever"),
            name=str(data.get("name") or ""),
            enabled=data.get("enabled", True),
            url=url,
        )
        after = _rule_json(name, rule)
        audit.record(uow.session, shop.id, actor(), f"earn_rule:{name}", before, after)
        uow.commit()
        return jsonify(rule=after)


def _profile_url(action: str, data: dict, errors: dict) -> str | EllipsisType | None:
    """A social follow's profile URL: absent keeps the one saved, null or "" removes it."""
    if "url" not in data:
        return ...
    url = data["url"].strip() if isinstance(data["url"], str) else data["url"]
    if url in (None, ""):
        return None
    if action != "social_follow":
        errors["url"] = "only a social follow rule links to a profile"
    elif not isinstance(url, str):
        errors["url"] = "must be an https:// address or null"
    else:
        try:
            actions.profile_network(url)
        except InvalidCommand as problem:
            errors["url"] = str(problem)
    return url


def _rule_json(name: str, rule: EarnRule | None) -> dict:
    if rule is None:
        return {"name": name, "points": None, "limit_count": 1, "limit_period": "ever", "enabled": False, "url": None, "network": None}
    return {
        "name": name,
        "points": rule.points,
        "limit_count": rule.limit_count,
        "limit_period": rule.limit_period,
        "enabled": rule.enabled,
        "url": rule.url,
        "network": rule.network,
    }


def _checklist(session, shop_id: int, enabled: bool) -> list[dict]:
    """What a new merchant still has to do, each item checked against what the shop really has."""

    def has(query) -> bool:
        return bool(session.scalar(select(exists(query))))

    return [
        {
            "key": "purchase_rule",
            "title": "Choose how members earn on purchases",
            "done": has(select(ProgramChange.id).where(ProgramChange.shop_id == shop_id, ProgramChange.subject == "program")),
            "section": "earn",
        },
        {
            "key": "earn_action",
            "title": "Reward an action besides buying (sign-up, review, birthday...)",
            "done": has(select(EarnRule.id).where(EarnRule.shop_id == shop_id, EarnRule.enabled.is_(True))),
            "section": "earn",
        },
        {
            "key": "reward",
            "title": "Offer a reward members can spend points on",
            "done": has(select(Reward.id).where(Reward.shop_id == shop_id, Reward.enabled.is_(True))),
            "section": "rewards",
        },
        {"key": "enabled", "title": "Turn the program on", "done": enabled, "section": "home"},
    ]
