"""Configuration once (issue 19): one Settings per process, made where the process starts (create_app,
which `perks worker` and `perks cron` run under) and handed down; no module reads the environment itself."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis import Redis
from rq import Queue
from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.shops import installed_shop
from tests.conftest import SETTINGS
from webhooks.models import WebhookDelivery

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shopify_app", "webhooks", "admin_ui")
# Where the process's Settings is read from its environment: the module that defines it.
READS_CONFIGURATION = {Path("shopify_app/core/config.py")}


def calls_settings(node: ast.AST) -> bool:
    """Settings(...) or Settings.<anything>(...), e.g. the old Settings.from_env()."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "Settings") or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "Settings"
    )


def reads_environment(node: ast.AST) -> bool:
    """os.environ, os.getenv, or `from os import environ/getenv`."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
        return node.attr in ("environ", "getenv", "environb", "getenvb")
    if isinstance(node, ast.ImportFrom) and node.module == "os":
        return any(alias.name in ("environ", "getenv", "environb", "getenvb") for alias in node.names)
    return False


def test_no_module_reads_the_environment_or_builds_settings_on_its_own():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in READS_CONFIGURATION:
                continue
            tree = ast.parse(path.read_text(), str(relative))
            found += [f"{relative}:{node.lineno} reads the environment" for node in ast.walk(tree) if reads_environment(node)]
            found += [f"{relative}:{node.lineno} builds Settings" for node in ast.walk(tree) if calls_settings(node)]
    assert found == []


def test_create_app_reads_the_environment_once_and_the_worker_runs_on_what_create_app_read():
    """`load()` in create_app is the one read; the worker command installs the app's runtime for its jobs."""
    app_module = ast.parse((ROOT / "shopify_app/__init__.py").read_text())
    [create_app] = [node for node in app_module.body if isinstance(node, ast.FunctionDef) and node.name == "create_app"]
    loads = [node for node in ast.walk(create_app) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "load"]
    assert len(loads) == 1


def set_environment(name: str, value: str) -> None:
    """An rq job: changes the worker process's environment after its start."""
    os.environ[name] = value


def test_a_job_in_a_real_worker_uses_the_settings_the_worker_started_with(sessions, shop):
    """The worker starts with a 7-day retention; a job then sets the environment to 1 day. The purge that
    follows keeps a 3-day-old payload (it runs on the worker's settings) and redacts a 10-day-old one.
    Re-reading the environment, it would redact both."""
    now = datetime.now(UTC)
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        for webhook_id, age in (("three-days", 3), ("ten-days", 10)):
            uow.session.add(
                WebhookDelivery(
                    shop_id=shop_id,
                    webhook_id=f"{webhook_id}-{uuid.uuid4().hex[:8]}",
                    topic="orders/paid",
                    headers={},
                    status="done",
                    payload=json.dumps({"email": "ada@example.com"}),
                    received_at=now - timedelta(days=age),
                )
            )
        uow.commit()
    name = f"configuration-once-{uuid.uuid4().hex[:8]}"
    q = Queue(name, connection=Redis.from_url(SETTINGS.redis_url))
    changed = q.enqueue(set_environment, "PERKS_PAYLOAD_RETENTION_DAYS", "1")
    purged = q.enqueue("shopify_app.shop.privacy_jobs.purge_payloads")
    env = os.environ | {"PERKS_QUEUE": name, "PERKS_PAYLOAD_RETENTION_DAYS": "7"}
    argv = [sys.executable, "-m", "flask", "--app", "shopify_app", "perks", "worker", "--burst", "--name", name]
    ran = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert changed.get_status(refresh=True) == "finished" and purged.get_status(refresh=True) == "finished", ran.stderr[-2000:]
    with UnitOfWork(sessions) as uow:
        payloads = dict(
            uow.session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.payload).where(WebhookDelivery.shop_id == shop_id)).all()
        )
    kept = {webhook_id.split("-days")[0]: json.loads(payload) for webhook_id, payload in payloads.items()}
    assert kept == {"three": {"email": "ada@example.com"}, "ten": {"redacted": True}}
