"""The CLI's output width: 100 columns only when rich would otherwise fall back to 80.

rich measures the terminal on stdin, stdout or stderr, so ``scopecast evaluate | less`` or
``> report.txt`` from a terminal is as wide as that terminal; only with no terminal at all
(a CI log) and no ``COLUMNS`` does it use 80, which cut evaluate's names.
"""

from __future__ import annotations

import io
import os

import pytest

from scopecast.cli import _app


def _terminal_on(*fds: int):  # type: ignore[no-untyped-def]
    def get_terminal_size(fd: int = 1) -> os.terminal_size:
        if fd in fds:
            return os.terminal_size((160, 40))
        raise OSError("not a terminal")

    return get_terminal_size


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)


def test_no_terminal_anywhere_gives_100_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_app.os, "get_terminal_size", _terminal_on())
    assert _app._piped_width(io.StringIO()) == _app.PIPED_WIDTH


def test_a_pipe_from_a_terminal_keeps_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    # stdout piped (`scopecast evaluate | less`), stdin and stderr the terminal
    monkeypatch.setattr(_app.os, "get_terminal_size", _terminal_on(0, 2))
    assert _app._piped_width(io.StringIO()) is None


def test_columns_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_app.os, "get_terminal_size", _terminal_on())
    monkeypatch.setenv("COLUMNS", "132")
    assert _app._piped_width(io.StringIO()) is None


def test_a_closed_stream_does_not_break_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_app.os, "get_terminal_size", _terminal_on())
    closed = io.StringIO()
    closed.close()
    assert _app._piped_width(closed) == _app.PIPED_WIDTH
