"""Notifications for the merchant: which channels are on, their own texts per event kind and
language, and a preview rendered by the notifier itself for a sample member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g, jsonify

from shopify_app.loyalty.program_settings import InvalidSettings
from shopify_app.notifier import messages, preferences
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import actor, json_object, shop_of
from .openapi import PATHS, json_body, op

TEXTS_SCHEMA = {
    "type": "object",
    "description": "{kind: {language: {subject, body}}}; a language left out or null keeps the built-in text",
}
PATHS.update(
    {
        "/api/notifications": {
            "get": op("Channels on or off, the merchant's texts, the built-in texts and the placeholders each kind may use"),
            "put": op(
                "Replace the channels and texts (placeholders checked per kind, subject up to 150 and body up to 5000 "
                "characters); recorded in the change log",
                body=json_body(
                    {
                        "channels": {"type": "object", "properties": {c: {"type": "boolean"} for c in preferences.CHANNELS}},
                        "texts": TEXTS_SCHEMA,
                    }
                ),
            ),
        },
        "/api/notifications/preview": {
            "post": op(
                "A draft text (or the saved or built-in one) rendered by the notifier for a sample member; nothing is saved",
                body=json_body(
                    {
                        "kind": {"type": "string", "enum": list(preferences.KINDS)},
                        "language": {"type": "string", "enum": list(preferences.LANGUAGES)},
                        "subject": {"type": "string"},
                        "body": {"type": "string"},
                    }
                ),
            )
        },
    }
)


@bp.get("/notifications")
@merchant_required
def get_notifications():
    with UnitOfWork(perks().sessions) as uow:
        settings = preferences.settings_of(uow.session, g.caller.shop_id)
        uow.commit()
        return jsonify(
            preferences.as_dict(settings)
            | {
                "built_in": preferences.built_in(),
                "kinds": list(preferences.KINDS),
                "languages": list(preferences.LANGUAGES),
                "placeholders": {kind: list(names) for kind, names in preferences.PLACEHOLDERS.items()},
            }
        )


@bp.put("/notifications")
@merchant_required
def put_notifications():
    data = json_object()
    with UnitOfWork(perks().sessions) as uow:
        settings = preferences.replace(uow.session, g.caller.shop_id, data, actor())
        uow.commit()
        return jsonify(preferences.as_dict(settings))


def sample_values(shop_name: str, kind: str, now: datetime) -> dict:
    """What a member event of this kind carries, for a member called Ada."""
    values = {"shop": shop_name, "name": "Ada", "points": 50, "balance": 250}
    extras = {
        "points_earned": {"reason": "Order #1001"},
        "points_expiring": {"points": 250, "expires_at": (now + timedelta(days=14)).date().isoformat()},
        "points_expired": {"points": 120, "balance": 0},
        "birthday": {"points": 200},
        "dormant_nudge": {"points": 600, "balance": 600, "reward": "$5 off"},
    }
    return values | extras.get(kind, {})


@bp.post("/notifications/preview")
@merchant_required
def preview_notification():
    data = json_object()
    kind, lang = data.get("kind"), data.get("language", "en")
    errors: dict[str, str] = {}
    if kind not in preferences.KINDS:
        errors["kind"] = "must be one of " + ", ".join(preferences.KINDS)
    if lang not in preferences.LANGUAGES:
        errors["language"] = "must be one of " + ", ".join(preferences.LANGUAGES)
    if errors:
        raise InvalidSettings(errors)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        saved = preferences.current(uow.session, shop.id)
        custom = (saved.texts if saved else None) or {}
        if "subject" in data or "body" in data:
            draft = {"subject": data.get("subject", ""), "body": data.get("body", "")}
            # The same checks as saving; the field names are the form's.
            try:
                _, texts = preferences.checked({"texts": {kind: {lang: draft}}})
            except InvalidSettings as error:
                prefix = f"texts.{kind}.{lang}."
                raise InvalidSettings({k.removeprefix(prefix): v for k, v in error.errors.items()}) from None
            custom = texts  # empty when both are empty: the built-in text
        subject, body = messages.render(kind, lang, sample_values(shop.name or shop.domain, kind, datetime.now(UTC)), custom)
        return jsonify(subject=subject, body=body, own=bool(custom.get(kind, {}).get(lang)))
