"""The reward catalogue: what points can buy, per shop."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core.errors import InvalidCommand, NotFound
from shopify_app.core.field_types import Cost, Count, Days, Id, Money, Title
from shopify_app.rewards.models import Reward, RewardKind

MONEY_KINDS = {"fixed_amount", "store_credit", "points_for_money"}
CENT = Decimal("0.01")


class RewardFields(BaseModel):
    """A reward's settings; a change sends only those it changes. Whether they fit together is _consistency's to say."""

    model_config = ConfigDict(strict=True, extra="forbid")  # as shopify_app.core.contracts.Model, which the domain does not import

    title: Title = None  # type: ignore[assignment] # absent is not null: only the fields sent are changed
    kind: RewardKind = None  # type: ignore[assignment]
    points_cost: Cost = None  # type: ignore[assignment]
    value: Money = None  # type: ignore[assignment]
    variant_id: Id | None = None
    minimum_order: Money | None = None
    limit_per_member: Count | None = None
    code_valid_days: Days | None = None
    combines_with_order: bool = None  # type: ignore[assignment]
    combines_with_product: bool = None  # type: ignore[assignment]
    combines_with_shipping: bool = None  # type: ignore[assignment]
    min_points: Cost | None = None
    max_points: Cost | None = None
    enabled: bool = None  # type: ignore[assignment]


class InvalidReward(InvalidCommand):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
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


def get_reward(session: Session, shop_id: int, reward_id: int) -> Reward:
    reward = session.scalar(select(Reward).where(Reward.shop_id == shop_id, Reward.id == reward_id))
    if reward is None:
        raise UnknownReward(f"no reward {reward_id}")
    return reward


def catalogue(session: Session, shop_id: int, *, enabled_only: bool = False) -> list[Reward]:
    query = select(Reward).where(Reward.shop_id == shop_id)
    if enabled_only:
        query = query.where(Reward.enabled.is_(True))
    return list(session.scalars(query.order_by(Reward.points_cost, Reward.id)))


def _checked(fields: dict[str, Any], current: Reward) -> dict[str, Any]:
    """The fields typed (a JSON body's values, or values already typed), then checked against each other."""
    try:
        clean = RewardFields.model_validate_json(json.dumps(fields, default=str)).model_dump(exclude_unset=True)
    except ValidationError as error:
        raise InvalidReward({".".join(map(str, e["loc"])): e["msg"] for e in error.errors(include_url=False)}) from None
    for name in ("value", "minimum_order"):  # as the column keeps them, so the answer shows 15.00 as a reload would
        if clean.get(name) is not None:
            clean[name] = clean[name].quantize(CENT)
    merged = {name: getattr(current, name) for name in RewardFields.model_fields} | clean
    errors = _consistency(merged)
    if errors:
        raise InvalidReward(errors)
    return clean


def _consistency(reward: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = reward["kind"]
    if not reward["title"]:
        errors["title"] = "is required"
    if not reward["points_cost"]:
        errors["points_cost"] = "is required"
    if kind == "percentage" and not Decimal(0) < reward["value"] <= Decimal(100):
        errors["value"] = "a percentage must be above 0 and at most 100"
    if kind in MONEY_KINDS and reward["value"] <= 0:
        errors["value"] = "must be a positive amount of money"
    if kind == "free_product" and not reward["variant_id"]:
        errors["variant_id"] = "a free product reward needs the product variant"
    if kind == "points_for_money":
        low, high, step = reward["min_points"], reward["max_points"], reward["points_cost"]
        if low and step and low % step:
            errors["min_points"] = f"must be a multiple of the step ({step} points)"
        if high and step and high % step:
            errors["max_points"] = f"must be a multiple of the step ({step} points)"
        if low and high and low > high:
            errors["max_points"] = "must not be below the minimum"
    return errors
