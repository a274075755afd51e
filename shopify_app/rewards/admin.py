"""Rewards and a member's redemptions, for the merchant (manual adjustments are in members.py)."""

from __future__ import annotations

from flask import g, jsonify
from pydantic import BaseModel

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.ledger.members import find_member
from shopify_app.rewards import rewards
from shopify_app.rewards.presenters import RedemptionJson, RewardJson, redemption_json, reward_json
from shopify_app.rewards.redemptions import member_redemptions
from shopify_app.rewards.rewards import RewardFields
from shopify_app.shop import audit
from shopify_app.shop.guards import merchant_required


class Catalogue(Answer):
    rewards: list[RewardJson]


class OneReward(Answer):
    reward: RewardJson


class Redemptions(Answer):
    redemptions: list[RedemptionJson]


def _sent(body: BaseModel) -> dict:
    return body.model_dump(exclude_unset=True)


@bp.get("/rewards")
@merchant_required
@endpoint("The reward catalogue", security="session", answer=Catalogue)
def list_rewards():
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(rewards=[reward_json(r) for r in rewards.catalogue(uow.session, g.caller.shop_id)])


@bp.post("/rewards")
@merchant_required
@endpoint("Add a reward; recorded in the change log", security="session", body=RewardFields, ok=201, answer=OneReward)
def create_reward(body: RewardFields):
    with UnitOfWork(perks().sessions) as uow:
        reward = rewards.create_reward(uow.session, g.caller.shop_id, _sent(body))
        audit.record(uow.session, g.caller.shop_id, actor(), f"reward:{reward.id}", {}, reward_json(reward))
        uow.commit()
        return jsonify(reward=reward_json(reward)), 201


@bp.patch("/rewards/<row:reward_id>")
@merchant_required
@endpoint(
    "Change a reward; codes already issued keep working",
    security="session",
    body=RewardFields,
    answer=OneReward,
    refusals={404: "no such reward in this shop"},
)
def update_reward(reward_id: int, body: RewardFields):
    with UnitOfWork(perks().sessions) as uow:
        before = reward_json(rewards.get_reward(uow.session, g.caller.shop_id, reward_id))
        reward = rewards.update_reward(uow.session, g.caller.shop_id, reward_id, _sent(body))
        audit.record(uow.session, g.caller.shop_id, actor(), f"reward:{reward_id}", before, reward_json(reward))
        uow.commit()
        return jsonify(reward=reward_json(reward))


def _set_archived(reward_id: int, archived: bool):
    with UnitOfWork(perks().sessions) as uow:
        before = reward_json(rewards.get_reward(uow.session, g.caller.shop_id, reward_id))
        change = rewards.archive_reward if archived else rewards.unarchive_reward
        reward = change(uow.session, g.caller.shop_id, reward_id)
        audit.record(uow.session, g.caller.shop_id, actor(), f"reward:{reward_id}", before, reward_json(reward))
        uow.commit()
        return jsonify(reward=reward_json(reward))


@bp.post("/rewards/<row:reward_id>/archive")
@merchant_required
@endpoint(
    "Archive a reward: off the launcher and not redeemable; codes already issued keep working",
    security="session",
    answer=OneReward,
    refusals={404: "no such reward in this shop"},
)
def archive_reward(reward_id: int):
    return _set_archived(reward_id, True)


# Its own path, not DELETE on .../archive: two methods on one path make Werkzeug answer an id out of range with 405, not 404.
@bp.post("/rewards/<row:reward_id>/unarchive")
@merchant_required
@endpoint(
    "Bring a reward back from the archive, switched off until the merchant switches it on",
    security="session",
    answer=OneReward,
    refusals={404: "no such reward in this shop"},
)
def unarchive_reward(reward_id: int):
    return _set_archived(reward_id, False)


@bp.get("/members/<id:customer_id>/redemptions")
@merchant_required
@endpoint("A member's redemptions", security="session", answer=Redemptions, refusals={404: "no such member in this shop"})
def redemptions(customer_id: int):
    with UnitOfWork(perks().sessions) as uow:
        member = find_member(uow.session, g.caller.shop_id, customer_id)
        if member is None:
            return jsonify(error="not_found", message=f"customer {customer_id} is not a member"), 404
        titles = {r.id: r.title for r in rewards.catalogue(uow.session, g.caller.shop_id)}
        found = member_redemptions(uow.session, g.caller.shop_id, member.id)
        return jsonify(redemptions=[redemption_json(r, titles.get(r.reward_id, "")) for r in found])
