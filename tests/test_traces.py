"""JSON Lines traces: strict models, errors naming file/line/field, collection, streaming."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

import scopecast
from scopecast import Call, DataValidationError, Trace

GOOD = {"trace_id": "r1", "task": "mail Bob", "calls": [{"tool": "send", "scopes": ["g:send"]}]}


def _write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def _good(i: int) -> dict[str, object]:
    return {**GOOD, "trace_id": f"r{i}"}


def test_needed_and_plan_scopes() -> None:
    trace = Trace.model_validate_json(
        json.dumps(
            {
                **GOOD,
                "plan": [{"tool": "send", "scopes": ["g:send", "g:read"]}],
                "calls": [
                    {"tool": "a", "scopes": ["g:send"]},
                    {"tool": "b", "scopes": ["s:chat:write", "g:send"]},
                ],
            }
        )
    )
    assert trace.needed_scopes == {"g:send", "s:chat:write"}
    assert trace.plan_scopes == {"g:send", "g:read"}
    assert Trace(trace_id="x", task="t", calls=()).plan_scopes is None


def test_one_bad_line_among_good_ones_names_file_line_and_field(tmp_path: Path) -> None:
    bad = {**_good(3), "calls": [{"tool": "send", "scopes": ["g:send", "no-provider"]}]}
    path = _write_lines(tmp_path / "mixed.jsonl", [_good(1), _good(2), bad, _good(4)])
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(path)
    assert len(info.value.issues) == 1
    issue = info.value.issues[0]
    assert (issue.source, issue.line, issue.field) == (str(path), 3, "calls.0.scopes.1")
    assert f"{path}:3: calls.0.scopes.1: expected a scope string 'provider:name'" in str(info.value)
    assert ":1:" not in str(info.value)
    assert ":2:" not in str(info.value)


def test_iter_traces_yields_good_lines_before_raising(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "mixed.jsonl", [_good(1), "{", _good(2)])
    seen: list[str] = []
    with pytest.raises(DataValidationError, match=r"mixed.jsonl:2: Invalid JSON"):
        seen.extend(trace.trace_id for trace in scopecast.iter_traces(path))
    assert seen == ["r1", "r2"]


def test_a_record_cut_short_says_where_on_its_own_line(tmp_path: Path) -> None:
    cut = json.dumps(_good(2))[:20]  # '{"trace_id": "r2", "' : ends inside a string
    path = _write_lines(tmp_path / "cut.jsonl", [_good(1), cut, json.dumps(_good(3))[:-1]])
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(path)
    said = str(info.value)
    # not "control character (\u0000-\u001F) found while parsing a string at line 2 column 0"
    # (the line ending, parsed as part of the record, on a line numbered from the record)
    assert f"{path}:2: Invalid JSON: EOF while parsing a string at column 20" in said
    assert f"{path}:3: Invalid JSON: EOF while parsing an object at column " in said
    assert "control character" not in said
    assert "line 2 column" not in said


def test_all_errors_of_a_file_are_collected_and_capped(tmp_path: Path) -> None:
    lines: list[object] = [{"trace_id": f"r{i}", "task": "", "calls": []} for i in range(80)]
    path = _write_lines(tmp_path / "bad.jsonl", lines)
    with pytest.raises(DataValidationError) as info:
        list(scopecast.iter_traces(path, max_issues=10))
    err = info.value
    assert [i.line for i in err.issues] == list(range(1, 11))
    assert err.n_more == 70
    assert "... and 70 more issue(s) not shown" in str(err)
    assert err.n_records == err.n_bad_records == 80
    assert err.tally == {("task", "expected a non-empty string"): 80}


def test_file_of_other_records_is_summarised(tmp_path: Path) -> None:
    other = {"trace_id": "x", "source": "a.csv", "row": 1, "reason": "aborted"}
    path = _write_lines(
        tmp_path / "other.jsonl", [{**other, "trace_id": f"x{i}"} for i in range(5)]
    )
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(path)
    hint = info.value.hint or ""
    assert "None of the 5 records" in hint
    assert "unknown field(s) source, row, reason" in hint
    assert "lacks task, calls" in hint


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({**GOOD, "extra": 1}, "extra", "unknown field"),
        ({**GOOD, "calls": [{"tool": "t", "scopes": [], "arg": {}}]}, "calls.0.arg", "unknown"),
        ({"trace_id": "r", "calls": []}, "task", "required field is missing"),
        ({**GOOD, "trace_id": 5}, "trace_id", "expected a string"),
        ({**GOOD, "calls": [{"tool": "t", "scopes": "g:send"}]}, "calls.0.scopes", "array"),
        (
            {**GOOD, "calls": [{"tool": "t", "scopes": [], "status": "OK"}]},
            "calls.0.status",
            "one of",
        ),
        ({**GOOD, "calls": [{"tool": "t", "scopes": [], "args": None}]}, "calls.0.args", "null"),
        ({**GOOD, "calls": [{"tool": "t", "scopes": [], "at": "yesterday"}]}, "calls.0.at", "ISO"),
        ({**GOOD, "started_at": None}, "started_at", "null is not allowed"),
        ({**GOOD, "context": {"domain": 1}}, "context.domain", "expected a string"),
        ({**GOOD, "plan": [{"tool": "t"}]}, "plan.0.scopes", "missing"),
        ([GOOD], "", "expected a JSON object"),
        ('"just a string"', "", "expected a JSON object"),
    ],
)
def test_invalid_records_are_rejected_with_field(
    tmp_path: Path, line: object, field: str, message: str
) -> None:
    path = _write_lines(tmp_path / "one.jsonl", [line])
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(path)
    assert [(i.line, i.field) for i in info.value.issues] == [(1, field)]
    assert message in info.value.issues[0].message


def test_nothing_is_coerced(tmp_path: Path) -> None:
    path = _write_lines(
        tmp_path / "coerce.jsonl",
        [{**GOOD, "calls": [{"tool": "t", "scopes": [], "args": {}, "status": "ok"}]}],
    )
    (trace,) = scopecast.read_traces(path)
    assert trace.calls[0].model_fields_set == {"tool", "scopes", "args", "status"}
    path = _write_lines(tmp_path / "int.jsonl", [{**GOOD, "task": 12}])
    with pytest.raises(DataValidationError, match="task: expected a string"):
        scopecast.read_traces(path)


def test_invalid_utf8_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"trace_id": "\xe9"}\n')
    with pytest.raises(DataValidationError, match=r"latin1.jsonl:2: is not valid UTF-8"):
        scopecast.read_traces(path)


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "blank.jsonl", [_good(1), "", "   ", {"trace_id": "x"}])
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(path)
    assert {i.line for i in info.value.issues} == {4}


def test_duplicate_ids_within_and_across_files(tmp_path: Path) -> None:
    one = _write_lines(tmp_path / "one.jsonl", [_good(1), _good(2), _good(1)])
    with pytest.raises(
        DataValidationError, match=r"one.jsonl:3: trace_id: duplicate trace_id \(first on line 1\)"
    ):
        scopecast.read_traces(one)
    two = _write_lines(tmp_path / "two.jsonl", [_good(5), _good(2)])
    three = _write_lines(tmp_path / "three.jsonl", [_good(2)])
    with pytest.raises(
        DataValidationError,
        match=r"three.jsonl:1: trace_id: duplicate trace_id, also in .*two.jsonl \(line 2\)",
    ):
        scopecast.read_traces([two, three])


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="cannot be read"):
        scopecast.read_traces(tmp_path / "nope.jsonl")


def test_write_leaves_out_python_none_optionals(tmp_path: Path) -> None:
    trace = Trace(
        trace_id="x",
        task="t",
        calls=(Call(tool="t", scopes=(), args=None, at=None),),
        started_at=None,
    )
    path = tmp_path / "out.jsonl"
    scopecast.write_traces([trace], path)
    assert path.read_text(encoding="utf-8") == (
        '{"trace_id": "x", "task": "t", "calls": [{"tool": "t", "scopes": []}]}\n'
    )
    assert scopecast.read_traces(path)[0].calls == trace.calls


@pytest.mark.slow
def test_large_file_streams_without_holding_its_text(tmp_path: Path) -> None:
    path = tmp_path / "large.jsonl"
    task = "Send Carlos an email about the Q3 budget review and invite him on Friday " * 3
    with path.open("w", encoding="utf-8") as handle:
        for i in range(200_000):
            record = {
                "trace_id": f"large/{i}",
                "task": task,
                "context": {"domain": "workplace", "agent": "gpt-4o"},
                "calls": [
                    {
                        "tool": "email.send_email",
                        "scopes": ["google:gmail.send"],
                        "args": {"to": "c@x.org"},
                    },
                    {"tool": "calendar.create_event", "scopes": ["google:calendar.events"]},
                ],
            }
            handle.write(json.dumps(record) + "\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for _ in scopecast.iter_traces(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    # The only per-trace state kept is the set of ids seen (for duplicates): far below the text.
    assert peak < size / 3, f"peak {peak} bytes for a {size}-byte file"


def test_a_byte_order_mark_at_the_start_of_a_file_is_skipped(tmp_path: Path) -> None:
    """Some editors write one; it is not JSON, and the first trace must not fail for it."""
    line = json.dumps({"trace_id": "t1", "task": "x", "calls": [{"tool": "a", "scopes": ["p:s"]}]})
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\n" + line.replace("t1", "t2").encode())
    assert [t.trace_id for t in scopecast.read_traces(path)] == ["t1", "t2"]


def test_python_lists_are_taken_for_tuples_and_their_items_still_checked() -> None:
    """``PlanStep(tool=..., scopes=[...])`` as Python code writes it; only the container changes."""
    step = scopecast.PlanStep(tool="email.send", scopes=["google:gmail.send"])
    trace = Trace(
        trace_id="t1",
        task="Email Carlos",
        plan=[step],
        calls=[Call(tool="email.send", scopes=["google:gmail.send"])],
    )
    assert step.scopes == ("google:gmail.send",)
    assert isinstance(trace.calls, tuple)
    assert isinstance(trace.plan, tuple)
    assert trace.needed_scopes == {"google:gmail.send"}
    for scopes in (["nocolon"], [1], "google:gmail.send", {"google:gmail.send"}):
        with pytest.raises(ValueError, match="scopes"):
            Call(tool="t", scopes=scopes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scope", "valid"),
    [
        ("fhir:patient/*.read", True),  # SMART on FHIR
        ("ms:https://graph.microsoft.com/.default", True),
        ("ms:api://hr/payroll.write", True),
        ("github:read:org", True),
        ("g:a b", False),  # RFC 6749: a scope-token holds no space, double quote nor backslash
        ('g:a"b', False),
        ("g:a\\b", False),
        ("g:[red]", False),  # console markup
        ("g:é", False),
        ("g:", False),
        ("g+x:send", False),  # a provider is letters, digits and _.-
    ],
)
def test_a_scope_name_is_an_oauth_scope_token(scope: str, valid: bool) -> None:
    record = {**GOOD, "calls": [{"tool": "t", "scopes": [scope]}]}
    if valid:
        assert Trace.model_validate(record).needed_scopes == {scope}
    else:
        with pytest.raises(ValueError, match="scope"):
            Trace.model_validate(record)


def test_the_readme_format_examples_are_valid(tmp_path: Path) -> None:
    # The README's formats in short (for a checkout without the shared folder's note): its
    # trace, written on one line, and its catalogue are read as they are shown.
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("The formats in short") :]
    trace_text = re.search(r"```json\n(.*?)```", section, re.S)
    catalogue_text = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert trace_text, "the README lost its trace example"
    assert catalogue_text, "the README lost its catalogue example"
    path = _write_lines(tmp_path / "t.jsonl", [json.loads(trace_text.group(1))])
    (trace,) = scopecast.read_traces(path)
    assert trace.plan is not None
    assert trace.calls[-1].tool == trace.plan[0].tool
    (tmp_path / "c.yaml").write_text(catalogue_text.group(1), encoding="utf-8")
    catalogue = scopecast.load_catalogue(tmp_path / "c.yaml")
    assert catalogue.closure({"google:calendar.events"}) >= set(trace.calls[0].scopes)
    assert catalogue.scope("bank:payments.write").jit_only


def test_an_unknown_field_names_the_field_it_is_likely_a_typo_of(tmp_path: Path) -> None:
    call = {"tool": "send", "scopes": ["g:send"]}
    lines = [
        {**GOOD, "calls": [{"tool": "send", "scope": ["g:send"]}]},
        {**GOOD, "trace_id": "r2", "calls": [{**call, "staus": "ok"}]},
        {"trace_id": "r3", "task": "t", "contxt": {}, "calls": []},
        {**GOOD, "trace_id": "r4", "plan": [{"tol": "send", "scopes": []}]},
        {**GOOD, "trace_id": "r5", "source": "x.csv"},  # like no field: no guess
    ]
    with pytest.raises(DataValidationError) as info:
        scopecast.read_traces(_write_lines(tmp_path / "t.jsonl", lines))
    said = {issue.field: issue.message for issue in info.value.issues}
    assert "(a typo of 'scopes'?)" in said["calls.0.scope"]
    assert "(a typo of 'status'?)" in said["calls.0.staus"]
    assert "(a typo of 'context'?)" in said["contxt"]
    assert "(a typo of 'tool'?)" in said["plan.0.tol"]
    assert said["source"].startswith("unknown field: the format does not have it (a typo?)")


def test_an_unknown_catalogue_field_names_the_field_it_is_likely_a_typo_of(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "tools:\n- name: a.b\n  scopes: [a:b]\nscopes:\n- name: a:b\n  jit-only: true\n"
        "  rsik: 0.2\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as info:
        scopecast.load_catalogue(path)
    said = {issue.field: issue.message for issue in info.value.issues}
    assert "(a typo of 'jit_only'?)" in said["scopes.0.jit-only"]
    # and a risk out of range says its range (it was pydantic's 'Input should be ...')
    path.write_text("scopes:\n- name: a:b\n  risk: 7\n- name: a:c\n  risk: -1\n")
    with pytest.raises(DataValidationError) as info:
        scopecast.load_catalogue(path)
    assert [(i.field, i.message) for i in info.value.issues] == [
        (f"scopes.{n}.risk", "expected a number from 0 to 1 (the cost of holding the scope unused)")
        for n in (0, 1)
    ]
    assert "(a typo of 'risk'?)" in said["scopes.0.rsik"]
