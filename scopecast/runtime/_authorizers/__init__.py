"""Authorizers: how a consent request is put to the user (OAuth 2.0 + PKCE, console, callback)."""
