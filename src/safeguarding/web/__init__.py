"""The reviewers' web pages: server-rendered Jinja2, a little plain JavaScript, no build;
mounted by `safeguarding.server`."""

from fastapi import APIRouter

from safeguarding.web import admin, auth, cases, docs, insights, portal, review, settings
from safeguarding.web.common import HERE

STATIC = HERE / "static"
router = APIRouter()
# docs: /docs and /redoc from packaged assets (the server turns FastAPI's CDN pages off)
for _module in (auth, cases, review, settings, insights, admin, docs):
    router.include_router(_module.router)

__all__ = ["STATIC", "portal", "router"]
