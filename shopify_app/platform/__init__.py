"""Being a Shopify app: install, who is calling, tokens, the Admin API, reconciliation."""
