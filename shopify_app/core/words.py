"""The languages a member is spoken to in, and how each counts (CLDR's plural rules and number
and date formats, through babel).

The launcher, the mails and the ledger's reasons speak the same eight languages; a shopper's
locale ("fr-CA", "zh-Hant-HK", "pt-PT") is taken to the nearest of them, English when none is near.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("en", "fr", "de", "es", "pt-BR", "ro", "zh-CN", "zh-TW")
# Chinese is written in two scripts: Taiwan, Hong Kong and Macao read the traditional one.
_TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def language(locale: str | None) -> str:
    """The nearest of LANGUAGES: the locale itself, then its language ("pt-PT" -> "pt-BR"), then English."""
    wanted = (locale or "").strip().replace("_", "-").lower()
    exact = {lang.lower(): lang for lang in LANGUAGES}
    if wanted in exact:
        return exact[wanted]
    if wanted.startswith(_TRADITIONAL):
        return "zh-TW"
    first = wanted.split("-")[0]
    return next((lang for lang in LANGUAGES if lang.split("-")[0] == first), "en")


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang, sep="-")


def plural(lang: str, n: int, forms: dict[str, str]) -> str:
    """The form of a counted word that agrees with `n` in `lang`: `forms` by CLDR category
    ("one", "few", "many", "other"); a language with fewer forms gives only those it has."""
    return forms.get(_locale(lang).plural_form(abs(n)), forms["other"])


# "point" agreeing with its number, by CLDR plural category.
POINTS: dict[str, dict[str, str]] = {
    "en": {"one": "point", "other": "points"}, "fr": {"one": "point", "other": "points"},
    "de": {"one": "Punkt", "other": "Punkte"}, "es": {"one": "punto", "other": "puntos"},
    "pt-BR": {"one": "ponto", "other": "pontos"}, "ro": {"one": "punct", "few": "puncte", "other": "de puncte"},
    "zh-CN": {"other": "积分"}, "zh-TW": {"other": "點"},
}  # fmt: skip


def points(lang: str, n: int) -> str:
    """A count of points as the language says it: "1 point", "1 250 points", "20 de puncte", "500 积分"."""
    return f"{number(lang, n)} {plural(lang, n, POINTS[lang])}"


def money(lang: str, amount: Decimal, currency: str) -> str:
    """An amount in the language's way: $10.00 / 10,00 $US / 10,00 €."""
    return format_currency(amount, currency, locale=_locale(lang))


def percent(lang: str, value: Decimal) -> str:
    """15 as the language writes 15 percent: 15% / 15 %."""
    return format_percent(value / 100, format="#,##0.##%", locale=_locale(lang))


def number(lang: str, n: int | Decimal) -> str:
    """1250 as the language writes it: 1,250 / 1 250 / 1.250."""
    return format_decimal(n, locale=_locale(lang))


def day(lang: str, when: date) -> str:
    """A date in words: December 20, 2026 / 20 décembre 2026 / 2026年12月20日."""
    return format_date(when, "long", locale=_locale(lang))
