"""Shopify webhooks: one endpoint that verifies and records, one handler per topic."""

from webhooks.receive import bp

__all__ = ["bp"]
