"""A platform's webhook endpoint on 127.0.0.1, built on the receiver helper we ship: it
rejects bad signatures and drops redeliveries by idempotency key. It can be stopped and
started again on the same port to play a receiver that is down for a while."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from safeguarding.delivery.receiver import SignatureError, WebhookReceiver


class ReceiverServer:
    def __init__(self, secret: str, port: int = 0) -> None:
        self.receiver = WebhookReceiver(secret)
        self.events: list[dict[str, Any]] = []  # each processed once, in arrival order
        self.requests = 0
        self.rejected = 0
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> ReceiverServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner._lock:
                    owner.requests += 1
                    try:
                        event = owner.receiver.receive(dict(self.headers.items()), body)
                    except SignatureError:
                        owner.rejected += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                    if event is not None:
                        owner.events.append(event)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
