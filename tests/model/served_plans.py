"""Tasks for the served-model tests, and PreAuthorizer's plan in the served model's shape."""

from __future__ import annotations

from scopecast.runtime import AuthorizationPlan

TASKS = [
    ("Send an email to Dana about the budget", {"domain": "work"}),
    ("Email Lee the audit notes", {}),
    ("Schedule a meeting with Mira on the roadmap", {"domain": "work"}),
    ("Post the launch update in the team channel for Sam", {"domain": "chat"}),
    ("Pay the hiring invoice from Ola", {"domain": "money"}),
    ("What is on my calendar with Zoe about the offsite?", {"domain": "work"}),
    ("Book a call with Ivan to discuss the budget", {"domain": "work"}),
]


def upfront_by_provider(plan: AuthorizationPlan) -> dict[str, list[str]]:
    """``plan``'s upfront scopes as the served model answers them: sorted, per provider."""
    upfront: dict[str, list[str]] = {}
    for scope in sorted(plan.upfront_scopes):
        upfront.setdefault(scope.split(":", 1)[0], []).append(scope)
    return upfront
