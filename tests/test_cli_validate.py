"""``scopecast validate`` and ``scopecast catalogue derive`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scopecast
import scopecast.cli._commands
from scopecast.cli import app

runner = CliRunner()

GOOD = {"trace_id": "r1", "task": "mail Bob", "calls": [{"tool": "send", "scopes": ["g:send"]}]}


def _lines(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_validate_shared_trace_files_and_catalogues(shared_data: Path) -> None:
    files = sorted(p for p in shared_data.glob("*.jsonl") if "unparsed" not in p.name)
    files += sorted(shared_data.glob("*.catalogue.json"))
    result = runner.invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "3,772" in result.stdout  # workbench_runs_train traces
    assert "11,144" in result.stdout  # and its calls
    assert "Catalogues" in result.stdout
    assert f"All {len(files)} file(s) valid." in result.stdout


def test_validate_reports_a_file_that_is_not_traces(shared_data: Path) -> None:
    # workbench_unparsed.jsonl holds aborted runs (PROVENANCE.md): it is not a trace file.
    good = shared_data / "agentdojo.jsonl"
    bad = shared_data / "workbench_unparsed.jsonl"
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert "97" in result.stdout  # the good file is still summarised
    assert f"{bad}:1: task: required field is missing" in result.stderr
    assert "808 of 808 records invalid" in result.stderr
    assert "Every record has the unknown field(s) source, row, query, reason" in result.stderr
    assert "1 of 2 file(s) invalid" in result.stderr


def test_validate_names_file_line_and_field_and_not_good_lines(tmp_path: Path) -> None:
    bad = {**GOOD, "trace_id": "r2", "calls": [{"tool": "send", "scopes": ["nocolon"]}]}
    path = _lines(tmp_path / "mixed.jsonl", [GOOD, bad, {**GOOD, "trace_id": "r3"}])
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: calls.0.scopes.0: expected a scope string" in result.stderr
    assert f"{path}:1" not in result.stderr
    assert f"{path}:3" not in result.stderr
    assert "1 problem(s), 1 of 3 records invalid" in result.stderr


def test_validate_lists_every_record_when_each_is_bad_in_its_own_way(tmp_path: Path) -> None:
    # Every record invalid, but each differently (a file of one's own traces, typos and
    # all): all the problems are listed, not only the first record's behind a false
    # "--show N lists more", and no "is this the right kind of file?" hint.
    call = {"tool": "send", "scopes": ["g:send"]}
    records = [
        {**GOOD, "calls": [{"tool": "send", "scope": ["g:send"]}]},
        {**GOOD, "trace_id": "r2", "calls": [{**call, "staus": "ok"}]},
        {**GOOD, "trace_id": "r3", "calls": [{**call, "status": "failed"}]},
    ]
    path = _lines(tmp_path / "mine.jsonl", records)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: calls.0.scope: unknown field" in result.stderr
    assert f"{path}:2: calls.0.staus: unknown field" in result.stderr
    assert f"{path}:3: calls.0.status: expected one of" in result.stderr
    assert "more" not in result.stderr
    assert "right kind of file" not in result.stderr


def test_validate_shows_one_record_of_a_file_that_is_not_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "table.jsonl"
    path.write_text("id,task\n1,hello\n2,bye\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--show", "50", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: Invalid JSON" in result.stderr
    assert f"{path}:2" not in result.stderr
    # --show lists no more here: the note does not send the user to it
    assert "... and 2 more on the other records" in result.stderr
    assert "--show" not in result.stderr
    assert "right kind of file? The formats are in README.md" in result.stderr


def test_validate_parquet_and_yaml(tmp_path: Path) -> None:
    parquet = tmp_path / "t.parquet"
    scopecast.write_traces([scopecast.Trace.model_validate_json(json.dumps(GOOD))], parquet)
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("tools:\n- name: send\n  scopes: [g:send]\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(parquet), str(yaml_file)])
    assert result.exit_code == 0, result.output
    assert "t.parquet" in result.stdout
    assert "1 scope(s) are used but not described" in result.stdout


def test_validate_notes_scopes_that_imply_a_jit_only_scope(tmp_path: Path) -> None:
    # Marking the read scope jit_only quietly keeps the write scope that implies it from
    # ever being asked up front: validate says so.
    path = tmp_path / "c.yaml"
    path.write_text(
        "tools:\n- name: cal.create\n  scopes: [g:cal.write]\n"
        "scopes:\n- name: g:cal.write\n  implies: [g:cal.read]\n"
        "- name: g:cal.read\n  jit_only: true\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "1 scope(s) imply a jit_only scope" in said
    assert "never asked before the start either, as if jit_only: g:cal.write." in said


def test_validate_checks_the_traces_tools_against_the_catalogues_given(tmp_path: Path) -> None:
    # Traces and their catalogue both valid, yet a tool misspelt by the log converter, a
    # tool the catalogue lacks and a call needing a scope its entry does not name: train
    # warned only after training, and the guard refuses the tool at run time.
    calls = [
        {"tool": "cal.create", "scopes": ["g:cal.write"]},
        {"tool": "cal.creat", "scopes": ["g:cal.write"]},
        {"tool": "chat.post", "scopes": ["s:chat.write"]},
        {"tool": "cal.list", "scopes": ["g:cal.read", "g:cal.admin"]},
        {"tool": "made.up", "scopes": [], "status": "error"},  # invented: not a catalogue's
    ]
    traces = _lines(tmp_path / "t.jsonl", [{**GOOD, "calls": calls}])
    catalogue = tmp_path / "c.yaml"
    catalogue.write_text(
        "tools:\n- name: cal.create\n  scopes: [g:cal.write]\n"
        "- name: cal.list\n  scopes: [g:cal.read]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(traces), str(catalogue)])
    assert result.exit_code == 0, result.output  # valid files: notes, not errors
    said = " ".join(result.stdout.split())
    assert (
        "note: t.jsonl: 2 tool(s) called are in no catalogue given (c.yaml): cal.creat, chat.post."
        in said
    )
    assert "Misspelt? The catalogue has 'cal.create' for 'cal.creat'." in said
    assert "made.up" not in said
    assert "calls of cal.list need g:cal.admin, which its catalogue entry does not name" in said
    alone = runner.invoke(app, ["validate", str(traces)])  # no catalogue: nothing to compare
    assert "note:" not in alone.stdout


def test_validate_catalogue_cycle_and_unknown_kind(tmp_path: Path) -> None:
    cycle = tmp_path / "cycle.json"
    cycle.write_text(
        json.dumps(
            {"scopes": [{"name": "a:x", "implies": ["a:y"]}, {"name": "a:y", "implies": ["a:x"]}]}
        ),
        encoding="utf-8",
    )
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(cycle), str(other)])
    assert result.exit_code == 1
    assert "cycle: a:x -> a:y -> a:x" in result.stderr
    assert "cannot tell what kind of file" in result.stderr
    said = " ".join(result.stderr.split())
    assert said.count(str(cycle)) == 1  # was "✗ cycle.json: cycle.json: The catalogue's ..."


def test_validate_json_lines_named_json_are_traces(tmp_path: Path) -> None:
    path = _lines(tmp_path / "traces.json", [GOOD, {**GOOD, "trace_id": "r2"}])
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "Trace files" in result.stdout


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "gone.jsonl")])
    assert result.exit_code == 1
    assert "cannot be read" in result.stderr


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_catalogue_derive_merges_and_warns(shared_data: Path, tmp_path: Path, suffix: str) -> None:
    written = tmp_path / "written.json"
    written.write_text(
        json.dumps({"tools": [{"name": "email.send_email", "scopes": ["google:gmail.readonly"]}]}),
        encoding="utf-8",
    )
    out = tmp_path / f"derived{suffix}"
    result = runner.invoke(
        app,
        [
            "catalogue",
            "derive",
            str(shared_data / "workbench_runs_train.jsonl"),
            str(shared_data / "workbench_runs_test.jsonl"),
            "-o",
            str(out),
            "--merge",
            str(written),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "warning: tool 'email.send_email'" in result.stderr
    catalogue = scopecast.load_catalogue(out)
    send = catalogue.tool("email.send_email")
    assert send is not None
    assert send.scopes == ("google:gmail.readonly",)  # the written catalogue wins
    assert catalogue.tool("calendar.create_event") is not None
    assert f"Wrote {out}" in result.stdout
    # Names seen only in failed calls that needed no scope are left out, and said so.
    assert catalogue.tool("analytics.get_metric_data") is None
    note = " ".join(result.stderr.split())
    assert "appear only in failed calls that needed no scope" in note
    assert "analytics.get_metric_data" in note


def test_catalogue_derive_fails_on_bad_traces(tmp_path: Path) -> None:
    bad = _lines(tmp_path / "bad.jsonl", [{"trace_id": "x"}])
    out = tmp_path / "c.json"
    result = runner.invoke(app, ["catalogue", "derive", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert "bad.jsonl:1: task: required field is missing" in result.stderr
    assert not out.exists()


def test_catalogue_derive_does_not_call_a_merged_tool_left_out(tmp_path: Path) -> None:
    # A made-up-looking call (failed, no scope) of a tool the written catalogue has: the
    # written catalogue keeps it, so the note must not say it was left out.
    traces = _lines(
        tmp_path / "t.jsonl",
        [
            GOOD,
            {
                "trace_id": "r2",
                "task": "weather",
                "calls": [{"tool": "weather.today", "scopes": [], "status": "error"}],
            },
        ],
    )
    written = tmp_path / "written.json"
    written.write_text(
        json.dumps({"tools": [{"name": "weather.today", "scopes": []}]}), encoding="utf-8"
    )
    out = tmp_path / "c.json"
    result = runner.invoke(
        app, ["catalogue", "derive", str(traces), "-o", str(out), "--merge", str(written)]
    )
    assert result.exit_code == 0, result.output
    assert scopecast.load_catalogue(out).tool("weather.today") is not None
    assert "left out" not in result.stderr


def test_paths_that_look_like_console_markup_are_printed_as_they_are(tmp_path: Path) -> None:
    """'[/b]' in a path is text, not a closing tag (rich raised MarkupError on it)."""
    folder = tmp_path / "runs[" / "b][red]"  # the path reads .../runs[/b][red]/...
    folder.mkdir(parents=True)
    good = _lines(folder / "good[red].jsonl", [GOOD])
    bad = _lines(folder / "bad.jsonl", [{**GOOD, "calls": [{"tool": "t", "scopes": ["x"]}]}])
    result = runner.invoke(app, ["validate", str(good), str(bad)], terminal_width=400)
    assert result.exit_code == 1
    assert "good[red].jsonl" in result.stdout  # the summary table's file column
    assert f"✗ {bad}: 1 problem(s)" in result.stderr
    missing = folder / "none.jsonl"
    result = runner.invoke(
        app, ["train", str(missing), "--out", str(tmp_path / "m"), "--no-mlflow"]
    )
    assert result.exit_code == 1
    assert str(missing) in result.stderr


def test_scope_names_and_paths_with_emoji_codes_are_printed_as_they_are(tmp_path: Path) -> None:
    """Slack's stars:read is no ':stars:' emoji: 'slack:stars:read' printed as 'slack🌠read'."""
    folder = tmp_path / "a:warning:b"
    folder.mkdir()
    catalogue = folder / "cat.json"
    scope = {"name": "slack:stars:read", "risk": 0.2}
    tool = {"name": "slack.stars", "scopes": ["slack:stars:read"]}
    catalogue.write_text(json.dumps({"tools": [tool], "scopes": [scope, scope]}))
    result = runner.invoke(app, ["validate", str(catalogue)], terminal_width=400)
    assert result.exit_code == 1
    assert "'slack:stars:read' is listed twice" in result.stderr
    assert f"✗ {catalogue}:" in result.stderr


def test_generate_and_catalogue_derive_print_paths_that_look_like_markup(tmp_path: Path) -> None:
    # 'Wrote .../r[/b]/...' raised rich's MarkupError after the file was written
    folder = tmp_path / "r[" / "b]"
    folder.mkdir(parents=True)
    out = folder / "t.jsonl"
    result = runner.invoke(app, ["generate", "--n", "5", "--out", str(out)], terminal_width=400)
    assert result.exit_code == 0, result.output
    assert f"tracesto{out}in" in "".join(result.stdout.split())  # the lines wrap
    made_up = {
        "trace_id": "r2",
        "task": "x",
        "calls": [{"tool": "a[/i]", "scopes": [], "status": "error"}],
    }
    traces = _lines(folder / "u.jsonl", [GOOD, made_up])
    catalogue = folder / "c.json"
    result = runner.invoke(
        app, ["catalogue", "derive", str(traces), "-o", str(catalogue)], terminal_width=400
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote{catalogue}:" in "".join(result.stdout.split())
    assert "leftout:a[/i]." in "".join(result.stderr.split())


def test_a_file_of_unknown_kind_and_unknown_tools_print_names_that_look_like_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scopecast.cli._evaluate import _note_unknown_tools
    from scopecast.traces import Trace

    odd = tmp_path / "notes[" / "b].txt"  # the path reads .../notes[/b].txt
    odd.parent.mkdir()
    odd.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(odd)])
    assert result.exit_code == 1
    assert "cannot tell what kind of file" in result.stderr
    trace = Trace.model_validate({**GOOD, "calls": [{"tool": "x[/i]", "scopes": ["g:a"]}]})
    _note_unknown_tools([trace], scopecast.Catalogue(tools=()))
    assert "x[/i]" in "".join(capsys.readouterr().err.split())
