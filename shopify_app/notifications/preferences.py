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

from shopify_app.core import words
from shopify_app.core.db import settings_row
from shopify_app.earn.program_settings import InvalidSettings
from shopify_app.notifications import messages
from shopify_app.notifications.models import NotificationSettings
from shopify_app.shop import audit

CHANNELS = ("email", "metafields", "flow")
KINDS = tuple(messages.MESSAGES)
LANGUAGES = words.LANGUAGES
SUBJECT_MAX = 150
BODY_MAX = 5000
# Every notice is given these (see channels.Email); each kind adds what its event carries.
COMMON = ("shop", "name", "points", "points_word", "balance", "balance_word")


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


def replace(
    session: Session, shop_id: int, channels: dict[str, bool], texts: dict[str, dict[str, dict[str, str] | None]], actor: str
) -> NotificationSettings:
    """The channels given, and the texts as a whole (checked first); the change log gets each changed switch and text.

    Each field's type and length are the request model's to check; a text set to None goes back to the built-in one."""
    kept = checked_texts(texts)
    settings = settings_of(session, shop_id)
    before = _flat(as_dict(settings))
    for name, on in channels.items():
        setattr(settings, name, on)
    settings.texts = kept
    session.flush()
    audit.record(session, shop_id, actor, "notifications", before, _flat(as_dict(settings)))
    return settings


def checked_texts(texts: dict[str, dict[str, dict[str, str] | None]]) -> dict[str, dict[str, dict[str, str]]]:
    """The merchant's texts trimmed, those emptied or None left out; every placeholder problem at once, by field."""
    errors: dict[str, str] = {}
    kept: dict[str, dict[str, dict[str, str]]] = {}
    for kind, by_language in texts.items():
        for lang, text in by_language.items():
            if text is None:  # back to the built-in text
                continue
            found, problems = own_text(kind, text.get("subject", ""), text.get("body", ""))
            errors |= {f"texts.{kind}.{lang}.{part}": problem for part, problem in problems.items()}
            if found:
                kept.setdefault(kind, {})[lang] = found
    if errors:
        raise InvalidSettings(errors)
    return kept


def own_text(kind: str, subject: str, body: str) -> tuple[dict[str, str] | None, dict[str, str]]:
    """(the text trimmed, or None when both parts are empty: the built-in text; each part's problem)."""
    subject, body = subject.strip(), body.strip()
    if not subject and not body:
        return None, {}
    problems = {part: problem for part, value in (("subject", subject), ("body", body)) if (problem := _problem(kind, value))}
    return (None if problems else {"subject": subject, "body": body}), problems


def _problem(kind: str, value: str) -> str | None:
    if not value:
        return "must not be empty (empty both subject and body to use the built-in text)"
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
