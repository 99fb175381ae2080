"""The HTTP API (FastAPI): a thin shell over `safeguarding.engine.Engine`."""

from safeguarding.api.app import create_app

__all__ = ["create_app"]
