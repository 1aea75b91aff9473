"""ScopeGuard.register checks a tool's name and scopes as the catalogue does.

A scope that is not ``provider:name`` used to be accepted, and then the just-in-time batch,
which re-predicts from the run's calls in the trace format, failed at an interruption with a
pydantic ValidationError: the call was refused, and every later interruption of the run too.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from scopecast import Catalogue, ConfigError
from scopecast.runtime import CallbackAuthorizer, ScopeGuard
from scopecast.scoring import TaskInput
from tests.runtime.conftest import ScriptedConsent


class Likely:
    def predict_scopes(self, inputs: Sequence[TaskInput]) -> list[dict[str, float]]:
        return [{"google:gmail.readonly": 0.5} for _ in inputs]


@pytest.mark.parametrize(
    ("name", "requires"),
    [("legacy.files", ["files"]), ("", ["google:drive.file"]), ("x" * 513, [])],
)
def test_a_tool_the_trace_format_cannot_hold_is_refused_at_registration(
    catalogue: Catalogue, name: str, requires: list[str]
) -> None:
    guard = ScopeGuard(catalogue, store="sqlite://", mode="pausing")
    with pytest.raises(ConfigError, match="register"):
        guard.register(name, requires)
    if name:  # wrap(name="") names the tool after the function
        with pytest.raises(ConfigError, match="register"):
            guard.wrap(lambda: None, name=name, requires=requires)
    guard.close()


def test_a_registered_tool_is_batched_like_a_catalogue_tool(catalogue: Catalogue) -> None:
    user = ScriptedConsent()
    guard = ScopeGuard(
        catalogue, store="sqlite://", authorizer=CallbackAuthorizer(user), scorer=Likely()
    )
    guard.register("drive.list", ["google:drive.readonly"])
    with guard.start("List my files") as run:
        run.check("drive.list")
        run.check("email.search")
    guard.close()
    (request,) = user.requests  # gmail.readonly (p 0.5, risk 0.3) joined the first consent
    assert request.missing == {"google:drive.readonly"}
    assert request.requested == {"google:drive.readonly", "google:gmail.readonly"}
