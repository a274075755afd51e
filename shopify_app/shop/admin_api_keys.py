"""The shop's API keys for the custom-actions API: made (the key shown once), listed, revoked, and their uses.

The change log names each key and its prefix, never the key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import Field

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.shop import api_keys, audit
from shopify_app.shop.guards import merchant_required
from shopify_app.shop.models import ApiKey, ApiKeyUse

Scope = Literal[api_keys.SCOPES]  # type: ignore[valid-type] # the tuple's values, as the domain lists them


class NewKey(Model):
    name: Text(api_keys.MAX_NAME_LENGTH, min_length=1) = Field(description="what the key is for, e.g. the app that holds it")
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(api_keys.SCOPES), description="the actions the key may call")]


class ApiKeyJson(Answer):
    id: int
    name: str
    prefix: str = Field(description="the key's first characters, to tell it apart; the key itself is shown only when it is made")
    scopes: list[str]
    created_at: str
    created_by: str
    last_used_at: str | None
    revoked_at: str | None
    revoked_by: str | None


class Keys(Answer):
    keys: list[ApiKeyJson]


class OneKey(Answer):
    api_key: ApiKeyJson


class MadeKey(Answer):
    api_key: ApiKeyJson
    key: str = Field(description="the key, shown this once: Perks keeps only its digest")


class UseJson(Answer):
    id: int
    at: str
    key_name: str
    endpoint: str
    action: str | None
    customer_id: int | None
    status: int


class Uses(Answer):
    uses: list[UseJson]


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def key_json(key: ApiKey) -> dict:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "created_at": key.created_at.isoformat(),
        "created_by": key.created_by,
        "last_used_at": _at(key.last_used_at),
        "revoked_at": _at(key.revoked_at),
        "revoked_by": key.revoked_by,
    }


def use_json(use: ApiKeyUse) -> dict:
    return {
        "id": use.id,
        "at": use.at.isoformat(),
        "key_name": use.key_name,
        "endpoint": use.endpoint,
        "action": use.action,
        "customer_id": use.customer_id,
        "status": use.status,
    }


def _subject(key: ApiKey) -> str:
    return f"api_key:{key.id} {key.name}"


@bp.errorhandler(api_keys.TooManyKeys)
def _too_many(error: api_keys.TooManyKeys):
    return jsonify(error="too_many_keys", message=str(error)), 409


@bp.get("/api-keys")
@merchant_required
@endpoint("The shop's API keys, revoked ones included (never the keys themselves)", security="session", answer=Keys)
def list_keys():
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(keys=[key_json(key) for key in api_keys.listed(uow.session, g.caller.shop_id)])


@bp.post("/api-keys")
@merchant_required
@endpoint(
    "Make an API key for the custom-actions API; the answer holds the key, shown this once",
    security="session",
    body=NewKey,
    ok=201,
    answer=MadeKey,
    refusals={409: f"the shop has {api_keys.MAX_LIVE_KEYS} live keys already"},
)
def make_key(body: NewKey):
    with UnitOfWork(perks().sessions) as uow:
        key, plaintext = api_keys.make(uow.session, g.caller.shop_id, body.name, list(body.scopes), actor())
        made = {"prefix": key.prefix, "scopes": " ".join(key.scopes), "state": "live"}
        audit.record(uow.session, g.caller.shop_id, actor(), _subject(key), {}, made)
        uow.commit()
        return jsonify(api_key=key_json(key), key=plaintext), 201


@bp.delete("/api-keys/<row:key_id>")
@merchant_required
@endpoint(
    "Revoke an API key: it stops working at once and stays listed",
    security="session",
    answer=OneKey,
    refusals={404: "no such key in this shop"},
)
def revoke_key(key_id: int):
    with UnitOfWork(perks().sessions) as uow:
        was = "live" if api_keys.get(uow.session, g.caller.shop_id, key_id).revoked_at is None else "revoked"
        key = api_keys.revoke(uow.session, g.caller.shop_id, key_id, actor(), now=datetime.now(UTC))
        audit.record(uow.session, g.caller.shop_id, actor(), _subject(key), {"state": was}, {"state": "revoked"})
        uow.commit()
        return jsonify(api_key=key_json(key))


@bp.get("/api-keys/<row:key_id>/uses")
@merchant_required
@endpoint("An API key's latest uses, newest first", security="session", answer=Uses, refusals={404: "no such key in this shop"})
def key_uses(key_id: int):
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(uses=[use_json(use) for use in api_keys.uses(uow.session, g.caller.shop_id, key_id)])
