"""Configuration: defaults first, then the environment (as the Flask tutorial does)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .local_postgres import socket_url

REPO_ROOT = Path(__file__).resolve().parent.parent


def var_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where `make run` keeps its embedded PostgreSQL's and Redis's data, and the demo's mail."""
    env = os.environ if environ is None else environ
    return Path(env.get("PERKS_VAR") or REPO_ROOT / "var")


def _default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """`make run`'s embedded PostgreSQL, so that its command line (`perks balance`, ...) finds it with no setting."""
    return socket_url(var_dir(environ) / "postgres")


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str = "redis://127.0.0.1:6379/0"
    shopify_api_key: str = "perks-dev-client-id"
    shopify_api_secret: str = "perks-development-secret-never-use-in-production"
    # Shopify's largest order payloads are a few hundred KB; anything far
    # beyond that is not a Shopify delivery.
    webhook_max_bytes: int = 2 * 1024 * 1024
    queue_name: str = "perks"
    # Where the Admin API is: Shopify itself (https://{shop}) unless pointed
    # at another, e.g. the fake; "{shop}" in it is replaced by the shop domain.
    shopify_admin_url: str | None = None
    # Fernet keys, comma separated: the first encrypts, all decrypt (rotation).
    # Unset, a key is derived from the API secret: fine for a laptop, not production.
    encryption_keys: tuple[str, ...] = ()
    app_url: str = "http://127.0.0.1:8000"
    # How far an app proxy request's timestamp may be from now (Shopify's library allows 90 s).
    proxy_max_age_seconds: int = 90
    # Days a finished webhook delivery keeps its raw payload (names, emails, addresses) before it is redacted.
    payload_retention_days: int = 30

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or _default_database_url(env),
            redis_url=env.get("REDIS_URL", defaults.redis_url),
            shopify_api_key=env.get("SHOPIFY_API_KEY", defaults.shopify_api_key),
            shopify_api_secret=env.get("SHOPIFY_API_SECRET", defaults.shopify_api_secret),
            webhook_max_bytes=int(env.get("PERKS_WEBHOOK_MAX_BYTES", defaults.webhook_max_bytes)),
            queue_name=env.get("PERKS_QUEUE", defaults.queue_name),
            shopify_admin_url=env.get("SHOPIFY_ADMIN_URL") or None,
            encryption_keys=tuple(k.strip() for k in env.get("PERKS_ENCRYPTION_KEYS", "").split(",") if k.strip()),
            app_url=env.get("SHOPIFY_APP_URL", defaults.app_url),
            proxy_max_age_seconds=int(env.get("PERKS_PROXY_MAX_AGE", defaults.proxy_max_age_seconds)),
            payload_retention_days=int(env.get("PERKS_PAYLOAD_RETENTION_DAYS", defaults.payload_retention_days)),
        )


# Where the public development secret and a key derived from it are allowed: the demo (`make run`
# sets PERKS_DEMO=1), the test suite and benchmarks (PERKS_ENV=test) and a developer's own
# machine (PERKS_ENV=development). Anywhere else the app and the workers refuse to start without them.
NOT_PRODUCTION = ("test", "development")
REQUIRED_SECRETS = ("SHOPIFY_API_SECRET", "PERKS_ENCRYPTION_KEYS")


def missing_secret(environ: Mapping[str, str] | None = None) -> str | None:
    """The first variable production must set and this environment lacks; None if all are set or this is not production."""
    env = os.environ if environ is None else environ
    if env.get("PERKS_DEMO") == "1" or env.get("PERKS_ENV") in NOT_PRODUCTION:
        return None
    for name in REQUIRED_SECRETS:
        if not env.get(name, "").replace(",", "").strip():
            return name
    return None


class MissingSecret(SystemExit):
    """Stops the process with one line naming the variable, and gunicorn's boot-error status (3, so its master stops too)."""

    def __init__(self, name: str):
        self.line = (
            f"perks: {name} is not set; refusing to start on the public development secret "
            "(set it, or PERKS_DEMO=1 for the demo, PERKS_ENV=development on your own machine)"
        )
        super().__init__(3)


def require_secrets(environ: Mapping[str, str] | None = None) -> None:
    """Fail closed: raise MissingSecret (after writing its one line to stderr) if a production secret is missing."""
    name = missing_secret(environ)
    if name is not None:
        error = MissingSecret(name)
        print(error.line, file=sys.stderr, flush=True)
        raise error
