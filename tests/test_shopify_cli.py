"""Shopify's own CLI checks the app, offline: `shopify app build`, then the config `shopify app deploy` would upload.

The CLI is `@shopify/cli` from package.json (`make test` installs it). It runs on a copy of the
repository's files, so what it writes (`.shopify/`, bundles) never lands in the checkout, with its
own config and cache folders, no analytics, no prompts and no dependency installation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from shopify_app.notifications.channels import FLOW_TRIGGERS, Notice, flow_payload

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "node_modules/@shopify/cli"
SHOPIFY = ROOT / "node_modules/.bin/shopify"

# The deploy step without its upload: the app loaded by the CLI's own `app build` command (its run()
# returns the app), deploy's pre-deploy validation, then the manifest deploy builds from each
# extension's deployConfig (where Flow's field rules live). Prints the manifest's modules as JSON.
DEPLOY_CONFIG = """
import {pathToFileURL} from 'node:url';
const [cli, dir] = process.argv.slice(-2);
const {COMMANDS} = await import(pathToFileURL(`${cli}/dist/index.js`).href);
const {app} = await COMMANDS['app:build'].run(['--path', dir, '--skip-dependencies-installation', '--no-color'], cli);
await app.preDeployValidation();
const manifest = await app.manifest(undefined);
process.stdout.write(`\\nMODULES ${JSON.stringify(manifest.modules)}\\n`);
"""


UI_EXTENSIONS = {
    "customer-account-rewards": ("perks-rewards-page", "perks-rewards-profile"),
    "thank-you-points": ("perks-order-points",),
    "pos-rewards": ("perks-pos-rewards",),
}


def cli_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "CI": "1", "SHOPIFY_CLI_NO_ANALYTICS": "1", "NO_COLOR": "1"}
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    return env


@pytest.fixture(scope="module")
def app_copy(tmp_path_factory) -> Path:
    """The files git knows (tracked, or new and not ignored), copied: every extension, as a clone has it."""
    assert SHOPIFY.exists(), f"{SHOPIFY} is missing: `make install` (npm install) puts @shopify/cli there"
    copy = tmp_path_factory.mktemp("app")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    # The UI extensions import preact and @shopify/ui-extensions: the CLI's esbuild resolves them from here.
    (copy / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return copy


def run(what: str, command: list[str], app: Path, home: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=app, env=cli_env(home), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def test_shopify_cli_builds_the_app_offline(app_copy, tmp_path):
    command = [str(SHOPIFY), "app", "build", "--path", str(app_copy), "--skip-dependencies-installation", "--no-color"]
    built = run(" ".join(command), command, app_copy, tmp_path)
    assert "built!" in built.stdout + built.stderr
    # Each UI extension's bundle, one per [[extensions]] handle in its folder.
    for folder, handles in UI_EXTENSIONS.items():
        for handle in handles:
            assert (app_copy / "extensions" / folder / "dist" / f"{handle}.js").stat().st_size > 0, handle


# One notice of each kind Perks sends Flow, with the data the notifier records for it.
NOTICES = {
    "points_earned": {"points": 40},
    "birthday": {"points": 100},
    "points_expiring": {"points": 40, "expires_at": "2026-01-31"},
    "reward_redeemed": {"points": 500, "reward": "5 off"},
    "tier_changed": {"tier": "Gold", "previous": "Silver"},
}


def test_shopify_cli_accepts_every_extension_config_for_deploy_and_flow_gets_the_fields_perks_sends(app_copy, tmp_path):
    done = run("the deploy config", ["node", "--input-type=module", "-e", DEPLOY_CONFIG, str(CLI), str(app_copy)], app_copy, tmp_path)
    modules = json.loads(done.stdout.rsplit("\nMODULES ", 1)[1])
    fields = {m["handle"]: [f["name"] for f in m["config"]["fields"]] for m in modules if m["type"].startswith("flow_trigger")}
    assert set(fields) == set(FLOW_TRIGGERS.values())
    for kind, data in NOTICES.items():
        notice = Notice(event_id=1, kind=kind, data=data, customer_id=7012345678901, email=None, first_name="Ada", balance=60)
        assert sorted(flow_payload(notice)) == sorted(fields[FLOW_TRIGGERS[kind]]), kind
    assert set(NOTICES) == set(FLOW_TRIGGERS)
    application = urlsplit(tomllib.loads((ROOT / "shopify.app.toml").read_text())["application_url"]).netloc
    actions = {m["handle"]: urlsplit(m["config"]["url"]).netloc for m in modules if m["type"].startswith("flow_action")}
    assert actions == {"perks-award-points": application, "perks-move-to-tier": application}
    # The UI extensions call Perks at the app's URL, written once in their shared module.
    assert f"APP_URL = 'https://{application}';" in (ROOT / "extensions/shared/perks.js").read_text()
