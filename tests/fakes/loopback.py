"""An ASGI app (a fake upstream written as Starlette routes) served by uvicorn on 127.0.0.1,
on a port the kernel picks, in a thread: the code under test talks real HTTP to it, through
its own httpx client, sockets, headers, status codes and bodies as they come off the wire.

    with Loopback(fake.app()) as server:
        ... server.url ...
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

START_SECONDS = 10.0


class Loopback:
    def __init__(self, app: ASGIApp) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        # uvicorn leaves signal handlers alone off the main thread
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="loopback", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Loopback:
        self.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.005)
        (listener,) = self.server.servers
        self.port = int(listener.sockets[0].getsockname()[1])
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(START_SECONDS)


def handler_app(handle: Callable[[httpx.Request], httpx.Response]) -> ASGIApp:
    """An httpx handler served as an ASGI app: each request rebuilt as an httpx.Request
    (method, URL as the client sent it, headers, body), the handler's answer sent back."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        host = dict(headers).get("host", "127.0.0.1")
        query = scope["query_string"].decode("latin-1")
        url = f"http://{host}{scope['path']}" + (f"?{query}" if query else "")
        answer = handle(httpx.Request(scope["method"], url, headers=headers, content=body))
        content = answer.read()
        sent = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding")
        ]
        sent.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": answer.status_code, "headers": sent})
        await send({"type": "http.response.body", "body": content})

    return app
