"""Who may do what: API keys with scopes (keys), reviewer accounts with roles (users),
sign-in limits (throttle, clients) and browser sessions with CSRF tokens (sessions)."""

from safeguarding.auth.keys import ApiKey, ApiKeys, CreatedKey, Scope

__all__ = ["ApiKey", "ApiKeys", "CreatedKey", "Scope"]
