"""The merchant's figures: the dashboard, the liability forecast and its history."""
