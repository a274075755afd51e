"""VIP tiers: the ladder, placing members, and the tags and metafields Shopify keeps of a member's tier."""
