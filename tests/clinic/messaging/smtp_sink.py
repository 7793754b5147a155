"""An in-process SMTP server (aiosmtpd) that records what it receives; used by tests and bench."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Callable
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recorder:
    """Keeps every accepted message; `reply` may refuse some (return an SMTP status line)."""

    def __init__(self, reply: Callable[[int], str | None] | None = None, parse: bool = True) -> None:
        self.messages: list[Message] = []
        self.ids: list[str] = []
        self.calls = 0
        self.reply = reply
        self.parse = parse
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.calls += 1
            refusal = self.reply(self.calls) if self.reply else None
            if refusal:
                return refusal
            raw: bytes = envelope.original_content or envelope.content
            if self.parse:
                msg = email.message_from_bytes(raw)
                self.messages.append(msg)
                self.ids.append(str(msg["Message-ID"]))
            else:  # fast path for the bench: just find the Message-ID line
                start = raw.find(b"Message-ID: ")
                self.ids.append(raw[start + 12 : raw.find(b"\r\n", start)].decode())
        return "250 OK"


def start_sink(recorder: Recorder, port: int | None = None) -> tuple[Controller, int]:
    port = port or free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def serve_until_terminated(port: int, out: str) -> None:
    """`python -m tests.clinic.messaging.smtp_sink PORT FILE`: a sink in its own process (the bench runs
    one per worker so the sink is not the bottleneck); writes the Message-IDs to FILE on SIGTERM."""
    import signal

    recorder = Recorder(parse=False)
    controller, _ = start_sink(recorder, port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    with open(out, "w") as f:
        f.write("\n".join(recorder.ids))


if __name__ == "__main__":
    import sys

    serve_until_terminated(int(sys.argv[1]), sys.argv[2])
