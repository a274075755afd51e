"""Members, their points and their orders: the append-only ledger, earning on a paid order, refunds and
cancellations, guests' pending points, expiry, manual adjustments, imports and exports."""
