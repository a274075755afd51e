"""The reward catalogue: what points can buy, per shop."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core.errors import InvalidCommand, NotFound
from shopify_app.core.field_types import Cost, Count, Days, Id, Money, Title
from shopify_app.rewards.models import Reward, RewardKind

MONEY_KINDS = {"fixed_amount", "store_credit", "points_for_money"}
# The kinds whose `value` means something (money, or a percentage); the others keep 0.
VALUED_KINDS = MONEY_KINDS | {"percentage"}
CENT = Decimal("0.01")


def _blank_is_none(value: object) -> object:
    """An input the merchant left empty arrives as "": it means no value, not a malformed one."""
    return None if isinstance(value, str) and not value.strip() else value


MaybeMoney = Annotated[Money | None, BeforeValidator(_blank_is_none)]


class RewardFields(BaseModel):
    """A reward's settings; a change sends only those it changes. Whether they fit together is _consistency's to say."""

    model_config = ConfigDict(strict=True, extra="forbid")  # as shopify_app.core.contracts.Model, which the domain does not import

    title: Title = None  # type: ignore[assignment] # absent is not null: only the fields sent are changed
    kind: RewardKind = None  # type: ignore[assignment]
    points_cost: Cost = None  # type: ignore[assignment]
    value: MaybeMoney = Field(None, description="money off or credited, or a percentage; empty or null for a kind without one")
    variant_id: Id | None = None
    variant_title: Title | None = Field(None, description="the variant's name as picked, shown instead of its id")
    minimum_order: MaybeMoney = None
    limit_per_member: Count | None = None
    code_valid_days: Days | None = None
    combines_with_order: bool = None  # type: ignore[assignment]
    combines_with_product: bool = None  # type: ignore[assignment]
    combines_with_shipping: bool = None  # type: ignore[assignment]
    min_points: Cost | None = None
    max_points: Cost | None = None
    enabled: bool = None  # type: ignore[assignment]


class InvalidReward(InvalidCommand):
    """Fields that do not fit together; each sentence is shown at its field, and all of them as the message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class UnknownReward(NotFound):
    pass


def default_reward(shop_id: int, currency: str) -> Reward:
    """What a new shop starts with: 5 units of its currency off for 500 points."""
    return Reward(shop_id=shop_id, title=f"5 {currency} off", kind="fixed_amount", points_cost=500, value=Decimal(5))


def create_reward(session: Session, shop_id: int, fields: dict[str, Any]) -> Reward:
    reward = Reward(shop_id=shop_id, **_checked(fields, Reward(kind="fixed_amount", value=Decimal(0), enabled=True)))
    session.add(reward)
    session.flush()
    return reward


def update_reward(session: Session, shop_id: int, reward_id: int, changes: dict[str, Any]) -> Reward:
    reward = get_reward(session, shop_id, reward_id)
    for name, value in _checked(changes, reward).items():
        setattr(reward, name, value)
    session.flush()
    return reward


def archive_reward(session: Session, shop_id: int, reward_id: int, now: datetime | None = None) -> Reward:
    """Off the launcher and not redeemable from now on. Codes already issued are Shopify's discounts
    and are left as they are, so a member who holds one can still use it."""
    reward = get_reward(session, shop_id, reward_id)
    if reward.archived_at is None:
        reward.archived_at, reward.enabled = now or datetime.now(UTC), False
    session.flush()
    return reward


def unarchive_reward(session: Session, shop_id: int, reward_id: int) -> Reward:
    """Back in the catalogue, switched off: the merchant looks at it again before members can redeem it."""
    reward = get_reward(session, shop_id, reward_id)
    reward.archived_at = None
    session.flush()
    return reward


def get_reward(session: Session, shop_id: int, reward_id: int) -> Reward:
    reward = session.scalar(select(Reward).where(Reward.shop_id == shop_id, Reward.id == reward_id))
    if reward is None:
        raise UnknownReward(f"no reward {reward_id}")
    return reward


def fewest_points(reward) -> int:
    """The fewest points a redemption of `reward` spends: a points-for-money reward's minimum, where it has
    one, else its cost (a Reward, or the member view's row of one)."""
    return reward.min_points or reward.points_cost


def catalogue(session: Session, shop_id: int, *, enabled_only: bool = False) -> list[Reward]:
    """The shop's rewards; `enabled_only`: those members can redeem now (an archived reward is never enabled)."""
    query = select(Reward).where(Reward.shop_id == shop_id)
    if enabled_only:
        query = query.where(Reward.enabled.is_(True), Reward.archived_at.is_(None))
    return list(session.scalars(query.order_by(Reward.points_cost, Reward.id)))


def _checked(fields: dict[str, Any], current: Reward) -> dict[str, Any]:
    """The fields typed (a JSON body's values, or values already typed), then checked against each other."""
    try:
        clean = RewardFields.model_validate_json(json.dumps(fields, default=str)).model_dump(exclude_unset=True)
    except ValidationError as error:
        # The admin's requests are refused at the door (core.contracts) in these words; this is for other callers.
        problems = {".".join(map(str, e["loc"])): str(e.get("ctx", {}).get("error") or e["msg"]) for e in error.errors(include_url=False)}
        raise InvalidReward(problems) from None
    for name in ("value", "minimum_order"):  # as the column keeps them, so the answer shows 15.00 as a reload would
        if clean.get(name) is not None:
            clean[name] = clean[name].quantize(CENT)
    merged = {name: getattr(current, name) for name in RewardFields.model_fields} | clean
    errors = _consistency(merged, archived=current.archived_at is not None)
    if errors:
        raise InvalidReward(errors)
    # What the kind does not use is cleared, so a reward switched from one kind to another keeps no stale setting.
    if merged["kind"] not in VALUED_KINDS:
        clean["value"] = Decimal(0).quantize(CENT)
    if merged["kind"] != "free_product" and (merged["variant_id"] or merged["variant_title"]):
        clean["variant_id"] = clean["variant_title"] = None
    if merged["kind"] != "points_for_money" and (merged["min_points"] or merged["max_points"]):
        clean["min_points"] = clean["max_points"] = None
    return clean


def _consistency(reward: dict[str, Any], *, archived: bool) -> dict[str, str]:
    """What does not fit together, per field, in sentences the merchant reads beside the field."""
    errors: dict[str, str] = {}
    kind = reward["kind"]
    value = reward["value"]
    if not reward["title"]:
        errors["title"] = "Give the reward a title members will see."
    if not reward["points_cost"]:
        errors["points_cost"] = "Say how many points the reward costs."
    if kind == "percentage" and (value is None or not Decimal(0) < value <= Decimal(100)):
        errors["value"] = "Give the percentage off: more than 0 and at most 100."
    if kind in MONEY_KINDS and (value is None or value <= 0):
        per_step = kind == "points_for_money"
        errors["value"] = "Give the money one step of points is worth, more than 0." if per_step else "Give an amount of money above 0."
    if kind == "free_product" and not reward["variant_id"]:
        errors["variant_id"] = "Choose the product variant members get for free."
    if kind == "points_for_money":
        low, high, step = reward["min_points"], reward["max_points"], reward["points_cost"]
        if low and step and low % step:
            errors["min_points"] = f"The minimum must be a multiple of the step ({step:,} points)."
        if high and step and high % step:
            errors["max_points"] = f"The maximum must be a multiple of the step ({step:,} points)."
        if low and high and low > high:
            errors["max_points"] = "The maximum must not be below the minimum."
    if archived and reward["enabled"]:
        errors["enabled"] = "This reward is archived: bring it back from the archive before members can redeem it."
    return errors
