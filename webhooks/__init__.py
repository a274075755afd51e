"""Shopify webhooks: one endpoint that verifies and records (receive.py, in front of the Flask app), one handler per topic."""
