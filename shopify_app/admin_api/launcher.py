"""The launcher's look for the merchant: colours, corner and texts per language, with the
contrast of its text judged here, as the admin's live preview shows it."""

from __future__ import annotations

from flask import g, jsonify

from shopify_app import launcher_look
from shopify_app.demo_storefront.liquid_blocks import translate
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import actor, json_object
from .openapi import PATHS, json_body, op

LOOK_FIELDS = {
    "primary_color": {"type": "string", "description": "#rrggbb"},
    "background_color": {"type": "string", "description": "#rrggbb"},
    "text_color": {"type": "string", "description": "#rrggbb"},
    "position": {"type": "string", "enum": ["bottom-right", "bottom-left"]},
    "texts": {"type": "object", "description": "{language: {button_label, title}}; empty or left out: the translated default"},
}
PATHS.update(
    {
        "/api/launcher": {
            "get": op("The launcher's look, its contrast check, and the translated default texts per language"),
            "put": op("Change the launcher's look; recorded in the change log", body=json_body(LOOK_FIELDS)),
        },
        "/api/launcher/check": {
            "post": op("Check a draft look without saving it: field errors, contrast and warnings", body=json_body(LOOK_FIELDS))
        },
    }
)


def _answer(look: dict) -> dict:
    return look | {"checks": launcher_look.checks(look)}


@bp.get("/launcher")
@merchant_required
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
def put_launcher():
    data = json_object()
    with UnitOfWork(perks().sessions) as uow:
        look = launcher_look.replace(uow.session, g.caller.shop_id, data, actor())
        uow.commit()
        return jsonify(_answer(launcher_look.as_dict(look)))


@bp.post("/launcher/check")
@merchant_required
def check_launcher():
    data = json_object()
    values = launcher_look.checked(data)
    with UnitOfWork(perks().sessions) as uow:
        saved = launcher_look.as_dict(launcher_look.look_of(uow.session, g.caller.shop_id))
        uow.commit()
    return jsonify(_answer(saved | values))
