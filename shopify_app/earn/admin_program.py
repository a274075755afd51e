"""The program's settings, its earn actions, its setup checklist and its change log."""

from __future__ import annotations

from types import EllipsisType
from typing import Annotated, Any, Literal

from flask import g, jsonify
from pydantic import BeforeValidator, Field
from sqlalchemy import exists, select

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError, actor, shop_of
from shopify_app.core import limits
from shopify_app.core.contracts import endpoint
from shopify_app.core.errors import InvalidCommand
from shopify_app.core.field_types import Answer, Model, QueryWhole, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn import actions, program_settings
from shopify_app.earn.models import EarnRule
from shopify_app.earn.models import Program as EarnProgram
from shopify_app.earn.program_settings import ProgramFields
from shopify_app.rewards.models import Reward
from shopify_app.shop import audit, audit_words
from shopify_app.shop.guards import merchant_required
from shopify_app.shop.models import ProgramChange, Shop
from shopify_app.shop.shops import program_of
from shopify_app.shop.views import PurchaseRule, ShopBasics
from shopify_app.tiers import tiers

Period = Literal["ever", "day", "month", "year"]


class ProgramJson(PurchaseRule):
    guest_points: bool
    expire_after_days: int | None
    expiry_reminder_days: int
    nudge_after_days: int | None


class ChecklistItem(Answer):
    key: str
    title: str
    done: bool
    section: str


class Program(Answer):
    shop: ShopBasics
    program: ProgramJson
    checklist: list[ChecklistItem]


class ProgramSaved(Answer):
    program: ProgramJson
    checklist: list[ChecklistItem]


class ChangesQuery(Model):
    before: QueryWhole(0, limits.MAX_ID) = Field(0, description="the id of the oldest change already shown; 0: from the newest")


class ChangeJson(Answer):
    id: int
    at: str
    actor: str
    subject: str
    before: dict[str, Any]
    after: dict[str, Any]
    sentences: list[str] = Field(description="what the change did, in the merchant's words, one sentence per setting")
    by: str = Field(description='who made it, in words: "by staff member 9001"')


class Changes(Answer):
    changes: list[ChangeJson]


def _url_or_null(value: object) -> object:
    """A social profile's address as the form sends it: trimmed, "" meaning none."""
    if value is None or isinstance(value, str):
        return (value or "").strip() or None
    raise ValueError("must be an https:// address or null")


class EarnRuleFields(Model):
    points: Annotated[int, Field(ge=1, le=limits.MAX_POINTS_PER_AWARD)]
    limit_count: Annotated[int, Field(ge=1, le=1000)] = 1
    limit_period: Period = "ever"
    enabled: bool = True
    name: Text(255) = ""
    url: Annotated[
        Annotated[str, Field(max_length=2048)] | None,
        BeforeValidator(_url_or_null),
        Field(description='a social follow\'s https:// profile; absent keeps it, null or "" removes it'),
    ] = None


class EarnRuleJson(Answer):
    name: str
    points: int | None
    limit_count: int
    limit_period: Period
    enabled: bool
    url: str | None
    network: str | None


class EarnRules(Answer):
    rules: list[EarnRuleJson]
    periods: list[Period]


class OneEarnRule(Answer):
    rule: EarnRuleJson


@bp.get("/program")
@merchant_required
@endpoint("The shop, the program's settings and the setup checklist", security="session", answer=Program)
def get_program():
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        program = program_of(uow.session, shop)
        return jsonify(
            shop={"domain": shop.domain, "name": shop.name, "currency": shop.currency, "timezone": shop.timezone},
            program=program_settings.as_dict(program),
            checklist=_checklist(uow.session, shop.id, program),
        )


@bp.patch("/program")
@merchant_required
@endpoint("Change the program's settings; recorded in the change log", security="session", body=ProgramFields, answer=ProgramSaved)
def change_program(body: ProgramFields):
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        program = program_settings.update(uow.session, shop, body.model_dump(exclude_unset=True), actor())
        uow.commit()
        return jsonify(program=program_settings.as_dict(program), checklist=_checklist(uow.session, shop.id, program))


@bp.get("/program/changes")
@merchant_required
@endpoint("The change log, newest first, 50 at a time", security="session", query=ChangesQuery, answer=Changes)
def program_changes(query: ChangesQuery):
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        changes = audit.history(uow.session, shop.id, limit=50, before_id=query.before or None)
        context = _words_context(uow.session, shop, changes)
        return jsonify(
            changes=[
                {
                    "id": c.id,
                    "at": c.created_at.isoformat(),
                    "actor": c.actor,
                    "subject": c.subject,
                    "before": c.before,
                    "after": c.after,
                    "sentences": audit_words.sentences(c.subject, c.before, c.after, context),
                    "by": audit_words.by_whom(c.actor),
                }
                for c in changes
            ]
        )


def _words_context(session, shop: Shop, changes: list[ProgramChange]) -> audit_words.Context:
    """What the sentences need beyond the records: the currency, the tiers' basis, and each reward's
    current title and kind (an edit records only the fields it changed)."""
    reward_ids = {int(c.subject.partition(":")[2]) for c in changes if c.subject.startswith("reward:")}
    rewards = session.scalars(select(Reward).where(Reward.shop_id == shop.id, Reward.id.in_(reward_ids))) if reward_ids else []
    named = {f"reward:{r.id}": r for r in rewards}
    return audit_words.Context(
        currency=shop.currency,
        # Asked only when a tier change is shown: the first ask makes the tiers' settings row.
        tier_basis=tiers.program_of(session, shop.id).basis if any(c.subject == "tiers" for c in changes) else "points",
        names={subject: r.title for subject, r in named.items()},
        kinds={subject: r.kind for subject, r in named.items()},
    )


@bp.get("/earn-rules")
@merchant_required
@endpoint("The earn actions, each with its rule (points null: off)", security="session", answer=EarnRules)
def earn_rules():
    with UnitOfWork(perks().sessions) as uow:
        rules = {
            actions.rule_name(r.action, r.handle): r
            for r in uow.session.scalars(select(EarnRule).where(EarnRule.shop_id == g.caller.shop_id))
        }
        listed = [_rule_json(name, rules.get(name)) for name in actions.ACTIONS if name != "custom"]
        listed += [_rule_json(name, rule) for name, rule in sorted(rules.items()) if rule.action == "custom"]
        return jsonify(rules=listed, periods=["ever", "day", "month", "year"])


# An action's name, or custom:<handle>; the domain refuses any other (400).
RULE_NAME = f"^({'|'.join(a for a in actions.ACTIONS if a != 'custom')}|custom:{actions.HANDLE.pattern[1:-1]})$"


@bp.put("/earn-rules/<name>")
@merchant_required
@endpoint(
    "Set an earn action's rule (`custom:<handle>` for a custom action); recorded in the change log",
    security="session",
    body=EarnRuleFields,
    answer=OneEarnRule,
    path={"name": {"type": "string", "pattern": RULE_NAME}},
)
def set_earn_rule(name: str, body: EarnRuleFields):
    action, _, handle = name.partition(":")
    url = _profile_url(action, body)
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
            points=body.points,
            handle=handle,
            limit_count=body.limit_count,
            limit_period=body.limit_period,
            name=body.name,
            enabled=body.enabled,
            url=url,
        )
        after = _rule_json(name, rule)
        audit.record(uow.session, shop.id, actor(), f"earn_rule:{name}", before, after)
        uow.commit()
        return jsonify(rule=after)


def _profile_url(action: str, body: EarnRuleFields) -> str | EllipsisType | None:
    """A social follow's profile URL: absent keeps the one saved, null or "" removes it."""
    if "url" not in body.model_fields_set:
        return ...
    if body.url is None:
        return None
    problem = None
    if action != "social_follow":
        problem = "only a social follow rule links to a profile"
    else:
        try:
            actions.profile_network(body.url)
        except InvalidCommand as error:
            problem = str(error)
    if problem:
        raise ApiError(400, "invalid", f"url: {problem}", {"url": problem})
    return body.url


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


def _checklist(session, shop_id: int, program: EarnProgram) -> list[dict]:
    """What a new merchant still has to do, each item checked against what the shop really has.

    Purchases earn as soon as the rate is above zero: a new shop's defaults already do, saved or not."""

    def has(query) -> bool:
        return bool(session.scalar(select(exists(query))))

    return [
        {
            "key": "purchase_rule",
            "title": "Choose how members earn on purchases",
            "done": program.points_per_unit > 0,
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
        {"key": "enabled", "title": "Turn the program on", "done": program.enabled, "section": "home"},
    ]
