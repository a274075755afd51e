"""The plumbing every room uses: configuration, the database and its unit of work, the queue, the runtime,
request contracts and their field types, rate limits, bounds, the shop's calendar."""
