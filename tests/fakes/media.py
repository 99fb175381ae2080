"""A web server on 127.0.0.1 that serves content by path, for URL fetching (HMA's `?url=`
forms), over HTTP or HTTPS: each route is (status, headers, body); requests are recorded
with their Host."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from safeguarding.media.remote import Address, is_public


def loopback_plays_public(address: Address) -> bool:
    """The fake server is on 127.0.0.1: with this rule loopback plays a public host, and
    every other non-public address is still refused."""
    return address == ipaddress.ip_address("127.0.0.1") or is_public(address)


class MediaServer:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.port = 0
        #: send no Content-Length: the body ends when the connection closes (HTTP/1.0)
        self.unsized = False
        self._server: ThreadingHTTPServer | None = None

    def serve(self, path: str, body: bytes, content_type: str = "image/jpeg") -> None:
        self.routes[path] = (200, {"Content-Type": content_type}, body)

    def redirect(self, path: str, location: str) -> None:
        self.routes[path] = (302, {"Location": location}, b"")

    def start(self, tls: ssl.SSLContext | None = None) -> MediaServer:
        """`tls`: serve HTTPS with this server context (its certificate and key)."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("Host", "")))
                status, headers, body = owner.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and not owner.unsized:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
