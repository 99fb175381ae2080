"""An ASGI app (a fake upstream written as Starlette routes) served by uvicorn on 127.0.0.1,
on a port the kernel picks, in a thread: the code under test talks real HTTP to it, through
its own httpx client, sockets, headers, status codes and bodies as they come off the wire.

    with Loopback(fake.app()) as server:
        ... server.url ...
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

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
