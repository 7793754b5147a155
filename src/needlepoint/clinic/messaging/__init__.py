"""Messaging: templates, an outbox written in the booking transaction, a worker that delivers it."""
