"""Notifications for the merchant: which channels are on, their own texts per event kind and
language, and a preview rendered by the notifier itself for a sample member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import AfterValidator, create_model

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor, shop_of
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn.program_settings import InvalidSettings
from shopify_app.notifications import messages, preferences
from shopify_app.shop.guards import merchant_required

Kind = Literal[preferences.KINDS]  # type: ignore[valid-type] # the tuple's values
Language = Literal[preferences.LANGUAGES]  # type: ignore[valid-type]


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line")
    return text


Subject = Annotated[Text(preferences.SUBJECT_MAX), AfterValidator(_one_line)]
Body = Text(preferences.BODY_MAX)


class OwnText(Model):
    """The merchant's text; both parts emptied is the built-in text again. Placeholders are checked per kind."""

    subject: Subject = ""
    body: Body = ""


# {kind: {language: text}}: a field per kind and per language, so an unknown one is refused by name.
LanguageTexts = create_model(
    "LanguageTexts",
    __base__=Model,
    **{lang: (OwnText | None, None) for lang in preferences.LANGUAGES},  # type: ignore[call-overload]
)
KindTexts = create_model("KindTexts", __base__=Model, **{kind: (LanguageTexts, None) for kind in preferences.KINDS})  # type: ignore[call-overload]


class Channels(Model):
    """The channels to switch; one left out stays as it is."""

    email: bool = None  # type: ignore[assignment] # absent is not null: only the channels sent are switched
    metafields: bool = None  # type: ignore[assignment]
    flow: bool = None  # type: ignore[assignment]


class NotificationSettings(Model):
    channels: Channels = Channels()
    texts: KindTexts = KindTexts()  # type: ignore[valid-type] # a language left out or null keeps the built-in text


class PreviewDraft(Model):
    kind: Kind
    language: Language = "en"
    subject: Subject = ""
    body: Body = ""


class TextJson(Answer):
    subject: str
    body: str


class ChannelsJson(Answer):
    email: bool
    metafields: bool
    flow: bool


class SavedNotifications(Answer):
    channels: ChannelsJson
    texts: dict[str, dict[str, TextJson]]


class NotificationsJson(SavedNotifications):
    built_in: dict[str, dict[str, TextJson]]
    kinds: list[str]
    kind_names: dict[str, str]
    languages: list[str]
    placeholders: dict[str, list[str]]


class Preview(Answer):
    subject: str
    body: str
    own: bool
    counting: str  # how a number and $points_word read in the language: "0 point · 1 point · 2 points · 20 points"


@bp.get("/notifications")
@merchant_required
@endpoint(
    "Channels on or off, the merchant's texts, the built-in texts and the placeholders each kind may use",
    security="session",
    answer=NotificationsJson,
)
def get_notifications():
    with UnitOfWork(perks().sessions) as uow:
        settings = preferences.settings_of(uow.session, g.caller.shop_id)
        uow.commit()
        return jsonify(
            preferences.as_dict(settings)
            | {
                "built_in": preferences.built_in(),
                "kinds": list(preferences.KINDS),
                "kind_names": messages.KIND_NAMES,
                "languages": list(preferences.LANGUAGES),
                "placeholders": {kind: list(names) for kind, names in preferences.PLACEHOLDERS.items()},
            }
        )


@bp.put("/notifications")
@merchant_required
@endpoint(
    "Switch channels and replace the texts (placeholders checked per kind); recorded in the change log",
    security="session",
    body=NotificationSettings,
    answer=SavedNotifications,
)
def put_notifications(body: NotificationSettings):
    channels = body.channels.model_dump(exclude_unset=True)
    texts = body.texts.model_dump(exclude_unset=True)
    with UnitOfWork(perks().sessions) as uow:
        settings = preferences.replace(uow.session, g.caller.shop_id, channels, texts, actor())
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
@endpoint(
    "A draft text (or, without subject and body, the saved or built-in one) rendered by the notifier for a sample member; nothing is saved",
    security="session",
    body=PreviewDraft,
    answer=Preview,
)
def preview_notification(body: PreviewDraft):
    kind, lang = body.kind, body.language
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        saved = preferences.current(uow.session, shop.id)
        custom = (saved.texts if saved else None) or {}
        if body.model_fields_set & {"subject", "body"}:
            # The same checks as saving; the field names are the form's.
            draft, problems = preferences.own_text(kind, body.subject, body.body)
            if problems:
                raise InvalidSettings(problems)
            custom = {kind: {lang: draft}} if draft else {}  # both empty: the built-in text
        subject, text = messages.render(kind, lang, sample_values(shop.name or shop.domain, kind, datetime.now(UTC)), custom)
        return jsonify(subject=subject, body=text, own=bool(custom.get(kind, {}).get(lang)), counting=messages.counting(lang))
