"""The API's documentation pages, /docs (Swagger UI) and /redoc, from packaged assets.

FastAPI's own pages load Swagger UI, ReDoc, a favicon and Google's fonts from CDNs: blank
on a machine without internet, and each visit tells a third party that someone here is
reading the docs. The assets come from the fastapi-offline package instead (Swagger UI and
ReDoc's release bundles, MIT; we use its files, not its FastAPI subclass), served by us, and
the pages' Content-Security-Policy allows this origin only, so a default that reaches out
cannot creep back unnoticed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from safeguarding.errors import NotFoundError

router = APIRouter(include_in_schema=False)
ASSETS = "/docs/assets"
#: the files served, by the name in their URL
FILES = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "application/javascript",
    "favicon.png": "image/png",
}
#: inline: the pages' start-up scripts and ReDoc's styles; blob: ReDoc's search worker
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


@cache
def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def _secured(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/docs")
async def swagger(request: Request) -> HTMLResponse:
    return _secured(
        get_swagger_ui_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            # the validator badge would send the spec's URL to validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return _secured(
        get_redoc_html(
            openapi_url=request.app.openapi_url,
            title=f"{request.app.title} API",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
    )


@router.get(ASSETS + "/{name}")
async def asset(name: Annotated[str, PathParam(max_length=40)]) -> FileResponse:
    media_type = FILES.get(name)
    if media_type is None:
        raise NotFoundError(f"no documentation asset {name[:40]!r}")
    return FileResponse(
        assets_dir() / name,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
