"""What the shopper's launcher asks for, through Shopify's app proxy (/apps/perks -> /proxy).

The shopper is only ever `logged_in_customer_id` from Shopify's signed query:
nothing in a body or a header can name another customer.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from shopify_app import storefront_growth
from shopify_app.loyalty import actions, ledger, profile, redemptions, rewards
from shopify_app.loyalty.commands import GiveBirthday, PerformAction
from shopify_app.loyalty.errors import InvalidCommand
from shopify_app.loyalty.members import find_member
from shopify_app.loyalty.shops import program_of
from shopify_app.models import ActionClaim, EarnRule, MemberBirthday, Shop
from shopify_app.platform.discounts import ShopifyIssuer
from shopify_app.platform.guards import proxy_signed, shopper_required
from shopify_app.presenters import redemption_json, reward_json
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

bp = Blueprint("storefront", __name__, url_prefix="/proxy")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
REFUSAL_STATUS = {"insufficient_points": 409, "limit_reached": 409, "in_progress": 409, "key_reused": 422, "invalid_points": 422}


def _refuse(status: int, error: str, message: str, **extra):
    return jsonify(error=error, message=message, **extra), status


def _earn_ways(session, shop: Shop) -> list[dict]:
    program = program_of(session, shop)
    ways = [
        {
            "key": "purchase",
            "title": f"{program.points_per_unit.normalize()} points per {shop.currency} spent",
            "points": int(program.points_per_unit) or 1,
            "per": "currency_unit",
            "network": None,
            "url": None,
        }
    ]
    if program.signup_points:
        ways.append(
            {"key": "signup", "title": "Create an account", "points": program.signup_points, "per": "once", "network": None, "url": None}
        )
    return ways + _rule_ways(session, shop)


@bp.get("/program")
@proxy_signed
def program():
    """What anyone, member or visitor, can see of the program."""
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, g.caller.shop_id)
        return jsonify(
            shop={"name": shop.name, "currency": shop.currency},
            earn=_earn_ways(uow.session, shop),
            rewards=[reward_json(r) for r in rewards.catalogue(uow.session, shop.id, enabled_only=True)],
            tiers=storefront_growth.tiers_json(uow.session, shop),
            referral=storefront_growth.referral_offer_json(uow.session, shop),
        )


@bp.get("/member")
@shopper_required
def member():
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, caller.shop_id)
        found = find_member(uow.session, caller.shop_id, caller.customer_id)
        points = found.points_balance if found else 0
        catalogue = rewards.catalogue(uow.session, shop.id, enabled_only=True)
        titles = {r.id: r.title for r in rewards.catalogue(uow.session, shop.id)}
        offers = [reward_json(r) | {"affordable": points >= (r.min_points or r.points_cost)} for r in catalogue]
        offers.sort(key=lambda offer: not offer["affordable"])  # what they can have first
        codes = redemptions.member_redemptions(uow.session, shop.id, found.id) if found else []
        entries = ledger.history(uow.session, caller.shop_id, found.id, limit=20) if found else []
        birthday_given, done = _member_extras(uow.session, shop, found)
        return jsonify(
            customer={"id": str(caller.customer_id), "first_name": found.first_name if found else None},
            points=points,
            tier=storefront_growth.tier_json(uow.session, shop, found),
            rewards=offers,
            codes=[redemption_json(r, titles.get(r.reward_id, "")) for r in codes if r.code],
            earn=[way | {"done": way["key"] in done} for way in _earn_ways(uow.session, shop)],
            referral=storefront_growth.referral_json(uow.session, shop, found),
            birthday=birthday_given,
            history=[{"at": e.created_at.isoformat(), "points": e.points, "reason": e.reason} for e in entries],
        )


@bp.post("/redeem")
@shopper_required
def redeem():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("reward_id"), int) or isinstance(body.get("reward_id"), bool):
        return _refuse(400, "invalid_request", "Send a JSON body with the reward_id to redeem.")
    points = body.get("points")
    if points is not None and (not isinstance(points, int) or isinstance(points, bool)):
        return _refuse(400, "invalid_request", "points must be a whole number.")
    key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
    if not IDEMPOTENCY_KEY.match(key):
        return _refuse(400, "invalid_request", "Idempotency-Key must be 1 to 100 letters, digits, '-', '_', '.' or ':'.")

    runtime, caller = perks(), g.caller
    wanted = redemptions.RedeemRequest(caller.shop_id, caller.customer_id, body["reward_id"], f"{caller.customer_id}:{key}", points)
    try:
        done = redemptions.redeem(runtime.sessions, ShopifyIssuer(runtime.sessions, runtime.settings), wanted, datetime.now(UTC))
    except redemptions.RedemptionRefused as refusal:
        return _refuse(REFUSAL_STATUS.get(refusal.reason, 409), refusal.reason, str(refusal))
    except rewards.UnknownReward:
        return _refuse(404, "reward_unavailable", "This reward does not exist.")
    with UnitOfWork(runtime.sessions) as uow:
        balance = ledger.balance(uow.session, caller.shop_id, done.member_id)
        title = rewards.get_reward(uow.session, caller.shop_id, done.reward_id).title
    if done.state == "failed":
        return _refuse(
            502,
            "reward_not_issued",
            f"We could not create your reward ({done.error}). Your {done.points} points are back.",
            balance=balance,
        )
    return jsonify(
        code=done.code,
        title=title,
        points_spent=done.points,
        balance=balance,
        expires_at=done.expires_at.isoformat() if done.expires_at else None,
        state=done.state,
    )


# ---------------------------------------------------------------------------
# Earn actions from the launcher: a birthday, a social follow or share (issue 6's domain).
# The customer is always g.caller.customer_id (Shopify's logged_in_customer_id).

MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
# What the storefront shows of the merchant's earn rules, and the actions a shopper may report from it.
SHOWN_ACTIONS = {"birthday": "Birthday", "social_follow": "Follow us", "social_share": "Share with friends",
                 "newsletter": "Join our newsletter", "review": "Write a review", "profile": "Complete your profile"}
SHOPPER_REPORTABLE = ("social_follow", "social_share")
NETWORKS = ("instagram", "facebook", "tiktok", "x", "youtube", "pinterest", "linkedin", "threads")
MESSAGES = {
    "invalid_date": {
        "en": "Send your birthday as MM-DD, for example 04-23.", "de": "Gib deinen Geburtstag als MM-TT an, z. B. 04-23.",
        "es": "Indica tu cumpleaños como MM-DD, por ejemplo 04-23.",
        "fr": "Indiquez votre anniversaire au format MM-JJ, par exemple 04-23.",
        "pt-BR": "Informe seu aniversário como MM-DD, por exemplo 04-23.", "ro": "Trimite ziua ta de naștere ca LL-ZZ, de exemplu 04-23.",
        "zh-CN": "请按 MM-DD 格式填写生日，例如 04-23。", "zh-TW": "請以 MM-DD 格式填寫生日，例如 04-23。",  # noqa: RUF001
    },
    "not_available": {
        "en": "This way to earn is not available.", "de": "Diese Möglichkeit, Punkte zu sammeln, gibt es nicht.",
        "es": "Esta forma de ganar puntos no está disponible.", "fr": "Cette façon de gagner des points n'est pas disponible.",
        "pt-BR": "Esta forma de ganhar pontos não está disponível.", "ro": "Această modalitate de a câștiga puncte nu este disponibilă.",
        "zh-CN": "此赚取积分方式不可用。", "zh-TW": "此賺取點數方式無法使用。",
    },
    "already_done": {
        "en": "You have already earned points for this.", "de": "Dafür hast du bereits Punkte erhalten.",
        "es": "Ya has ganado puntos por esto.", "fr": "Vous avez déjà gagné des points pour cela.",
        "pt-BR": "Você já ganhou pontos por isso.", "ro": "Ai primit deja puncte pentru asta.",
        "zh-CN": "您已因此获得过积分。", "zh-TW": "您已因此獲得過點數。",
    },
    "limit_reached": {
        "en": "You have reached the limit for this for now.", "de": "Dafür hast du das Limit vorerst erreicht.",
        "es": "Has alcanzado el límite por ahora.", "fr": "Vous avez atteint la limite pour le moment.",
        "pt-BR": "Você atingiu o limite por enquanto.", "ro": "Ai atins limita pentru moment.",
        "zh-CN": "您暂时已达到此项上限。", "zh-TW": "您暫時已達到此項上限。",
    },
    "newsletter_in_account": {
        "en": "Subscribe in your account or at checkout: your points arrive once the shop confirms it.",
        "de": "Abonniere in deinem Konto oder an der Kasse: Die Punkte kommen, sobald der Shop es bestätigt.",
        "es": "Suscríbete en tu cuenta o al pagar: tus puntos llegarán cuando la tienda lo confirme.",
        "fr": "Abonnez-vous depuis votre compte ou au paiement : vos points arrivent dès que la boutique le confirme.",
        "pt-BR": "Assine na sua conta ou no checkout: seus pontos chegam quando a loja confirmar.",
        "ro": "Abonează-te din cont sau la finalizarea comenzii: punctele sosesc după confirmarea magazinului.",
        "zh-CN": "请在账户或结账时订阅：商店确认后积分即到账。", "zh-TW": "請在帳戶或結帳時訂閱：商店確認後點數即入帳。",  # noqa: RUF001
    },
}


def _say(error: str) -> str:
    """A refusal in the shopper's language (?locale=, as the launcher sends it), else English."""
    texts, wanted = MESSAGES[error], request.args.get("locale", "en")
    return texts.get(wanted) or texts.get(wanted.split("-")[0]) or texts["en"]


def _rule_ways(session, shop: Shop) -> list[dict]:
    """The merchant's enabled earn rules a shopper can see, as `earn` entries of the contract."""
    rules = session.scalars(
        select(EarnRule).where(EarnRule.shop_id == shop.id, EarnRule.enabled.is_(True), EarnRule.action.in_(SHOWN_ACTIONS))
        .order_by(EarnRule.id)
    )
    return [
        {
            "key": rule.action,
            "title": rule.name if rule.name and rule.name != rule.action else SHOWN_ACTIONS[rule.action],
            "points": rule.points,
            "per": "year" if rule.action == "birthday" or rule.limit_period == "year" else "once",
            "network": None,
            "url": None,
        }
        for rule in rules
    ]


def _member_extras(session, shop: Shop, member) -> tuple[str | None, set[str]]:
    """The member's birthday (MM-DD) and the once-only actions already paid."""
    if member is None:
        return None, set()
    birthday = session.get(MemberBirthday, member.id)
    done = set(
        session.scalars(
            select(EarnRule.action)
            .join(ActionClaim, ActionClaim.rule_id == EarnRule.id)
            .where(ActionClaim.shop_id == shop.id, ActionClaim.member_id == member.id, EarnRule.limit_period == "ever",
                   ActionClaim.ledger_key.is_not(None))
        )
    )
    return (f"{birthday.month:02d}-{birthday.day:02d}" if birthday else None), done


@bp.post("/birthday")
@shopper_required
def birthday():
    """{"date": "MM-DD"}: kept on the member; the birthday rule pays on the day (a cron job), once a year."""
    body = request.get_json(silent=True)
    match = MONTH_DAY.match(body.get("date", "")) if isinstance(body, dict) and isinstance(body.get("date"), str) else None
    if not match:
        return _refuse(400, "invalid_date", _say("invalid_date"))
    caller = g.caller
    cmd = GiveBirthday(shop_domain=caller.shop_domain, customer_id=caller.customer_id, month=int(match[1]), day=int(match[2]))
    with UnitOfWork(perks().sessions) as uow:
        try:
            profile.give_birthday(uow.session, cmd, now=datetime.now(UTC))
        except InvalidCommand:
            return _refuse(400, "invalid_date", _say("invalid_date"))
        uow.commit()
    return jsonify(birthday=f"{cmd.month:02d}-{cmd.day:02d}")


@bp.post("/actions/<key>")
@shopper_required
def perform_action(key: str):
    """A social follow or share the shopper did from the launcher: {"network": "instagram"} optional."""
    if key == "newsletter":
        # Paid when Shopify reports the email subscribed (customers/update), never on the shopper's word.
        return _refuse(409, "newsletter_in_account", _say("newsletter_in_account"))
    if key not in SHOPPER_REPORTABLE:
        return _refuse(404, "not_available", _say("not_available"))
    body = request.get_json(silent=True)
    network = body.get("network") if isinstance(body, dict) else None
    ref = network if network in NETWORKS else key  # never a free-form ref a shopper could vary to farm
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        outcome = actions.perform(uow.session, PerformAction(caller.shop_domain, caller.customer_id, key, ref=ref), now=datetime.now(UTC))
        uow.commit()
        found = find_member(uow.session, caller.shop_id, caller.customer_id)
        balance = found.points_balance if found else 0
    if outcome.status == "awarded":
        return jsonify(points=outcome.points, balance=balance)
    if outcome.status == "repeat":
        return _refuse(409, "already_done", _say("already_done"), balance=balance)
    if outcome.status == "limit":
        return _refuse(409, "limit_reached", _say("limit_reached"), balance=balance)
    return _refuse(404, "not_available", _say("not_available"))
