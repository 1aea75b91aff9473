"""Imports every command module so that each registers itself on the app (one line each)."""

from __future__ import annotations

from scopecast.cli import _train  # noqa: F401
