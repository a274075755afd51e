"""How rewards and redemptions are shown as JSON, to the merchant and to the shopper alike."""

from __future__ import annotations

from shopify_app.models import Redemption, Reward


def reward_json(reward: Reward) -> dict:
    return {
        "id": reward.id,
        "title": reward.title,
        "kind": reward.kind,
        "points_cost": reward.points_cost,
        "value": str(reward.value),
        "variant_id": reward.variant_id,
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
