"""Delivery: the outbox worker and the rendering of what it sends (reminders, notices, digests)."""
