"""``scopecast train`` and ``scopecast model-metrics`` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scopecast.catalogue import save_catalogue
from scopecast.cli import _commands, app  # noqa: F401  (_commands registers every command)
from scopecast.traces import write_traces

from .conftest import make_catalogue, make_traces


@pytest.mark.slow
def test_cli_train_writes_model_directory(tmp_path):
    traces = tmp_path / "train.jsonl"
    write_traces(make_traces(), traces)
    cat = tmp_path / "catalogue.json"
    save_catalogue(make_catalogue(), cat)
    out = tmp_path / "model"
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(traces),
            "--catalogue",
            str(cat),
            "--out",
            str(out),
            "--no-mlflow",
            "--group-pattern",
            r"/(t-[0-9a-f]{10})/",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Trained on 64 traces" in result.output
    # the conftest corpus: "work" has 5 templates; "chat" 2 and "money" 1, under the default 3
    assert "domain support for 1 domain(s): work." in " ".join(result.output.split())
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["params"]["group_pattern"] == r"/(t-[0-9a-f]{10})/"
    assert "cv_ece" in meta["metrics"]
    # the policy's parameters, chosen by replaying the traces with cross-fitted probabilities
    assert meta["params"]["policy_interruption_scale"] in (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
    assert isinstance(meta["params"]["policy_batching"], bool)
    assert meta["metrics"]["cv_policy_cost_per_task"] >= 0.0
    assert meta["train_files"] == [str(traces.resolve())]

    in_sample = CliRunner().invoke(app, ["model-metrics", str(out), str(traces)])
    assert in_sample.exit_code == 1  # its own training data: in-sample scores overstate it
    assert "overstates it" in " ".join(in_sample.output.split())
    held_out = tmp_path / "held_out.jsonl"
    write_traces(
        [
            t.model_copy(update={"trace_id": "held-out/" + t.trace_id})
            for t in make_traces(2, seed=1)
        ],
        held_out,
    )
    scored = CliRunner().invoke(app, ["model-metrics", str(out), str(held_out)])
    assert scored.exit_code == 0, scored.output
    assert "mean_pr_auc" in scored.output


def test_cli_train_on_empty_file_is_one_red_line(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = CliRunner().invoke(
        app, ["train", str(empty), "--out", str(tmp_path / "m"), "--no-mlflow"]
    )
    assert result.exit_code == 1
    assert "No usable traces" in result.output
    assert "Traceback" not in result.output


def test_cli_train_without_a_catalogue_warns_that_nothing_is_jit_only(tmp_path):
    traces = tmp_path / "train.jsonl"
    write_traces(make_traces(), traces)
    result = CliRunner().invoke(
        app, ["train", str(traces), "--out", str(tmp_path / "m"), "--no-mlflow"]
    )
    assert result.exit_code == 0, result.output
    warning = " ".join(result.stderr.split())
    assert "no --catalogue" in warning
    assert "no scope is jit_only and every risk is the default 0.5" in warning
    with_catalogue = tmp_path / "catalogue.json"
    save_catalogue(make_catalogue(), with_catalogue)
    quiet = CliRunner().invoke(
        app,
        [
            "train",
            str(traces),
            "--catalogue",
            str(with_catalogue),
            "--out",
            str(tmp_path / "m2"),
            "--no-mlflow",
        ],
    )
    assert quiet.exit_code == 0, quiet.output
    assert "no --catalogue" not in quiet.stderr


def test_cli_model_metrics_on_missing_model_fails_clearly(tmp_path):
    traces = tmp_path / "t.jsonl"
    write_traces(make_traces(1), traces)
    result = CliRunner().invoke(app, ["model-metrics", str(tmp_path / "nope"), str(traces)])
    assert result.exit_code == 1
    assert "nope' does not exist" in " ".join(result.output.split())
    # a directory that is not a model's, and a file named instead of the directory
    for path, said in ((tmp_path, "metadata.json is missing"), (traces, "is a file, not a")):
        result = CliRunner().invoke(app, ["model-metrics", str(path), str(traces)])
        assert result.exit_code == 1
        assert said in " ".join(result.output.split())


def _train(args: list[str]) -> str:
    result = CliRunner().invoke(app, ["train", *args, "--no-mlflow"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich wraps long lines


@pytest.mark.slow
def test_cli_train_max_traces_above_the_input_equals_reading_it_all(tmp_path):
    from scopecast.model import load_bundle
    from scopecast.scoring import TaskInput

    traces = make_traces()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_traces(traces[:40], first)
    write_traces(traces[40:], second)
    common = [str(first), str(second), "--group-pattern", r"/(t-[0-9a-f]{10})/"]
    whole = _train([*common, "--out", str(tmp_path / "whole")])
    streamed = _train([*common, "--out", str(tmp_path / "streamed"), "--max-traces", "64"])
    assert "Trained on 64 traces:" in whole
    assert "Trained on 64 traces:" in streamed
    a, b = load_bundle(tmp_path / "whole"), load_bundle(tmp_path / "streamed")
    assert a.metadata["data_hash"] == b.metadata["data_hash"]
    assert a.catalogue == b.catalogue
    inputs = [TaskInput.from_trace(t, k) for t in traces for k in (0, 1)]
    assert a.scorer.predict_scopes(inputs) == b.scorer.predict_scopes(inputs)
    assert a.metadata["params"]["max_traces"] is None
    assert b.metadata["params"]["max_traces"] == 64
    for meta in (a.metadata, b.metadata):
        assert meta["params"]["n_seen"] == meta["params"]["n_fitted"] == 64


@pytest.mark.slow
def test_cli_train_max_traces_fits_a_sample_and_says_so(tmp_path):
    from scopecast.model import read_metadata

    path = tmp_path / "train.jsonl"
    write_traces(make_traces(), path)
    out = tmp_path / "model"
    said = _train([str(path), "--out", str(out), "--max-traces", "30"])
    assert "Trained on 30 traces (a grouped sample of the 64 traces read, --max-traces 30: " in said
    # whole groups (here task templates, more than 30 of them in 64 traces) enter or not
    assert "of more than 30 CV groups; task kinds only in the others are not learnt" in said
    meta = read_metadata(out)
    assert (meta["params"]["n_seen"], meta["params"]["n_fitted"]) == (64, 30)
    assert meta["train_files"] == [str(path.resolve())]


def test_cli_train_max_traces_must_be_positive(tmp_path):
    path = tmp_path / "train.jsonl"
    write_traces(make_traces(1), path)
    result = CliRunner().invoke(
        app, ["train", str(path), "--out", str(tmp_path / "m"), "--no-mlflow", "--max-traces", "0"]
    )
    assert result.exit_code != 0
    assert "max-traces" in result.output


def test_metrics_table_says_n_a_for_a_mean_pr_auc_without_positives():
    # model-metrics on traces whose calls need no scope: no scope has a positive, so the
    # mean PR-AUC is undefined (NaN); the table printed "nan" with no word of why.
    from rich.console import Console

    from scopecast.cli._train import _metrics_table

    console = Console(record=True, width=100)
    console.print(
        _metrics_table("m", {"brier": 0.1, "ece": 0.2, "mean_pr_auc": float("nan"), "n_traces": 5})
    )
    text = console.export_text()
    assert "nan" not in text
    assert "n/a" in text
    assert "no trace needs any scope" in " ".join(text.split())


@pytest.mark.slow
def test_cli_train_warns_when_every_trace_is_one_cv_group(tmp_path):
    # Six runs of one task template: crossval refuses them, train fitted base rates only and
    # printed "grouped cross-validation" metrics of predictions made from no training trace.
    from scopecast.traces import Call, Trace

    traces = tmp_path / "train.jsonl"
    write_traces(
        [
            Trace(
                trace_id=f"run-{i}",
                task=f"send email number {i}",
                calls=(Call(tool="mail", scopes=("g:send",)),)
                + ((Call(tool="chat", scopes=("s:post",)),) if i % 2 else ()),
            )
            for i in range(6)
        ],
        traces,
    )
    result = CliRunner().invoke(
        app, ["train", str(traces), "--out", str(tmp_path / "m"), "--no-mlflow"]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "all 6 training trace(s) are one CV group" in said
    assert "Traceback" not in result.output


def test_cli_train_checks_the_tracking_uri_before_training(tmp_path):
    # An unusable --tracking-uri was found only after the whole training (minutes on a real
    # history): the model directory was written and the run was then not tracked.
    traces = tmp_path / "train.jsonl"
    write_traces(make_traces(), traces)
    out = tmp_path / "m"
    result = CliRunner().invoke(
        app, ["train", str(traces), "--out", str(out), "--tracking-uri", "bogus://nowhere"]
    )
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "bogus://nowhere" in said
    assert "--tracking-uri" in said
    assert "--no-mlflow" in said
    assert "nothing was trained" in said
    assert "Trained on" not in said
    assert "Traceback" not in result.output
    assert not out.exists()


def _train_with_catalogue(tmp_path, catalogue, *extra: str, corpus=None):
    from scopecast.catalogue import Catalogue

    assert isinstance(catalogue, Catalogue)
    traces = tmp_path / "train.jsonl"
    write_traces(make_traces() if corpus is None else corpus, traces)
    path = tmp_path / "catalogue.json"
    save_catalogue(catalogue, path)
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(traces),
            "--catalogue",
            str(path),
            "--out",
            str(tmp_path / "m"),
            "--no-mlflow",
            *list(extra),
        ],
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.stderr.split())


@pytest.mark.parametrize("extra", [(), ("--max-traces", "100")])
def test_cli_train_warns_of_tools_the_written_catalogue_lacks_or_contradicts(tmp_path, extra):
    # `train --catalogue` merged the written catalogue with the calls' and said nothing: the
    # conflicts (printed by `catalogue derive`) were dropped, and a tool the catalogue lacks
    # got its scopes from the calls, at the default risk and never jit_only.
    from scopecast.catalogue import Catalogue, ToolSpec

    written = make_catalogue()
    tools = [t for t in written.tools if t.name != "bank.pay"]
    tools = [
        ToolSpec(name=t.name, scopes=("google:gmail.modify",), description=t.description)
        if t.name == "email.send"
        else t
        for t in tools
    ]
    said = _train_with_catalogue(
        tmp_path, Catalogue(tools=tuple(tools), scopes=written.scopes), *extra
    )
    assert "tool 'email.send': the written catalogue says ['google:gmail.modify']" in said
    assert "1 tool(s) called in the traces are not in the --catalogue" in said
    assert "bank.pay" in said
    assert "default risk 0.5" in said
    assert "misspelt" not in said  # the catalogue has no name like bank.pay


def test_cli_train_names_a_catalogue_tool_spelt_like_one_it_lacks(tmp_path):
    from scopecast.catalogue import Catalogue, ToolSpec

    written = make_catalogue()
    tools = tuple(
        ToolSpec(name="bank.pays", scopes=t.scopes) if t.name == "bank.pay" else t
        for t in written.tools
    )
    said = _train_with_catalogue(tmp_path, Catalogue(tools=tools, scopes=written.scopes))
    assert "are not in the --catalogue" in said
    assert "The catalogue has 'bank.pays' for 'bank.pay', which no trace calls" in said


@pytest.mark.parametrize("extra", [(), ("--max-traces", "100")])
def test_cli_train_notes_jit_only_scopes_the_traces_plans_name(tmp_path, extra):
    # A catalogue marking jit_only a scope the agent plans to use from the start (a read
    # scope marked by mistake) trained without a word: the scope, and the one implying it,
    # could never be asked up front.
    from scopecast.catalogue import Catalogue, ScopeSpec
    from scopecast.traces import PlanStep

    corpus = [
        trace.model_copy(
            update={"plan": tuple(PlanStep(tool=c.tool, scopes=c.scopes) for c in trace.calls)}
        )
        if i % 2
        else trace
        for i, trace in enumerate(make_traces())
    ]
    written = make_catalogue()
    scopes = (
        *written.scopes,
        ScopeSpec(name="google:calendar.events", implies=("google:calendar.events.readonly",)),
        ScopeSpec(name="google:calendar.events.readonly", jit_only=True),
    )
    said = _train_with_catalogue(
        tmp_path, Catalogue(tools=written.tools, scopes=scopes), *extra, corpus=corpus
    )
    n_plans = len(corpus) // 2
    searched = sum(
        1 for t in corpus if t.plan and "google:calendar.events.readonly" in t.plan_scopes
    )
    assert "note: the traces' plans name jit_only scope(s):" in said
    assert f"google:calendar.events.readonly ({searched} of {n_plans} plans)" in said
    assert "google:calendar.events (" in said
    assert "it implies a jit_only scope" in said
    assert "bank:payments.write (" in said  # planned too: named, the user judges
    # without plans naming them, nothing is said
    (tmp_path / "plain").mkdir()
    plain = _train_with_catalogue(tmp_path / "plain", make_catalogue(), *extra)
    assert "plans name jit_only" not in plain


def test_cli_train_warns_when_the_catalogue_names_none_of_the_tools(tmp_path):
    from scopecast.catalogue import Catalogue, ScopeSpec, ToolSpec

    other = Catalogue(
        tools=(ToolSpec(name="crm.lookup", scopes=("crm:read",)),),
        scopes=(ScopeSpec(name="crm:read", risk=0.3),),
    )
    said = _train_with_catalogue(tmp_path, other)
    assert "names none of the 6 tools called in the traces" in said
    assert "catalogue of other tools" in said


@pytest.mark.parametrize(
    ("option", "value"),
    [("--register-name", "team/scopes"), ("--register-name", " "), ("--experiment", "")],
)
def test_cli_train_checks_the_mlflow_names_before_training(tmp_path, option, value):
    # A registered-model name MLflow refuses ('/' or ':') or an empty experiment name was
    # found after the training, and the message said to check --tracking-uri.
    traces = tmp_path / "train.jsonl"
    write_traces(make_traces(), traces)
    out = tmp_path / "m"
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = CliRunner().invoke(
        app, ["train", str(traces), "--out", str(out), "--tracking-uri", uri, option, value]
    )
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"Check {option}" in said
    assert "nothing was trained" in said
    assert "Trained on" not in said
    assert not out.exists()


@pytest.mark.slow
def test_cli_train_refuses_a_deleted_experiment_before_training(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    client.delete_experiment(client.create_experiment("gone"))
    traces = tmp_path / "train.jsonl"
    write_traces(make_traces(), traces)
    out = tmp_path / "m"
    result = CliRunner().invoke(
        app,
        ["train", str(traces), "--out", str(out), "--tracking-uri", uri, "--experiment", "gone"],
    )
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "'gone'" in said
    assert "was deleted" in said
    assert "mlflow experiments restore" in said
    assert not out.exists()


def test_cli_train_prints_paths_and_tool_names_that_look_like_markup(tmp_path):
    # 'Saved to m[/b]' raised rich's MarkupError after the model was written (exit 1, a
    # traceback); so did a --catalogue path or a missing tool named so in the warnings
    folder = tmp_path / "runs[" / "b]"
    folder.mkdir(parents=True)
    traces = folder / "train.jsonl"
    extra = make_traces()[0].model_copy(update={"trace_id": "x[/i]"})
    calls = tuple(c.model_copy(update={"tool": "made.up[/i]"}) for c in extra.calls)
    write_traces([*make_traces(), extra.model_copy(update={"calls": calls})], traces)
    catalogue = folder / "catalogue.json"
    save_catalogue(make_catalogue(), catalogue)
    out = folder / "m"
    result = CliRunner().invoke(
        app,
        ["train", str(traces), "--catalogue", str(catalogue), "--out", str(out), "--no-mlflow"],
        terminal_width=400,
    )
    assert result.exit_code == 0, result.output
    stdout, stderr = ("".join(text.split()) for text in (result.stdout, result.stderr))
    assert f"Savedto{out}." in stdout  # whitespace left out: the lines wrap
    assert "made.up[/i]" in stderr
    assert f"--catalogue{catalogue}:" in stderr
