"""How the storefront launcher looks, as the merchant sets it in the admin: three colours,
a corner, a corner radius, and the button label and panel title per language.

The same settings as the theme block's (theme_extension/blocks/launcher.liquid), with
its defaults. Contrast is judged here with WCAG 2's formula: the colours the shopper
sees are decided here (the label colour on the primary, a readable substitute for an
unreadable text colour) and published with the look (publish.py), and the admin warns
before the shopper sees the substitute.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, create_model
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core import limits
from shopify_app.core.config import REPO_ROOT
from shopify_app.core.db import settings_row
from shopify_app.core.field_types import Model
from shopify_app.launcher.models import CORNER_RADII, LAUNCHER_POSITIONS, LauncherLook
from shopify_app.shop import audit

COLOURS = ("primary_color", "background_color", "text_color")
TEXTS = {"button_label": limits.MAX_LABEL_LENGTH, "title": limits.MAX_TITLE_LENGTH}  # the longest each may be, in characters
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
READABLE = 4.5  # WCAG 2 AA for normal text


def languages() -> tuple[str, ...]:
    """The shopper languages the theme extension ships: en first, then de, es, fr, pt-BR, ro, zh-CN, zh-TW."""
    found = sorted(p.name.removesuffix(".json") for p in (REPO_ROOT / "theme_extension" / "locales").glob("*.json"))
    return ("en", *(code for code in found if code != "en.default" and not code.endswith(".schema")))


LANGUAGES = languages()


def _colour(value: str) -> str:
    colour = normal_colour(value)
    if colour is None:
        raise ValueError("must be a colour as #rrggbb (or #rgb)")
    return colour


def _plain_line(text: str) -> str:
    if any(ch in text for ch in "\r\n<>") or limits.has_control_characters(text):
        raise ValueError("must be one line of plain text")
    return text


Colour = Annotated[str, Field(max_length=32, description="#rrggbb or #rgb"), AfterValidator(_colour)]


def _line(limit: int):
    """A text of the launcher: one line, at most `limit` characters once trimmed; empty means the translated default."""
    return Annotated[str, StringConstraints(strip_whitespace=True, max_length=limit), AfterValidator(_plain_line)]


class LauncherTexts(Model):
    button_label: _line(TEXTS["button_label"]) = ""
    title: _line(TEXTS["title"]) = ""


# One optional entry per language the theme ships ("pt-BR" is the JSON name of pt_BR); another language is refused by name.
TextsByLanguage = create_model(
    "TextsByLanguage",
    __base__=Model,
    **{lang.replace("-", "_"): (LauncherTexts | None, Field(None, alias=lang)) for lang in LANGUAGES},
)


class LookChange(Model):
    """The launcher's look as the admin sends it: the fields it changes; `texts`, when sent, replaces them all."""

    primary_color: Colour = None  # type: ignore[assignment] # absent is not null: only the fields sent are changed
    background_color: Colour = None  # type: ignore[assignment]
    text_color: Colour = None  # type: ignore[assignment]
    position: Literal[LAUNCHER_POSITIONS] = None  # type: ignore[assignment,valid-type]
    corner_radius: Annotated[int, Field(strict=True, ge=CORNER_RADII[0], le=CORNER_RADII[1], description="px")] = None  # type: ignore[assignment]
    texts: TextsByLanguage = None  # type: ignore[assignment,valid-type]

    def values(self) -> dict[str, Any]:
        """The fields sent, colours as lower-case #rrggbb and texts without the empty ones."""
        values = {name: getattr(self, name) for name in self.model_fields_set if name != "texts"}
        if "texts" in self.model_fields_set:
            sent = self.texts.model_dump(by_alias=True, exclude_none=True)
            values["texts"] = {lang: kept for lang, entry in sent.items() if (kept := {k: v for k, v in entry.items() if v})}
        return values


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
        "corner_radius": look.corner_radius,
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


def replace(session: Session, shop_id: int, change: LookChange | dict[str, Any], actor: str) -> LauncherLook:
    """Save the fields `change` sends (a dict is read as the admin's JSON body would be); the change log gets before and after."""
    values = (change if isinstance(change, LookChange) else LookChange.model_validate(change)).values()
    look = look_of(session, shop_id)
    before = _flat(as_dict(look))
    for name, value in values.items():
        setattr(look, name, value)
    session.flush()
    audit.record(session, shop_id, actor, "launcher", before, _flat(as_dict(look)))
    return look


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
        substitute = readable_text(look["text_color"], look["background_color"])
        warnings.append(
            {
                "field": "text_color",
                "message": f"Text on the background has a contrast of {ratio:.2f}:1, under the 4.5:1 shoppers need to read it; "
                f"the launcher will show {'black' if substitute == '#000000' else 'white'} text instead.",
            }
        )
    return {"text_on_background": round(ratio, 2), "label_on_primary": on_primary, "warnings": warnings}


def black_or_white(background: str) -> str:
    """What the launcher puts on a colour: whichever of black and white reads better."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) else "#ffffff"


def readable_text(text: str, background: str) -> str:
    """The text colour the launcher shows on `background`: the merchant's when it reads (4.5:1), else black or white."""
    return text if contrast(text, background) >= READABLE else black_or_white(background)


def _flat(look: dict[str, Any]) -> dict[str, Any]:
    flat = {name: look[name] for name in (*COLOURS, "position", "corner_radius")}
    for lang in LANGUAGES:
        for name in TEXTS:
            flat[f"{lang}.{name}"] = look["texts"].get(lang, {}).get(name)
    return flat
