"""A misplaced secret in a trace or catalogue file is never quoted back by an error message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scopecast import read_traces
from scopecast._issues import short_repr
from scopecast.exceptions import DataValidationError

SECRETS = [
    "ya29.A0SECRETTOKENVALUE1234567890",  # a Google access token
    "Bearer abc.def.ghi",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "xoxb-1234-5678-abcdef",
    "sk-proj-abcdefghijklmnop",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
    "q8Zx3vL0pT7mW2nB5cR9yK4hJ6gF1dS0aE",  # 34 letters and digits: a key, probably
]


def _trace(**changes: object) -> dict[str, object]:
    trace: dict[str, object] = {
        "trace_id": "t-1",
        "task": "Email the report",
        "context": {"domain": "email"},
        "calls": [{"tool": "email.send", "scopes": ["google:gmail.send"]}],
    }
    trace.update(changes)
    return trace


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize(
    "where",
    [
        lambda s: {"context": {"token": {"access_token": s}}},
        lambda s: {"calls": [{"tool": "email.send", "scopes": ["google:gmail.send"], "args": s}]},
        lambda s: {"calls": [{"tool": "email.send", "scopes": [s]}]},
        lambda s: {"calls": [{"tool": "email.send", "scopes": ["google:gmail.send"], "at": s}]},
        lambda s: {"calls": [{"tool": "email.send", "scopes": ["a:b"], "status": s}]},
        lambda s: {"plan": s},
        lambda s: {"task": {"api_key": s}},
    ],
)
def test_an_error_names_the_field_but_never_quotes_a_secret(
    tmp_path: Path, secret: str, where: object
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(_trace(**where(secret))) + "\n", encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(DataValidationError) as info:
        read_traces(path)
    message = str(info.value)
    assert "t.jsonl:1" in message
    assert "not shown: it may hold a secret" in message
    for part in (secret, secret[8:24]):
        assert part not in message


def test_ordinary_values_are_still_quoted() -> None:
    assert short_repr("done") == "'done'"
    assert short_repr("google gmail.send") == "'google gmail.send'"
    assert short_repr("2026-13-45") == "'2026-13-45'"
    assert short_repr(["a", 1]) == "['a', 1]"
    assert short_repr("workbench/analytics/claude-2_all/t-1699b3ee9f/000").startswith("'work")
    assert short_repr("x" * 200).endswith("...")
    assert short_repr({"password": "hunter2"}) == (
        "a JSON object of 1 field(s), not shown: it may hold a secret"
    )
