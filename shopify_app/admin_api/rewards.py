"""Rewards and a member's redemptions, for the merchant (manual adjustments are in members.py)."""

from __future__ import annotations

from flask import g, jsonify, request

from shopify_app.loyalty import audit, rewards
from shopify_app.loyalty.errors import InvalidCommand
from shopify_app.loyalty.members import find_member
from shopify_app.loyalty.redemptions import member_redemptions
from shopify_app.platform.guards import merchant_required
from shopify_app.presenters import redemption_json, reward_json
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import actor


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidCommand("the body must be a JSON object")
    return body


@bp.errorhandler(rewards.InvalidReward)
def _invalid_reward(error: rewards.InvalidReward):
    return jsonify(error="invalid", message=str(error), fields=error.errors), 400


@bp.errorhandler(InvalidCommand)
def _invalid(error: InvalidCommand):
    return jsonify(error="invalid", message=str(error)), 400


@bp.errorhandler(rewards.UnknownReward)
def _unknown(error: rewards.UnknownReward):
    return jsonify(error="not_found", message=str(error)), 404


@bp.get("/rewards")
@merchant_required
def list_rewards():
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(rewards=[reward_json(r) for r in rewards.catalogue(uow.session, g.caller.shop_id)])


@bp.post("/rewards")
@merchant_required
def create_reward():
    with UnitOfWork(perks().sessions) as uow:
        reward = rewards.create_reward(uow.session, g.caller.shop_id, _body())
        audit.record(uow.session, g.caller.shop_id, actor(), f"reward:{reward.id}", {}, reward_json(reward))
        uow.commit()
        return jsonify(reward=reward_json(reward)), 201


@bp.patch("/rewards/<id:reward_id>")
@merchant_required
def update_reward(reward_id: int):
    with UnitOfWork(perks().sessions) as uow:
        before = reward_json(rewards.get_reward(uow.session, g.caller.shop_id, reward_id))
        reward = rewards.update_reward(uow.session, g.caller.shop_id, reward_id, _body())
        audit.record(uow.session, g.caller.shop_id, actor(), f"reward:{reward_id}", before, reward_json(reward))
        uow.commit()
        return jsonify(reward=reward_json(reward))


@bp.get("/members/<id:customer_id>/redemptions")
@merchant_required
def redemptions(customer_id: int):
    with UnitOfWork(perks().sessions) as uow:
        member = find_member(uow.session, g.caller.shop_id, customer_id)
        if member is None:
            return jsonify(error="not_found", message=f"customer {customer_id} is not a member"), 404
        titles = {r.id: r.title for r in rewards.catalogue(uow.session, g.caller.shop_id)}
        found = member_redemptions(uow.session, g.caller.shop_id, member.id)
        return jsonify(redemptions=[redemption_json(r, titles.get(r.reward_id, "")) for r in found])
