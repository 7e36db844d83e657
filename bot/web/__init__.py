"""The service's one small HTTP server and what it serves (webhooks, signed file links)."""
