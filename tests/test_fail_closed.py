"""Fail closed (issue 18): outside the demo (PERKS_DEMO=1) and a marked test or development environment
(PERKS_ENV), the WSGI app and the workers refuse to start without a real API secret and encryption keys,
naming the missing variable in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shopify_app.core.config import Settings, missing_secret

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"
SECRET = {"SHOPIFY_API_SECRET": "shpss_a-real-one"}
KEYS = {"PERKS_ENCRYPTION_KEYS": Fernet.generate_key().decode()}


def clean_env(**extra: str) -> dict[str, str]:
    """Only what a production host would have besides the secrets: no PERKS_DEMO, no PERKS_ENV."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "DATABASE_URL", "REDIS_URL") if name in os.environ}
    return env | {"PERKS_QUEUE": f"fail-closed-{uuid.uuid4().hex[:8]}"} | extra


def worker(env: dict[str, str]) -> subprocess.CompletedProcess:
    argv = [str(FLASK), "--app", "shopify_app", "perks", "worker", "--burst"]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def wsgi_app(env: dict[str, str]) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-c", "from shopify_app import create_app; create_app()"]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("start", [worker, wsgi_app], ids=["worker", "wsgi"])
def test_without_the_api_secret_it_refuses_to_start_naming_it_in_one_line(start):
    ran = start(clean_env())
    assert ran.returncode != 0
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and "SHOPIFY_API_SECRET" in lines[0], ran.stderr


@pytest.mark.parametrize("start", [worker, wsgi_app], ids=["worker", "wsgi"])
def test_with_the_secret_but_no_keys_it_names_the_encryption_keys(start):
    ran = start(clean_env(**SECRET))
    assert ran.returncode != 0
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and "PERKS_ENCRYPTION_KEYS" in lines[0], ran.stderr


@pytest.mark.parametrize("start", [worker, wsgi_app], ids=["worker", "wsgi"])
def test_with_both_it_starts(start):
    ran = start(clean_env(**SECRET, **KEYS))
    assert ran.returncode == 0, ran.stderr[-2000:]


def test_the_demo_and_marked_environments_may_run_on_the_development_secret(monkeypatch):
    def missing(**env: str) -> str | None:
        for name in ("SHOPIFY_API_SECRET", "PERKS_ENCRYPTION_KEYS", "PERKS_DEMO", "PERKS_ENV"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return missing_secret(Settings())

    assert missing() == "SHOPIFY_API_SECRET"
    assert missing(SHOPIFY_API_SECRET="x", PERKS_ENCRYPTION_KEYS=" , ") == "PERKS_ENCRYPTION_KEYS"
    assert missing(PERKS_DEMO="1") is None
    assert missing(PERKS_ENV="test") is None
    assert missing(PERKS_ENV="development") is None
    assert missing(PERKS_ENV="production") == "SHOPIFY_API_SECRET"


def test_a_setting_that_does_not_parse_stops_the_start_in_one_line_naming_it():
    ran = wsgi_app(clean_env(**SECRET, **KEYS, PERKS_PROXY_MAX_AGE="ninety"))
    assert ran.returncode == 3
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and "PERKS_PROXY_MAX_AGE" in lines[0], ran.stderr


def test_the_command_line_outside_the_workers_still_runs_without_secrets():
    """`perks balance` and friends (README, `make demo-order`) run on a newcomer's machine with nothing set."""
    ran = subprocess.run(
        [str(FLASK), "--app", "shopify_app", "perks", "--help"], cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
