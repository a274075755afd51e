"""A shop's notification preferences: which channels are on, and the merchant's own texts.

Texts override the built-in ones (messages.py) per event kind and language; a
kind or language the merchant left alone keeps the built-in text. A text may
use only the placeholders its kind is given, so a mail never goes out with a
literal "$reward" in it.
"""

from __future__ import annotations

from string import Template
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.db import settings_row
from shopify_app.loyalty import audit
from shopify_app.loyalty.program_settings import InvalidSettings
from shopify_app.models import NotificationSettings

from . import messages

CHANNELS = ("email", "metafields", "flow")
KINDS = tuple(messages.MESSAGES)
LANGUAGES = tuple(messages.UNSUBSCRIBE)
SUBJECT_MAX = 150
BODY_MAX = 5000
# Every notice is given these (see channels.Email); each kind adds what its event carries.
COMMON = ("shop", "name", "points", "balance")


def _placeholders(text: str) -> set[str]:
    return {m.group("named") or m.group("braced") for m in Template.pattern.finditer(text) if m.group("named") or m.group("braced")}


# What each kind may say: the common values and whatever its built-in texts use.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    kind: tuple(sorted(set(COMMON) | {p for pair in texts.values() for part in pair for p in _placeholders(part)}))
    for kind, texts in messages.MESSAGES.items()
}


def settings_of(session: Session, shop_id: int) -> NotificationSettings:
    """The shop's preferences; every channel on and no texts of its own until the merchant says otherwise."""
    return settings_row(session, NotificationSettings, shop_id, texts={})


def current(session: Session, shop_id: int) -> NotificationSettings | None:
    """For the notifier, which only reads: None means the defaults."""
    return session.scalars(select(NotificationSettings).where(NotificationSettings.shop_id == shop_id)).one_or_none()


def as_dict(settings: NotificationSettings) -> dict[str, Any]:
    return {"channels": {name: getattr(settings, name) for name in CHANNELS}, "texts": settings.texts or {}}


def replace(session: Session, shop_id: int, data: dict[str, Any], actor: str) -> NotificationSettings:
    """Channels and texts as a whole, checked first; the change log gets each changed switch and text."""
    channels, texts = checked(data)
    settings = settings_of(session, shop_id)
    before = _flat(as_dict(settings))
    for name, on in channels.items():
        setattr(settings, name, on)
    settings.texts = texts
    session.flush()
    audit.record(session, shop_id, actor, "notifications", before, _flat(as_dict(settings)))
    return settings


def checked(data: dict[str, Any]) -> tuple[dict[str, bool], dict[str, dict[str, dict[str, str]]]]:
    errors: dict[str, str] = {}
    channels_in = data.get("channels", {})
    channels: dict[str, bool] = {}
    if not isinstance(channels_in, dict):
        errors["channels"] = "must be an object of channel: true or false"
        channels_in = {}
    for name, on in channels_in.items():
        if name not in CHANNELS:
            errors[f"channels.{name}"] = "is not a channel: email, metafields or flow"
        elif not isinstance(on, bool):
            errors[f"channels.{name}"] = "must be true or false"
        else:
            channels[name] = on
    texts_in = data.get("texts", {})
    if not isinstance(texts_in, dict):
        errors["texts"] = "must be an object of event kind: {language: {subject, body}}"
        texts_in = {}
    texts: dict[str, dict[str, dict[str, str]]] = {}
    for kind, by_language in texts_in.items():
        if kind not in KINDS:
            errors[f"texts.{kind}"] = "is not an event kind: " + ", ".join(KINDS)
            continue
        if not isinstance(by_language, dict):
            errors[f"texts.{kind}"] = "must be an object of language: {subject, body}"
            continue
        for lang, text in by_language.items():
            where = f"texts.{kind}.{lang}"
            if lang not in LANGUAGES:
                errors[where] = "is not a language Perks writes in: " + ", ".join(LANGUAGES)
                continue
            if text is None:  # back to the built-in text
                continue
            if not isinstance(text, dict):
                errors[where] = "must be an object with subject and body"
                continue
            found = _checked_text(kind, text, where, errors)
            if found:
                texts.setdefault(kind, {})[lang] = found
    unknown = set(data) - {"channels", "texts"}
    for name in sorted(unknown):
        errors[name] = "is not a notification setting"
    if errors:
        raise InvalidSettings(errors)
    return channels, texts


def _checked_text(kind: str, text: dict, where: str, errors: dict[str, str]) -> dict[str, str] | None:
    subject, body = text.get("subject", ""), text.get("body", "")
    if not isinstance(subject, str) or not isinstance(body, str):
        errors[where] = "subject and body must be text"
        return None
    subject, body = subject.strip(), body.strip()
    if not subject and not body:  # both emptied: the built-in text again
        return None
    bad = False
    for part, value, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        problem = _problem(kind, value, limit)
        if problem:
            errors[f"{where}.{part}"] = problem
            bad = True
    if "\n" in subject or "\r" in subject:
        errors[f"{where}.subject"] = "must be one line"
        bad = True
    return None if bad else {"subject": subject, "body": body}


def _problem(kind: str, value: str, limit: int) -> str | None:
    if not value:
        return "must not be empty (empty both subject and body to use the built-in text)"
    if len(value) > limit:
        return f"must be at most {limit} characters ({len(value)} now)"
    allowed = PLACEHOLDERS[kind]
    for match in Template.pattern.finditer(value):
        if match.group("invalid") is not None:
            return "has a lone $: write $$ for a dollar sign, or one of " + _listed(allowed)
        name = match.group("named") or match.group("braced")
        if name and name not in allowed:
            return f"${name} is not known here; use " + _listed(allowed)
    return None


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join("$" + n for n in names)


def _flat(settings: dict[str, Any]) -> dict[str, Any]:
    """One change-log field per switch and per text, so the log says exactly what changed."""
    flat: dict[str, Any] = {f"channel.{name}": on for name, on in settings["channels"].items()}
    for kind in KINDS:
        for lang in LANGUAGES:
            text = settings["texts"].get(kind, {}).get(lang)
            for part in ("subject", "body"):
                flat[f"{kind}.{lang}.{part}"] = text[part] if text else None
    return flat


def built_in() -> dict[str, dict[str, dict[str, str]]]:
    return {kind: {lang: {"subject": s, "body": b} for lang, (s, b) in texts.items()} for kind, texts in messages.MESSAGES.items()}
