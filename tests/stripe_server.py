"""localstripe on a free loopback port, for tests that drive the real ``stripe`` SDK.

Run as ``python -m tests.stripe_server`` the module serves localstripe's own aiohttp app with two
small additions in front of it (where localstripe falls short of Stripe):

- **idempotency keys** (localstripe ignores them): a POST with an ``Idempotency-Key`` already seen
  for the same API key gets the first answer again (``Idempotent-Replayed: true``), as Stripe
  does — so a repeated PaymentIntent create returns the PaymentIntent already made;
- **faults**, set by a test through ``POST /_test/faults``: answer the next matching request
  with a given error (e.g. a 402 ``expired_card`` decline, which localstripe cannot produce),
  a 500 before or after doing the work, or a reply that never comes in time (the work is done,
  the answer is lost: a timeout after the charge).

Its store is never written to disk (localstripe pickles it to /tmp on every write, shared by
every process on the machine). ``DELETE /_test/state`` forgets everything between tests.

The pytest fixtures ``stripe_server`` (one server per session) and ``stripe_api`` (per test:
state reset, settings pointed at it, short timeouts, no SDK retries) live here too.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


# -- the server process ------------------------------------------------------------------------
def serve() -> None:  # pragma: no cover - runs in the child process
    from aiohttp import web
    from localstripe import resources, server

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    app = server.app
    replies: dict[tuple[str, str], tuple[int, bytes]] = {}
    faults: list[dict[str, Any]] = []

    def take_fault(request: web.Request) -> dict[str, Any] | None:
        for f in faults:
            if f.get("method", "POST") == request.method and request.path.startswith(f["path"]):
                f["times"] = f.get("times", 1) - 1
                if f["times"] <= 0:
                    faults.remove(f)
                return f
        return None

    def stripe_error(status: int, body: dict[str, Any] | None = None) -> web.Response:
        body = body or {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
        return web.json_response(body, status=status)

    @web.middleware
    async def front(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/_test/faults":
            if request.method == "DELETE":
                faults.clear()
            else:
                faults.append(await request.json())
            return web.json_response({"faults": len(faults)})
        if request.path == "/_test/state":
            faults.clear()
            replies.clear()
            resources.store.clear()
            return web.json_response({})
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        cache_key = (request.headers.get("Authorization", ""), key or "")
        if key and cache_key in replies:
            status, body = replies[cache_key]
            return web.Response(
                status=status,
                body=body,
                content_type="application/json",
                headers={"Idempotent-Replayed": "true", "Idempotency-Key": key},
            )
        fault = take_fault(request)
        kind = fault["kind"] if fault else ""
        if kind == "500_before":
            return stripe_error(500)
        if kind == "error":
            response: web.StreamResponse = stripe_error(int(fault["status"]), fault.get("body"))  # type: ignore[index]
        else:
            response = await handler(request)
        if key and response.status < 500 and isinstance(response, web.Response) and response.body is not None:
            replies[cache_key] = (response.status, bytes(response.body))  # type: ignore[arg-type]
        if kind == "timeout_after":
            await asyncio.sleep(float(fault.get("seconds", 30)))  # type: ignore[union-attr]
        if kind == "500_after":
            return stripe_error(500)
        return response

    app.middlewares.insert(0, front)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until the app runs: none is refused
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)


# -- the test side -----------------------------------------------------------------------------
@dataclass
class StripeServer:
    base: str
    process: subprocess.Popen[str]

    def reset(self) -> None:
        requests.delete(f"{self.base}/_test/state", timeout=5).raise_for_status()

    def fault(self, path: str, kind: str, *, method: str = "POST", times: int = 1, **extra: object) -> None:
        """The next `times` requests `method path…` get `kind`: error (status, body), 500_before,
        500_after, timeout_after (seconds)."""
        spec = {"path": path, "kind": kind, "method": method, "times": times, **extra}
        requests.post(f"{self.base}/_test/faults", data=json.dumps(spec), timeout=5).raise_for_status()

    def get(self, path: str, **params: object) -> Any:
        r = requests.get(f"{self.base}{path}", params=params, auth=("sk_test_inspect", ""), timeout=5)
        r.raise_for_status()
        return r.json()


def start() -> StripeServer:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_server"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"localstripe did not start: {line!r}")
    port = int(line.split()[1])
    deadline = time.monotonic() + 15
    while True:  # the app answers once it runs (a loaded machine can take seconds)
        try:
            requests.get(f"http://127.0.0.1:{port}/_test/ping", timeout=2)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("localstripe did not answer") from None
            time.sleep(0.1)
    return StripeServer(f"http://127.0.0.1:{port}", proc)


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[StripeServer]:
    server = start()
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture
def stripe_api(stripe_server: StripeServer, settings: Any) -> StripeServer:
    """A clean localstripe for this test; the SDK talks to it, gives up after 2 s, no retries."""
    stripe_server.reset()
    settings.NEEDLEPOINT_STRIPE_API_BASE = stripe_server.base
    settings.NEEDLEPOINT_STRIPE_TIMEOUT = 2.0
    settings.NEEDLEPOINT_STRIPE_RETRIES = 0
    return stripe_server


if __name__ == "__main__":
    serve()
