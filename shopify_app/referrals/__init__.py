"""Referrals: a member's link, the friend's welcome code, and the referrer's reward once the friend's order holds."""
