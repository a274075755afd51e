"""What points buy: the reward catalogue, redemptions (a discount code or store credit issued exactly once),
codes that expire, and how rewards are shown."""
