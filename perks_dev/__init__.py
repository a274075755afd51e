"""Development tooling, never imported by the product (shopify_app, webhooks, admin_ui).

`make run` and the tests use it: the fake Admin API, the demo storefront and the
admin's demo tokens, the mail sink, the embedded PostgreSQL, and Shopify-shaped payloads.
"""
