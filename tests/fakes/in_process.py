"""One Safeguarding instance fetching from another in the same test, without sockets: an
httpx client whose requests are answered by the other instance's FastAPI TestClient
(feeds, feed outcomes). Fakes of other upstreams run on 127.0.0.1 instead
(tests/fakes/loopback.py)."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient


def client_to(server: TestClient) -> httpx.Client:
    """An httpx client that sends each request to `server` and hands its answer back."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = server.request(
            request.method,
            request.url.path,
            params=dict(request.url.params),
            headers=dict(request.headers),
            content=request.read(),
        )
        # the body is handed over whole: its length header would describe the wire's
        headers = {k: v for k, v in answer.headers.items() if k != "content-length"}
        return httpx.Response(
            answer.status_code, stream=httpx.ByteStream(answer.content), headers=headers
        )

    return httpx.Client(transport=httpx.MockTransport(forward))
