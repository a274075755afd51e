"""What ``shopify.app.toml`` declares: the one source of the app's access scopes
and webhook topics (the fake Admin API grants exactly these scopes)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

APP_TOML = Path(__file__).resolve().parents[2] / "shopify.app.toml"


@cache
def app_config(path: Path = APP_TOML) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def access_scopes(path: Path = APP_TOML) -> list[str]:
    """The scopes the app asks for, in the toml's order."""
    raw = app_config(path).get("access_scopes", {}).get("scopes", "")
    return [s.strip() for s in raw.split(",") if s.strip()]


def webhook_topics(path: Path = APP_TOML) -> list[str]:
    """Subscribed topics that need a scope check (compliance topics need none)."""
    subscriptions = app_config(path).get("webhooks", {}).get("subscriptions", [])
    return sorted({topic for sub in subscriptions for topic in sub.get("topics", [])})
