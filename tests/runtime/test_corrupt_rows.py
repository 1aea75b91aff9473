"""A malformed stored value (a manual edit, a bad migration) refuses calls with RunStoreError.

Every such row already failed closed (the call was not run), but with whatever the decoding
raised (``JSONDecodeError``, ``TypeError``, pydantic's ``ValidationError``), which code that
handles the guard's refusals (``GuardError``, ``RunStoreError``) does not catch.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scopecast import Catalogue, RunStoreError
from scopecast.runtime import ScopeGuard

CORRUPTIONS = {
    "context": "UPDATE scopecast_runs SET context = '{oops'",
    "grant expiry": "UPDATE scopecast_grants SET expires_at = 'never'",
    "call scopes": "INSERT INTO scopecast_calls VALUES ('r', 0, 'email.search', '\"x\"', 'ok', 1)",
    "call status": "INSERT INTO scopecast_calls VALUES ('r', 0, 'email.search', '[]', 'odd', 1)",
    "lease expiry": "INSERT INTO scopecast_run_leases VALUES ('r', 'h', 'soon')",
}


@pytest.mark.parametrize("sql", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_malformed_row_refuses_the_call_with_a_run_store_error(
    catalogue: Catalogue, tmp_path: Path, sql: str
) -> None:
    path = tmp_path / "runs.db"
    guard = ScopeGuard(catalogue, store=f"sqlite:///{path}", mode="pausing")
    guard.start("Email Carlos", run_id="r", granted=["google:gmail.readonly", "google:gmail.send"])
    guard.release("r")
    with sqlite3.connect(path) as db:
        db.execute(sql)
    for tool in ("email.search", "email.send"):  # both granted: refused all the same
        with pytest.raises(RunStoreError, match="malformed"):
            guard.check(tool, run="r")
    guard.close()
