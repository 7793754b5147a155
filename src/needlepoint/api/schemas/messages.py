"""The outbox: messages planned, sent or failed, with their delivery attempts."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class AttemptOut(Schema):
    attempt: int
    ok: bool
    error: str
    at: datetime


class MessageOut(Schema):
    id: int
    client_id: int | None  # blank for mail to a non-client (a staff invitation)
    appointment_id: int | None
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    due_at: datetime
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str
    attempt_log: list[AttemptOut]
