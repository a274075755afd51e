"""The one place the Shopify Admin API version is pinned.

Webhook subscriptions, the GraphQL endpoint, the schema the fake validates
against and the test fixtures all follow this constant.
"""

API_VERSION = "2026-10"
