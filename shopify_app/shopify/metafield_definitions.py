"""Definitions for the customer metafields Perks writes, made once at install.

Without a definition a metafield is invisible to merchants: they cannot see it
on the customer, filter the customer list or build segments on it. Keep
``CUSTOMER_METAFIELDS`` in step with what Perks writes (``notifier/channels.py``
and ``platform/tier_sync.py``; tests/test_metafield_definitions.py checks it).
"""

from __future__ import annotations

import logging
from typing import Any

from shopify_app.shopify.admin_client import AdminClient
from shopify_app.shopify.errors import UserErrors

log = logging.getLogger(__name__)
NAMESPACE = "perks"

# Admin filtering exists for some types only; Shopify refuses the capability on the
# others, so it is asked for only where Perks knows it is allowed.
CUSTOMER_METAFIELDS: list[dict[str, Any]] = [
    {"key": "points", "type": "number_integer", "name": "Perks points",
     "description": "Points balance in the Perks loyalty program", "filterable": False},
    {"key": "tier", "type": "single_line_text_field", "name": "Perks tier",
     "description": "VIP tier in the Perks loyalty program", "filterable": True},
]


def definition_input(spec: dict[str, Any]) -> dict[str, Any]:
    definition = {"ownerType": "CUSTOMER", "namespace": NAMESPACE, "key": spec["key"], "type": spec["type"],
                  "name": spec["name"], "description": spec["description"]}
    if spec["filterable"]:
        definition["capabilities"] = {"adminFilterable": {"enabled": True}}
    return definition


def create_customer_metafield_definitions(client: AdminClient) -> list[str]:
    """Create each definition; one that exists already (TAKEN, a reinstall) counts as done.
    Any other refusal is logged and skipped (an install does not hang on it);
    an unreachable or denying Admin API raises. Returns the keys created now."""
    created = []
    for spec in CUSTOMER_METAFIELDS:
        try:
            client.execute("MetafieldDefinitionCreate", {"definition": definition_input(spec)})
        except UserErrors as refusal:
            if set(refusal.codes) != {"TAKEN"}:
                log.warning("metafield definition %s.%s refused: %s", NAMESPACE, spec["key"], refusal)
            continue
        created.append(spec["key"])
    return created
