"""The launcher's look for the merchant: colours, corner and texts per language, with the
contrast of its text judged here, as the admin's live preview shows it."""

from __future__ import annotations

from typing import Literal

from flask import g, jsonify

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError, actor, shop_of
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.launcher import look as launcher_look
from shopify_app.launcher.liquid_blocks import translate
from shopify_app.launcher.look import LookChange
from shopify_app.launcher.models import LAUNCHER_POSITIONS
from shopify_app.launcher.publish import NotOnStorefront, write
from shopify_app.shop.guards import merchant_required
from shopify_app.shop.tokens import admin_client, admin_failures

# The merchant waits for the answer: a short retry, then say so.
MERCHANT_WAITING = {"max_retries": 2, "backoff_base": 0.25, "backoff_cap": 1.0, "timeout": 10.0}


class SavedTexts(Answer):
    button_label: str | None = None
    title: str | None = None


class LookWarning(Answer):
    field: str
    message: str


class Checks(Answer):
    text_on_background: float
    label_on_primary: str
    warnings: list[LookWarning]


class Look(Answer):
    primary_color: str
    background_color: str
    text_color: str
    position: Literal[LAUNCHER_POSITIONS]  # type: ignore[valid-type]
    corner_radius: int
    texts: dict[str, SavedTexts]
    checks: Checks


class DefaultTexts(Answer):
    button_label: str
    title: str


class LookWithDefaults(Look):
    languages: list[str]
    default_texts: dict[str, DefaultTexts]


def _answer(look: dict) -> dict:
    return look | {"checks": launcher_look.checks(look)}


@bp.get("/launcher")
@merchant_required
@endpoint(
    "The launcher's look, its contrast check, and the translated default texts per language", security="session", answer=LookWithDefaults
)
def get_launcher():
    with UnitOfWork(perks().sessions) as uow:
        look = launcher_look.as_dict(launcher_look.look_of(uow.session, g.caller.shop_id))
        uow.commit()
    defaults = {
        lang: {"button_label": translate(lang, "perks.launcher.button"), "title": translate(lang, "perks.launcher.title")}
        for lang in launcher_look.LANGUAGES
    }
    return jsonify(_answer(look) | {"languages": list(launcher_look.LANGUAGES), "default_texts": defaults})


@bp.put("/launcher")
@merchant_required
@endpoint(
    "Change the launcher's look, recorded in the change log, and put it on the storefront (the app's metafield the theme block reads)",
    security="session",
    body=LookChange,
    answer=Look,
    refusals={502: "saved in Perks, but Shopify could not be reached or refused it: the storefront shows the previous look"},
)
def put_launcher(body: LookChange):
    runtime = perks()
    with UnitOfWork(runtime.sessions) as uow:
        look = launcher_look.as_dict(launcher_look.replace(uow.session, g.caller.shop_id, body, actor()))
        domain = shop_of(uow.session).domain
        uow.commit()
    # Kept in Perks first, then sent with no transaction open: a failure leaves it saved, and saving again sends it.
    try:
        with admin_failures(NotOnStorefront, "Shopify refused the look"):
            write(admin_client(runtime.sessions, runtime.settings, domain, **MERCHANT_WAITING), look)
    except NotOnStorefront as failure:
        raise ApiError(
            502,
            "not_on_storefront",
            f"Your look is saved in Perks, but your storefront still shows the previous one: {failure}. Save again in a moment.",
        ) from failure
    return jsonify(_answer(look))


@bp.post("/launcher/check")
@merchant_required
@endpoint("Check a draft look without saving it: its contrast and warnings", security="session", body=LookChange, answer=Look)
def check_launcher(body: LookChange):
    with UnitOfWork(perks().sessions) as uow:
        saved = launcher_look.as_dict(launcher_look.look_of(uow.session, g.caller.shop_id))
        uow.commit()
    return jsonify(_answer(saved | body.values()))
