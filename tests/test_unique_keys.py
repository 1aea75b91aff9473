"""A repeated key in a JSON or YAML object is an error of the file, never a silent last-wins."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast import DataValidationError
from scopecast._unique_keys import DuplicateKeyError, find_repeated_key, loads_unique
from scopecast.catalogue import load_catalogue
from scopecast.features import TaskFeaturizer
from scopecast.trace_tables import traces_from_dataframe
from scopecast.traces import read_traces

GOOD_CALL = '{"tool": "send_email", "scopes": ["google:gmail.send"], "args": {"to": "a"}}'


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (
            '{"trace_id": "t1", "task": "read my mail", "task": "wire $900", "calls": []}',
            "task",
        ),
        (
            '{"trace_id": "t1", "task": "x", "calls": [{"tool": "a", "tool": "b", "scopes": []}]}',
            "tool",
        ),
        (
            '{"trace_id": "t1", "task": "x", "calls": [{"tool": "a", "scopes": ["p:s"], '
            '"args": {"to": "bob", "to": "eve"}}]}',
            "to",
        ),
        (
            '{"trace_id": "t1", "task": "x", "context": {"domain": "a", "domain": "b"}, "calls": []}',
            "domain",
        ),
    ],
)
def test_a_trace_line_repeating_a_key_is_refused_naming_line_and_key(
    tmp_path: Path, line: str, key: str
) -> None:
    good = '{"trace_id": "t0", "task": "x", "calls": [' + GOOD_CALL + "]}"
    path = _write(tmp_path / "traces.jsonl", good + "\n" + line + "\n")
    with pytest.raises(DataValidationError) as raised:
        read_traces(path)
    (issue,) = raised.value.issues
    assert issue.line == 2
    assert f"repeats the key {key!r}" in issue.message
    assert "keep one" in issue.message


def test_the_same_key_in_different_objects_is_fine(tmp_path: Path) -> None:
    line = '{"trace_id": "t0", "task": "x", "calls": [' + GOOD_CALL + ", " + GOOD_CALL + "]}"
    (trace,) = read_traces(_write(tmp_path / "traces.jsonl", line + "\n"))
    assert len(trace.calls) == 2


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        (
            "catalogue.json",
            '{"scopes": [{"name": "bank:pay", "risk": 1, "jit_only": true, "jit_only": false}]}',
            "",
        ),
        (
            "catalogue.yaml",
            "scopes:\n  - name: bank:pay\n    risk: 1\n    jit_only: true\n    jit_only: false\n",
            "(line 5, column 5)",
        ),
    ],
)
def test_a_catalogue_repeating_a_key_is_refused(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    with pytest.raises(DataValidationError) as raised:
        load_catalogue(_write(tmp_path / name, text))
    message = str(raised.value)
    assert "repeats the key 'jit_only'" in message
    assert where in message
    assert "rename it to .yaml" not in message  # not mistaken for YAML named .json


def test_a_yaml_catalogue_without_repeats_still_loads(tmp_path: Path) -> None:
    text = "scopes:\n  - name: bank:pay\n    risk: 1\n    jit_only: true\n  - name: bank:read\n    risk: 0.2\n"
    catalogue = load_catalogue(_write(tmp_path / "catalogue.yaml", text))
    assert catalogue.is_jit_only("bank:pay")
    assert not catalogue.is_jit_only("bank:read")


def test_a_dataframe_json_cell_repeating_a_key_is_refused() -> None:
    frame = pd.DataFrame(
        {"task": ["send it"], "context": ['{"domain": "email", "domain": "bank"}']}
    )
    with pytest.raises(DataValidationError, match=r"repeats the key 'domain'"):
        TaskFeaturizer().fit(frame)


def test_a_table_row_whose_args_text_repeats_a_key_is_refused() -> None:
    frame = pd.DataFrame(
        {
            "trace_id": ["t1"],
            "task": ["x"],
            "calls": [[{"tool": "a", "scopes": ["p:s"], "args": '{"to": "bob", "to": "eve"}'}]],
        }
    )
    with pytest.raises(DataValidationError, match=r"calls\.0\.args.*repeats the key 'to'"):
        traces_from_dataframe(frame)


def test_a_repeated_key_that_looks_like_a_secret_is_not_shown() -> None:
    token = "ya29.a0AfH6SMBx" + "q" * 40
    found = find_repeated_key('{"' + token + '": 1, "' + token + '": 2}')
    assert isinstance(found, DuplicateKeyError)
    assert token not in str(found)
    assert "not shown: it may hold a secret" in str(found)


def test_find_repeated_key_leaves_invalid_json_to_the_parser() -> None:
    assert find_repeated_key('{"a": 1,') is None
    assert find_repeated_key('{"a": {"b": 1}, "c": {"b": 2}}') is None
    found = find_repeated_key('[{"a": 1}, {"b": 1, "b": 2}]')
    assert isinstance(found, DuplicateKeyError)
    assert found.key == "b"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_any_json_without_repeats_reads_as_json_loads_reads_it(value: object) -> None:
    text = json.dumps(value)
    assert loads_unique(text) == json.loads(text)
