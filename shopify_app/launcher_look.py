"""How the storefront launcher looks, as the merchant sets it in the admin: three colours,
a corner, and the button label and panel title per language.

The same settings as the theme block's (theme_extension/blocks/launcher.liquid), with
its defaults. Contrast is judged here with WCAG 2's formula, the one launcher.js
uses to replace an unreadable text colour, so the admin warns before the shopper
sees the substitute.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.config import REPO_ROOT
from shopify_app.db import settings_row
from shopify_app.loyalty import audit, limits
from shopify_app.loyalty.program_settings import InvalidSettings
from shopify_app.models import LAUNCHER_POSITIONS, LauncherLook

COLOURS = ("primary_color", "background_color", "text_color")
TEXTS = {"button_label": limits.MAX_LABEL_LENGTH, "title": limits.MAX_TITLE_LENGTH}  # the longest each may be, in characters
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
READABLE = 4.5  # WCAG 2 AA for normal text


def languages() -> tuple[str, ...]:
    """The shopper languages the theme extension ships: en first, then de, es, fr, pt-BR, ro, zh-CN, zh-TW."""
    found = sorted(p.name.removesuffix(".json") for p in (REPO_ROOT / "theme_extension" / "locales").glob("*.json"))
    return ("en", *(code for code in found if code != "en.default" and not code.endswith(".schema")))


LANGUAGES = languages()


def look_of(session: Session, shop_id: int) -> LauncherLook:
    return settings_row(session, LauncherLook, shop_id, texts={})


def saved_look(session: Session, shop_id: int) -> LauncherLook | None:
    """The look the merchant saved; None until they do (read only)."""
    return session.scalars(select(LauncherLook).where(LauncherLook.shop_id == shop_id)).one_or_none()


def as_dict(look: LauncherLook) -> dict[str, Any]:
    return {
        "primary_color": look.primary_color,
        "background_color": look.background_color,
        "text_color": look.text_color,
        "position": look.position,
        "texts": look.texts or {},
    }


def storefront_json(session: Session, shop_id: int, locale: str | None) -> dict[str, Any] | None:
    """The look for GET /proxy/program: None until the merchant saves one (the theme block's
    settings hold then); texts in the shopper's language, None where the merchant left the default."""
    look = saved_look(session, shop_id)
    if look is None:
        return None
    texts = look.texts or {}
    code = locale or "en"
    own = texts.get(code) or next((t for lang, t in texts.items() if lang == code.split("-")[0]), {})
    shown = {k: v for k, v in as_dict(look).items() if k != "texts"}
    return shown | {"button_label": own.get("button_label"), "title": own.get("title")}


def replace(session: Session, shop_id: int, data: dict[str, Any], actor: str) -> LauncherLook:
    values = checked(data)
    look = look_of(session, shop_id)
    before = _flat(as_dict(look))
    for name, value in values.items():
        setattr(look, name, value)
    session.flush()
    audit.record(session, shop_id, actor, "launcher", before, _flat(as_dict(look)))
    return look


def checked(data: dict[str, Any]) -> dict[str, Any]:
    """Every field's problem at once; colours come back as lower-case #rrggbb."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in COLOURS:
        if name in data:
            colour = normal_colour(data[name])
            if colour is None:
                errors[name] = "must be a colour as #rrggbb (or #rgb)"
            else:
                values[name] = colour
    if "position" in data:
        if data["position"] in LAUNCHER_POSITIONS:
            values["position"] = data["position"]
        else:
            errors["position"] = "must be bottom-right or bottom-left"
    if "texts" in data:
        values["texts"] = _checked_texts(data["texts"], errors)
    for name in sorted(set(data) - set(COLOURS) - {"position", "texts"}):
        errors[name] = "is not a setting of the launcher"
    if errors:
        raise InvalidSettings(errors)
    return values


def _checked_texts(texts: Any, errors: dict[str, str]) -> dict[str, dict[str, str]]:
    if not isinstance(texts, dict):
        errors["texts"] = "must be an object of language: {button_label, title}"
        return {}
    kept: dict[str, dict[str, str]] = {}
    for lang, entry in texts.items():
        if lang not in LANGUAGES:
            errors[f"texts.{lang}"] = "is not a language of the launcher: " + ", ".join(LANGUAGES)
            continue
        if entry is None:
            continue
        if not isinstance(entry, dict):
            errors[f"texts.{lang}"] = "must be an object with button_label and title"
            continue
        for name, limit in TEXTS.items():
            value = entry.get(name, "")
            where = f"texts.{lang}.{name}"
            if not isinstance(value, str):
                errors[where] = "must be text"
            elif len(value.strip()) > limit:
                errors[where] = f"must be at most {limit} characters"
            elif any(ch in value for ch in "\r\n<>") or limits.has_control_characters(value):
                errors[where] = "must be one line of plain text"
            elif value.strip():
                kept.setdefault(lang, {})[name] = value.strip()
        for name in sorted(set(entry) - set(TEXTS)):
            errors[f"texts.{lang}.{name}"] = "is not a text of the launcher"
    return kept


def normal_colour(value: Any) -> str | None:
    if not isinstance(value, str) or not HEX.match(value.strip()):
        return None
    digits = value.strip()[1:].lower()
    return "#" + (digits if len(digits) == 6 else "".join(c * 2 for c in digits))


def _luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    colour = normal_colour(colour) or "#000000"  # only ever given checked colours; #rgb as well
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two #rrggbb colours, 1 to 21."""
    x, y = _luminance(a) + 0.05, _luminance(b) + 0.05
    return max(x, y) / min(x, y)


def checks(look: dict[str, Any]) -> dict[str, Any]:
    """The contrast of the text on the background, and warnings a merchant should read before saving."""
    ratio = contrast(look["text_color"], look["background_color"])
    on_primary = black_or_white(look["primary_color"])
    warnings = []
    if ratio < READABLE:
        substitute = black_or_white(look["background_color"])
        warnings.append(
            {
                "field": "text_color",
                "message": f"Text on the background has a contrast of {ratio:.2f}:1, under the 4.5:1 shoppers need to read it; "
                f"the launcher will show {'black' if substitute == '#000000' else 'white'} text instead.",
            }
        )
    return {"text_on_background": round(ratio, 2), "label_on_primary": on_primary, "warnings": warnings}


def black_or_white(background: str) -> str:
    """What launcher.js puts on a colour: whichever of black and white reads better."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) else "#ffffff"


def _flat(look: dict[str, Any]) -> dict[str, Any]:
    flat = {name: look[name] for name in (*COLOURS, "position")}
    for lang in LANGUAGES:
        for name in TEXTS:
            flat[f"{lang}.{name}"] = look["texts"].get(lang, {}).get(name)
    return flat
