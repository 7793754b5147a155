"""A real HTTP server in a thread that records webhook requests and answers from a script."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    # Each request pops the next action: an HTTP status, or ("sleep", seconds) then 200.
    script: list[int | tuple[str, float]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        return [r.headers["Needlepoint-Delivery"] for r in self.requests]


@contextmanager
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with rec.lock:
                rec.requests.append(Received(self.path, dict(self.headers.items()), body))
                action = rec.script.pop(0) if rec.script else 200
            if isinstance(action, tuple):
                time.sleep(action[1])
                action = 200
            try:
                self.send_response(action)
                self.end_headers()
                self.wfile.write(b"ok" if action < 300 else b"nope")
            except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/needlepoint"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
