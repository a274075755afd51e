"""The custom-actions API: review apps, the storefront's backend or the merchant's own
tools report what a member did (a review, a follow, a survey, a custom action) or
give their birthday.

The caller sends a Perks API key the merchant made in the admin, as
`Authorization: Bearer <key>`. The key says the shop (a body's `shop` is not
needed, and one naming another shop is refused) and the actions it may call; each
call is logged under the key's name. The app's client secret (`X-Perks-Hmac-Sha256`,
the old way) is refused: it signs every shop's webhooks and session tokens, so
whoever held it could act for every shop. The endpoint only translates: JSON into a
command, a refusal into a 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps
from typing import Annotated, Literal

from flask import Blueprint, g, jsonify, make_response, request
from pydantic import Field
from sqlalchemy import select

from shopify_app.core.contracts import endpoint
from shopify_app.core.errors import InvalidCommand, LoyaltyError, UnknownShop
from shopify_app.core.field_types import Answer, Id, Model, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn import actions, profile
from shopify_app.ledger.commands import GiveBirthday, PerformAction
from shopify_app.ledger.members import find_member
from shopify_app.shop import api_keys
from shopify_app.shop.api_keys import KeyRefused
from shopify_app.shop.models import Shop
from shopify_app.shop.rate_limits import ACTIONS_API, limiter

bp = Blueprint("actions_api", __name__, url_prefix="/api")
MAX_BYTES = 64 * 1024
RETIRED_HEADER = "X-Perks-Hmac-Sha256"


@dataclass(frozen=True)
class KeyHolder:
    """What a request's key allows, read once per request."""

    key_id: int
    name: str
    shop_id: int
    shop_domain: str
    scopes: tuple[str, ...]


def _refuse(status: int, error: str, message: str, **extra):
    return jsonify(error=error, message=message, **extra), status


def _authenticated() -> KeyHolder:
    """The request's key, or KeyRefused; asked by the rate limit first and then the guard, looked up once."""
    if "api_key" not in g:
        try:
            g.api_key = _look_up()
        except KeyRefused as refusal:
            g.api_key = refusal
    if isinstance(g.api_key, KeyRefused):
        raise g.api_key
    return g.api_key


def _look_up() -> KeyHolder:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        if RETIRED_HEADER in request.headers:
            message = (
                f"{RETIRED_HEADER} (the app's client secret) is no longer accepted: API keys replaced it. Make a key in "
                "Perks' admin, under API keys, and send it as Authorization: Bearer <key>"
            )
            raise KeyRefused(401, "client_secret_refused", message)
        raise KeyRefused(401, "api_key_required", "send a Perks API key, made in the admin under API keys, as Authorization: Bearer <key>")
    with UnitOfWork(perks().sessions) as uow:
        key = api_keys.authenticate(uow.session, presented.strip())
        domain = uow.session.scalar(select(Shop.domain).where(Shop.id == key.shop_id))
        return KeyHolder(key.id, key.name, key.shop_id, domain, tuple(key.scopes))


def _caller() -> str:
    """The key's shop, for its rate limit; a request without a valid key counts against its address."""
    try:
        return f"actions:{_authenticated().shop_id}"
    except KeyRefused:
        return f"address:{request.remote_addr}"


per_shop = limiter.limit(ACTIONS_API, key_func=_caller)


def key_required(view):
    """A valid, live API key of an installed shop, or 401; every call the key makes is logged under its name."""

    @wraps(view)
    def guarded(*args, **kwargs):
        request.max_content_length = MAX_BYTES
        try:
            holder = _authenticated()
        except KeyRefused as refusal:
            return _refuse(refusal.status, refusal.error, str(refusal))
        try:
            response = make_response(view(*args, **kwargs))
        except KeyRefused as refusal:
            response = make_response(_refuse(refusal.status, refusal.error, str(refusal)))
        action, customer_id = g.get("reported", (None, None))
        with UnitOfWork(perks().sessions) as uow:
            api_keys.record_use(
                uow.session,
                holder.key_id,
                endpoint=f"{request.method} {request.path}",
                action=action,
                customer_id=customer_id,
                status=response.status_code,
                now=datetime.now(UTC),
            )
            uow.commit()
        return response

    return guarded


def _allowed(scope: str, action: str, customer_id: int, shop: str | None) -> KeyHolder:
    """The key may call `scope`, for its own shop: else KeyRefused (403). The call is logged with what it asked."""
    holder = _authenticated()
    g.reported = (action, customer_id)
    api_keys.require(list(holder.scopes), scope, holder.name)
    if shop is not None and shop != holder.shop_domain:
        raise KeyRefused(403, "wrong_shop", f"the API key {holder.name!r} acts on {holder.shop_domain} only, not {shop}")
    return holder


# The shop is the key's; a body may still name it (older callers sent it), and must then name that one.
OwnShop = Annotated[Text(255) | None, Field(description="optional: the key's own shop; any other is refused (403)")]
REFUSALS = {403: "the key may not call this action, or the body names another shop than the key's", 409: "the program refuses it"}


class ReportedAction(Model):
    customer_id: Id
    action: Literal[actions.REPORTABLE]  # type: ignore[valid-type] # the tuple's values, as the domain lists them
    ref: Text(100) = Field("", description="product id (review), network (follow, share), survey id or the custom action's id")
    handle: Text(64) = Field("", description="the custom action's handle, as its earn rule names it")
    shop: OwnShop = None


class ActionDone(Answer):
    status: Literal["awarded", "repeat", "limit", "off"]
    points: int
    balance: int


class GivenBirthday(Model):
    customer_id: Id
    birthday: Annotated[str, Field(pattern=r"^(\d{4}|-)-\d{2}-\d{2}$", description="YYYY-MM-DD, or --MM-DD without the year")]
    shop: OwnShop = None


class BirthdaySaved(Answer):
    status: Literal["saved"]
    balance: int


@bp.post("/actions")
@per_shop
@key_required
@endpoint("Report what a member did", security="api_key", body=ReportedAction, answer=ActionDone, refusals=REFUSALS)
def perform_action(body: ReportedAction):
    holder = _allowed(f"actions:{body.action}", body.action, body.customer_id, body.shop)
    cmd = PerformAction(shop_domain=holder.shop_domain, customer_id=body.customer_id, action=body.action, ref=body.ref, handle=body.handle)
    return _run(holder, cmd.customer_id, lambda session, now: actions.perform(session, cmd, now=now))


@bp.post("/birthday")
@per_shop
@key_required
@endpoint("Give a member's birthday", security="api_key", body=GivenBirthday, answer=BirthdaySaved, refusals=REFUSALS)
def give_birthday(body: GivenBirthday):
    holder = _allowed("birthday", "birthday", body.customer_id, body.shop)
    try:
        year, month, day = _birthday(body.birthday)
    except ValueError as error:
        return _refuse(400, "invalid", f"birthday: {error}", fields={"birthday": str(error)})
    cmd = GiveBirthday(shop_domain=holder.shop_domain, customer_id=body.customer_id, month=month, day=day, year=year)
    return _run(holder, cmd.customer_id, lambda session, now: profile.give_birthday(session, cmd, now=now))


def _birthday(text: str) -> tuple[int | None, int, int]:
    if text.startswith("--"):
        month, day = map(int, text[2:].split("-"))
        return None, month, day
    parsed = date.fromisoformat(text)
    return parsed.year, parsed.month, parsed.day


def _run(holder: KeyHolder, customer_id: int, service):
    with UnitOfWork(perks().sessions) as uow:
        try:
            outcome = service(uow.session, datetime.now(UTC))
        except UnknownShop as error:
            return _refuse(401, "shop_not_installed", str(error))
        except InvalidCommand as error:
            return _refuse(400, "invalid", str(error))
        except LoyaltyError as error:
            return _refuse(409, "refused", str(error))
        uow.commit()
        member = find_member(uow.session, holder.shop_id, customer_id)
        balance = member.points_balance if member else 0
        if isinstance(outcome, actions.Outcome):
            return jsonify(status=outcome.status, points=outcome.points, balance=balance)
        return jsonify(status="saved", balance=balance)
