"""The reviewers' web pages: server-rendered Jinja2, a little plain JavaScript, no build;
mounted by `safeguarding.server`."""

from fastapi import APIRouter

from safeguarding.web import admin, auth, cases, portal
from safeguarding.web.common import HERE

STATIC = HERE / "static"
router = APIRouter()
for _module in (auth, cases, admin):
    router.include_router(_module.router)

__all__ = ["STATIC", "portal", "router"]
