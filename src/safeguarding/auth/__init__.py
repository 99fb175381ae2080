"""API keys with scopes: who may call what."""

from safeguarding.auth.keys import SCOPES, ApiKey, ApiKeys, CreatedKey

__all__ = ["SCOPES", "ApiKey", "ApiKeys", "CreatedKey"]
