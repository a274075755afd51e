"""The shop and the platform: installing (session tokens, token exchange, stored tokens), who is calling
(session token, app proxy, API keys), the change log, privacy requests and retention."""
