"""The common part of PAM's fake JSON web services on 127.0.0.1 (Open-Meteo, Nominatim, OSRM).

A subclass answers like the real service in ``respond``; a test can push scripted replies (an
HTTP error, a malformed body, a slow answer) that are used first, and reads ``requests``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    """One answer: ``body`` is JSON-able, or bytes sent as they are; ``delay`` seconds of silence
    first (a slow or hung service; stopping the fake cuts it short)."""

    status: int = 200
    body: object = None
    delay: float = 0.0


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


class FakeHTTPService:
    """Start with ``start()``, stop with ``stop()``; ``url`` is its base URL."""

    def __init__(self):
        self.scripts: list[Reply] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                request = Request("GET", parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                                  {key.lower(): value for key, value in self.headers.items()})
                with fake._lock:
                    fake.requests.append(request)
                    reply = fake.scripts.pop(0) if fake.scripts else None
                if reply is None:
                    reply = fake.respond(request)
                if reply.delay and fake._stopping.wait(reply.delay):
                    return
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json; charset=utf-8")
                    self.send_header("content-length", str(len(payload)))
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (a timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def respond(self, request: Request) -> Reply:
        return Reply(404, {"error": "not found"})

    def start(self):
        self._thread.start()
        return self

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.scripts.extend(replies)

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
