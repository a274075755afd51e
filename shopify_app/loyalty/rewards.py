"""The reward catalogue: what points can buy, per shop."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.models import REWARD_KINDS, Reward

from . import limits
from .errors import InvalidCommand, LoyaltyError

MONEY_KINDS = {"fixed_amount", "store_credit", "points_for_money"}
EDITABLE = (
    "title",
    "kind",
    "points_cost",
    "value",
    "variant_id",
    "minimum_order",
    "limit_per_member",
    "code_valid_days",
    "combines_with_order",
    "combines_with_product",
    "combines_with_shipping",
    "min_points",
    "max_points",
    "enabled",
)


class InvalidReward(InvalidCommand):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class UnknownReward(LoyaltyError):
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
    """The fields, typed and checked against each other; every problem named at once."""
    errors: dict[str, str] = {}
    unknown = set(fields) - set(EDITABLE)
    for name in unknown:
        errors[name] = "is not a reward setting"
    clean: dict[str, Any] = {}
    for name in set(fields) & set(EDITABLE):
        try:
            clean[name] = _PARSERS[name](fields[name])
        except (TypeError, ValueError, InvalidOperation) as error:
            errors[name] = str(error) or "is not valid"
    merged = {name: getattr(current, name) for name in EDITABLE} | clean
    errors |= _consistency(merged, errors)
    if errors:
        raise InvalidReward(errors)
    return clean


def _consistency(reward: dict[str, Any], known: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = reward["kind"]
    if not reward["title"] and "title" not in known:
        errors["title"] = "is required"
    if not reward["points_cost"] and "points_cost" not in known:
        errors["points_cost"] = "is required"
    if "value" in known or "kind" in known:
        return errors
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


def _positive_int(value: Any) -> int:
    number = int(value)
    if number <= 0 or isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("must be a whole number above 0")
    return number


def _cost(value: Any) -> int:
    number = _positive_int(value)
    if number > limits.MAX_REWARD_COST:
        raise ValueError(f"must be a whole number from 1 to {limits.MAX_REWARD_COST:,}")
    return number


def _id(value: Any) -> int:
    number = _positive_int(value)
    if number > limits.MAX_ID:
        raise ValueError("must be a Shopify id (at most 2^63-1)")
    return number


def _optional(parse):
    return lambda value: None if value in (None, "") else parse(value)


def _money(value: Any) -> Decimal:
    amount = Decimal(str(value))
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("must be an amount of money of at least 0 with at most 2 decimals")
    return amount.quantize(Decimal("0.01"))


def _title(value: Any) -> str:
    text = str(value).strip()
    if not text or len(text) > 255 or limits.has_control_characters(text):
        raise ValueError("must be 1 to 255 characters")
    return text


def _kind(value: Any) -> str:
    if value not in REWARD_KINDS:
        raise ValueError(f"must be one of {', '.join(REWARD_KINDS)}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


_PARSERS = {
    "title": _title,
    "kind": _kind,
    "points_cost": _cost,
    "value": _money,
    "variant_id": _optional(_id),
    "minimum_order": _optional(_money),
    "limit_per_member": _optional(_positive_int),
    "code_valid_days": _optional(_positive_int),
    "combines_with_order": _flag,
    "combines_with_product": _flag,
    "combines_with_shipping": _flag,
    "min_points": _optional(_cost),
    "max_points": _optional(_cost),
    "enabled": _flag,
}
