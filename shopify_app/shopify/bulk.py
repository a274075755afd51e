"""Bulk mutations: one mutation Shopify runs over many lines of variables (a staged JSONL file), one call instead of
one per line; and, for who needs to know which lines landed, their results once the operation has finished."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import requests

from shopify_app.shopify import documents
from shopify_app.shopify.admin_client import AdminClient

# Shopify runs an operation in seconds to minutes; it is polled (its webhook would need a subscription per shop).
POLL_SECONDS = 1.0
WAIT_SECONDS = 600


class BulkOperationFailed(Exception):
    """The operation ended without running its lines (failed, canceled, expired) or did not finish in time."""


def run_mutation(client: AdminClient, mutation: str, lines: list[dict], client_identifier: str) -> str:
    """The mutation named (a document of graphql/) run by Shopify once per line of `lines` (its variables); the
    operation's id. Shopify runs one bulk mutation per shop at a time: a second one is refused (UserErrors)."""
    staged = client.execute(
        "StagedUploadsCreate",
        {
            "input": [
                {
                    "resource": "BULK_MUTATION_VARIABLES",
                    "filename": f"{client_identifier}.jsonl",
                    "mimeType": "text/jsonl",
                    "httpMethod": "POST",
                }
            ]
        },
    )["stagedUploadsCreate"]["stagedTargets"][0]
    form = {p["name"]: p["value"] for p in staged["parameters"]}
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    upload = requests.post(staged["url"], data=form, files={"file": (f"{client_identifier}.jsonl", body)}, timeout=60)
    upload.raise_for_status()
    operation = client.execute(
        "BulkOperationRunMutation",
        {"mutation": documents.load(mutation), "stagedUploadPath": form["key"], "clientIdentifier": client_identifier},
    )["bulkOperationRunMutation"]["bulkOperation"]
    return operation["id"]


def results(
    client: AdminClient,
    operation_id: str,
    *,
    wait: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[int, dict]:
    """Each line's outcome (`{"data": ...}` or `{"errors": [...]}`) by its number from 0, once Shopify has run the
    operation; a line Shopify did not get to is absent."""
    deadline = clock() + WAIT_SECONDS
    while True:
        operation = client.execute("BulkOperation", {"id": operation_id})["bulkOperation"]
        if operation["status"] == "COMPLETED":
            break
        if operation["status"] not in ("CREATED", "RUNNING") or clock() > deadline:
            raise BulkOperationFailed(f"bulk operation {operation_id}: {operation['status']} {operation.get('errorCode') or ''}".strip())
        wait(POLL_SECONDS)
    if not operation["url"]:  # Shopify gives no file for an operation that produced nothing
        return {}
    answer = requests.get(operation["url"], timeout=60)
    answer.raise_for_status()
    outcomes = (json.loads(line) for line in answer.text.splitlines() if line.strip())
    return {outcome["__lineNumber"]: outcome for outcome in outcomes}


def landed(outcome: dict | None, mutation_field: str) -> bool:
    """Whether a line was run and accepted: an outcome with neither GraphQL errors nor the mutation's userErrors."""
    if outcome is None or outcome.get("errors"):
        return False
    return not ((outcome.get("data") or {}).get(mutation_field) or {}).get("userErrors")
