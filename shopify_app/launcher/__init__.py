"""The shopper's launcher: the storefront JSON behind it (through Shopify's app proxy), its look and texts,
the referral link, and the admin's preview."""
