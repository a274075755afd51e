"""Ways to earn beyond a purchase (birthday, review, follow, newsletter, custom actions from a merchant's key or
Shopify Flow), the purchase rule, product and collection multipliers, promotions."""
