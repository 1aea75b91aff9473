"""A run paused at its first call, for the tests of what may answer it."""

from __future__ import annotations

import pytest

from scopecast import AuthorizationRequired
from scopecast.runtime import ScopeGuard


def paused_at(guard: ScopeGuard, tool: str, task: str = "Task") -> AuthorizationRequired:
    """Start a run of ``task`` on a pausing ``guard`` and return the pause of its call of ``tool``."""
    with pytest.raises(AuthorizationRequired) as paused, guard.start(task) as run:
        run.check(tool)
    assert paused.value.run_id == run.run_id
    assert paused.value.request_id is not None
    return paused.value
