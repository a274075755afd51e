"""How rewards and redemptions are shown as JSON, to the merchant and to the shopper alike."""

from __future__ import annotations

from shopify_app.core.field_types import Answer
from shopify_app.rewards.models import Redemption, Reward, RewardKind


def reward_json(reward: Reward) -> dict:
    return {
        "id": reward.id,
        "title": reward.title,
        "kind": reward.kind,
        "points_cost": reward.points_cost,
        "value": str(reward.value),
        "variant_id": reward.variant_id,
        "variant_title": reward.variant_title,
        "minimum_order": str(reward.minimum_order) if reward.minimum_order is not None else None,
        "limit_per_member": reward.limit_per_member,
        "code_valid_days": reward.code_valid_days,
        "combines_with_order": reward.combines_with_order,
        "combines_with_product": reward.combines_with_product,
        "combines_with_shipping": reward.combines_with_shipping,
        "min_points": reward.min_points,
        "max_points": reward.max_points,
        "step_points": reward.points_cost if reward.kind == "points_for_money" else None,
        "step_value": str(reward.value) if reward.kind == "points_for_money" else None,
        "enabled": reward.enabled,
        "archived": reward.archived_at is not None,
    }


def redemption_json(redemption: Redemption, title: str) -> dict:
    return {
        "id": redemption.id,
        "code": redemption.code,
        "title": title,
        "state": redemption.state,
        "points": redemption.points,
        "value": str(redemption.value),
        "order_id": redemption.order_id,
        "error": redemption.error,
        "created_at": redemption.created_at.isoformat(),
        "expires_at": redemption.expires_at.isoformat() if redemption.expires_at else None,
        "used_at": redemption.used_at.isoformat() if redemption.used_at else None,
    }


class RewardJson(Answer):
    id: int
    title: str
    kind: RewardKind
    points_cost: int
    value: str
    variant_id: int | None
    variant_title: str | None
    minimum_order: str | None
    limit_per_member: int | None
    code_valid_days: int | None
    combines_with_order: bool
    combines_with_product: bool
    combines_with_shipping: bool
    min_points: int | None
    max_points: int | None
    step_points: int | None
    step_value: str | None
    enabled: bool
    archived: bool


class RedemptionJson(Answer):
    id: int
    code: str | None
    title: str
    state: str
    points: int
    value: str
    order_id: int | None
    error: str | None
    created_at: str
    expires_at: str | None
    used_at: str | None
