"""Exceptions raised when talking to Shopify's Admin API."""

from __future__ import annotations

from typing import Any


class AdminApiError(Exception):
    """Shopify answered GraphQL ``errors`` (or an unusable response).

    ``data`` is whatever Shopify answered beside the errors: a mutation whose
    payload was partly denied may have run, and its payload says so.
    """

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None,
                 status: int | None = None, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
        self.status = status
        self.data = data or {}


class AdminUnavailable(AdminApiError):
    """Retries exhausted on transient failures. For a query, or a mutation the
    client may repeat, that is all it says. For a mutation it may not repeat
    (see ``admin_client.MUTATIONS``) it is raised only when Shopify certainly
    did not apply it (never connected, 429, THROTTLED), so callers may safely
    undo their side (e.g. refund points); otherwise they get AnswerLost."""


class AnswerLost(AdminApiError):
    """A mutation that is not safe to repeat was sent, and its answer never came
    back whole (a timeout, a dropped connection, a 5xx): Shopify may or may not
    have applied it. Never retried by the client and never a reason to undo: the
    caller settles it by asking Shopify what happened (the code by its name, the
    store credit account's transactions)."""


class AdminUnauthorized(AdminApiError):
    """401: the access token is invalid or expired."""


class AccessDenied(AdminApiError):
    """ACCESS_DENIED: the app's granted scopes do not reach a field the document
    selects. A configuration fault (``shopify.app.toml`` lacks a scope, or the
    merchant has not approved it yet), never transient: not retried.

    ``denied`` lists the paths Shopify named; a path longer than one field is
    inside a payload, so a mutation there ran before its answer was denied.
    """

    @property
    def required_access(self) -> list[str]:
        return [e["extensions"]["requiredAccess"] for e in self.errors
                if (e.get("extensions") or {}).get("requiredAccess")]

    @property
    def denied(self) -> list[list[str | int]]:
        return [list(e.get("path") or []) for e in self.errors
                if (e.get("extensions") or {}).get("code") == "ACCESS_DENIED"]


class UserErrors(Exception):
    """A mutation was refused: its payload carried non-empty ``userErrors``.

    A domain-level failure (bad input, code taken, ...), never worth retrying.
    """

    def __init__(self, field_errors: list[dict[str, Any]], mutation: str | None = None) -> None:
        self.field_errors = field_errors
        self.mutation = mutation
        summary = "; ".join(
            f"{'.'.join(e.get('field') or []) or '-'}: {e.get('message')}" for e in field_errors
        )
        super().__init__(f"{mutation or 'mutation'} refused: {summary}")

    def messages(self, default: str) -> str:
        """Shopify's own words for the refusal, joined; `default` when it gave none."""
        return "; ".join(e.get("message", "refused") for e in self.field_errors) or default

    @property
    def codes(self) -> list[str | None]:
        return [e.get("code") for e in self.field_errors]


class TokenRequestError(Exception):
    """``/admin/oauth/access_token`` refused a token exchange or refresh."""

    def __init__(self, status: int, error: str | None, description: str | None) -> None:
        super().__init__(f"token request failed ({status}): {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
