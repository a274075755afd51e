"""Configuration: one `Settings` per process, read from its environment once, at start.

`create_app` makes it for the web app (and the command line, whose `perks worker`
and `perks cron` install it as the process's runtime: shopify_app/core/runtime.py); every
module is handed it from there and none reads the environment on its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shopify_app.core.local_database import socket_url

REPO_ROOT = Path(__file__).resolve().parents[2]
# The public development secret: fine for the demo and the tests, refused in production (require_secrets).
DEVELOPMENT_SECRET = "perks-development-secret-never-use-in-production"


def var_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where `make run` keeps its embedded PostgreSQL's and Redis's data, and the demo's mail."""
    env = os.environ if environ is None else environ
    return Path(env.get("PERKS_VAR") or REPO_ROOT / "var")


class Settings(BaseSettings):
    """Each field is read from the variable its alias names (README, Configuration); a value that
    does not parse stops the process at start (`load`)."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, env_ignore_empty=True, extra="ignore")

    # `make run`'s data folder; the default database is the embedded PostgreSQL in it.
    var: Path = Field(REPO_ROOT / "var", validation_alias="PERKS_VAR")
    # Unset: `make run`'s embedded PostgreSQL, so that its command line (`perks balance`, ...) finds it with no setting.
    database_url: str = Field("", validation_alias="DATABASE_URL", validate_default=True)
    redis_url: str = Field("redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    shopify_api_key: str = Field("perks-dev-client-id", validation_alias="SHOPIFY_API_KEY")
    shopify_api_secret: str = Field(DEVELOPMENT_SECRET, validation_alias="SHOPIFY_API_SECRET")
    # Shopify's largest order payloads are a few hundred KB; anything far
    # beyond that is not a Shopify delivery.
    webhook_max_bytes: int = Field(2 * 1024 * 1024, gt=0, validation_alias="PERKS_WEBHOOK_MAX_BYTES")
    queue_name: str = Field("perks", validation_alias="PERKS_QUEUE")
    # Where the Admin API is: Shopify itself (https://{shop}) unless pointed
    # at another, e.g. the fake; "{shop}" in it is replaced by the shop domain.
    shopify_admin_url: str | None = Field(None, validation_alias="SHOPIFY_ADMIN_URL")
    # Fernet keys, comma separated: the first encrypts, all decrypt (rotation).
    # Unset, a key is derived from the API secret: fine for a laptop, not production.
    encryption_keys: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="PERKS_ENCRYPTION_KEYS")
    app_url: str = Field("http://127.0.0.1:8000", validation_alias="SHOPIFY_APP_URL")
    # How far an app proxy request's timestamp may be from now (Shopify's library allows 90 s).
    proxy_max_age_seconds: int = Field(90, ge=0, validation_alias="PERKS_PROXY_MAX_AGE")
    # Days a finished webhook delivery keeps its raw payload (names, emails, addresses) before it is redacted.
    payload_retention_days: int = Field(30, ge=0, validation_alias="PERKS_PAYLOAD_RETENTION_DAYS")
    # Member mail: smtp://host:port; unset, no mail is sent (metafields and Flow still are).
    smtp_url: str | None = Field(None, validation_alias="PERKS_SMTP_URL")
    mail_from: str = Field("rewards@perks.example", validation_alias="PERKS_MAIL_FROM")
    # PERKS_DEMO=1 (`make run`): the development secret will do (require_secrets); never in production. It serves
    # nothing: the demo storefront and the admin's demo tokens come with perks_dev.demo_app() alone.
    demo: bool = Field(False, validation_alias="PERKS_DEMO")
    # "test" (the suite, benchmarks) or "development" (a developer's machine): see NOT_PRODUCTION.
    environment: str | None = Field(None, validation_alias="PERKS_ENV")

    @field_validator("database_url")
    @classmethod
    def _embedded_by_default(cls, url: str, info: ValidationInfo) -> str:
        return url or socket_url(info.data.get("var", REPO_ROOT / "var") / "postgres")

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _comma_separated(cls, keys: object) -> object:
        return tuple(k.strip() for k in keys.split(",") if k.strip()) if isinstance(keys, str) else keys


class BadSetting(SystemExit):
    """Stops the process with one line per variable that does not parse, and gunicorn's boot-error status (3)."""

    def __init__(self, error: ValidationError):
        self.line = "; ".join(f"perks: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False))
        super().__init__(3)


def load() -> Settings:
    """This process's settings, from its environment; a value that does not parse stops it at start, in one line."""
    try:
        return Settings()
    except ValidationError as error:
        bad = BadSetting(error)
        print(bad.line, file=sys.stderr, flush=True)
        raise bad from None


# Where the public development secret and a key derived from it are allowed: the demo (`make run`
# sets PERKS_DEMO=1), the test suite and benchmarks (PERKS_ENV=test) and a developer's own
# machine (PERKS_ENV=development). Anywhere else the app and the workers refuse to start without them.
NOT_PRODUCTION = ("test", "development")


def missing_secret(settings: Settings) -> str | None:
    """The first variable production must set and these settings lack; None if all are set or this is not production."""
    if settings.demo or settings.environment in NOT_PRODUCTION:
        return None
    if settings.shopify_api_secret.strip() in ("", DEVELOPMENT_SECRET):
        return "SHOPIFY_API_SECRET"
    if not settings.encryption_keys:
        return "PERKS_ENCRYPTION_KEYS"
    return None


class MissingSecret(SystemExit):
    """Stops the process with one line naming the variable, and gunicorn's boot-error status (3, so its master stops too)."""

    def __init__(self, name: str):
        self.line = (
            f"perks: {name} is not set; refusing to start on the public development secret "
            "(set it, or PERKS_DEMO=1 for the demo, PERKS_ENV=development on your own machine)"
        )
        super().__init__(3)


def require_secrets(settings: Settings) -> None:
    """Fail closed: raise MissingSecret (after writing its one line to stderr) if a production secret is missing."""
    name = missing_secret(settings)
    if name is not None:
        error = MissingSecret(name)
        print(error.line, file=sys.stderr, flush=True)
        raise error
