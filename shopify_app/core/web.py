"""What a request sees of the app: its Runtime, kept on the Flask app by create_app (plain modules use core.runtime)."""

from __future__ import annotations

from flask import current_app

from shopify_app.core.runtime import Runtime


def perks() -> Runtime:
    return current_app.extensions["perks"]
