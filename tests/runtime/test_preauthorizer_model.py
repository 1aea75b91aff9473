"""PreAuthorizer and ``scopecast plan`` on a real model directory trained on bundled traces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scopecast.cli._commands  # noqa: F401  (registers every command)
from scopecast import read_traces
from scopecast.cli._app import app
from scopecast.defaults import BUNDLED_TEST, BUNDLED_TRAIN, bundled_file
from scopecast.exceptions import ConfigError, ModelUnavailableWarning
from scopecast.generator import default_catalogue
from scopecast.runtime import PreAuthorizer, load_compact

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scopecast.model import ScopePredictor, train_to_directory

    out = tmp_path_factory.mktemp("model") / "small"
    traces = read_traces(bundled_file(BUNDLED_TRAIN))[:200]
    small = ScopePredictor(C=1.0, cv=2, random_state=0)
    train_to_directory(traces, out, default_catalogue(), predictor=small)
    return out


def test_preauthorizer_plans_from_a_model_directory(model_dir: Path) -> None:
    catalogue = default_catalogue()
    pre = PreAuthorizer(model_dir)
    assert not pre.is_degraded
    planned = 0
    for trace in read_traces(bundled_file(BUNDLED_TEST))[:40]:
        plan = pre.plan(trace.task, trace.context, trace.plan)
        assert not any(catalogue.is_jit_only(s) for s in plan.upfront_scopes)
        for consent in plan.upfront:
            assert {s.provider for s in consent.scopes} == {consent.provider}
        planned += len(plan.upfront_scopes)
    assert planned > 0


def test_preauthorizer_tampered_model_degrades(model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in model_dir.iterdir():
        data = path.read_bytes()
        (broken / path.name).write_bytes(data if path.name == "metadata.json" else data[:-7])
    with pytest.warns(ModelUnavailableWarning):
        plan = PreAuthorizer(broken).plan("Email Carlos the Q3 numbers")
    assert plan.degraded
    assert not plan.upfront


def test_plan_cli_prints_the_plan(model_dir: Path) -> None:
    task = read_traces(bundled_file(BUNDLED_TEST))[0].task
    result = CliRunner().invoke(app, ["plan", task, "--model", str(model_dir), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["task"] == task
    assert payload["degraded"] is False
    table = CliRunner().invoke(app, ["plan", task, "--model", str(model_dir)])
    assert table.exit_code == 0
    assert "point of execution" in table.stdout


def test_preauthorizer_plans_with_the_scale_chosen_at_training(model_dir: Path) -> None:
    meta = json.loads((model_dir / "metadata.json").read_text())
    scale = meta["params"]["policy_interruption_scale"]
    pre = PreAuthorizer(model_dir)
    assert pre.planning_costs.interruption == pytest.approx(scale * pre.costs.interruption)
    # an explicit scale wins; a larger scale never asks for less
    cautious = PreAuthorizer(model_dir, planning_scale=1.0)
    eager = PreAuthorizer(model_dir, planning_scale=4.0)
    assert cautious.planning_costs == cautious.costs
    for trace in read_traces(bundled_file(BUNDLED_TEST))[:40]:
        low = cautious.plan(trace.task, trace.context, trace.plan).upfront_scopes
        high = eager.plan(trace.task, trace.context, trace.plan).upfront_scopes
        assert default_catalogue().closure(low) <= default_catalogue().closure(high)


@pytest.mark.parametrize("chosen", [True, False])
def test_preauthorizer_batches_as_training_chose_unless_told(model_dir: Path, chosen: bool) -> None:
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert PreAuthorizer(model_dir).batching is (meta["params"]["policy_batching"] is not False)
    assert PreAuthorizer(model_dir, batching=chosen).batching is chosen
    # what the guard then batches: tests/test_runtime_matches_simulator.py (batching=True)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_preauthorizer_refuses_a_nonsense_planning_scale(model_dir: Path, bad: float) -> None:
    from scopecast.exceptions import ConfigError

    with pytest.raises(ConfigError, match="planning_scale must be a positive number"):
        PreAuthorizer(model_dir, planning_scale=bad)


def test_a_context_value_the_model_never_saw_is_logged_once_per_field(
    model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``domain=workplace`` (never seen) is ignored by the model: logged, once, without the
    value; a known value is not; a combination of known domains is read from its parts, and
    (having no support of its own) noted once."""
    pre = PreAuthorizer(model_dir)
    task = "Send the weekly report to the team"
    supported = load_compact(model_dir).scorer.domain_support
    assert "engineering" in supported
    assert "sales" in supported
    logger = "scopecast.runtime._preauthorizer"
    pre.plan(task, {})  # the notes on fields every training task had (agent, org, user...)
    caplog.clear()
    with caplog.at_level("WARNING", logger=logger):
        for domain in supported:
            pre.plan(task, {"domain": domain})
        assert caplog.records == []
        pre.plan(task, {"domain": "engineering+sales"})
        pre.plan(task, {"domain": "sales+engineering"})
        (combination,) = caplog.messages
        assert "no support of its own" in combination
        caplog.clear()
        unseen = pre.plan(task, {"domain": "workplace", "agent": "gpt-4o"})
        again = pre.plan(task, {"domain": "other-unseen"})
    (record,) = caplog.records
    message = record.getMessage()
    assert "'domain'" in message
    assert "the model knows" in message  # and a few of its domains, to spot a misspelling
    assert "workplace" not in message
    assert "no domain support applies" in message
    # the plan is made all the same, as for a task without that field
    assert unseen.upfront_scopes == pre.plan(task, {"agent": "gpt-4o"}).upfront_scopes
    assert again.upfront_scopes == pre.plan(task).upfront_scopes


def test_the_context_notes_never_fail_a_plan(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A field no training trace had, keys of two types, and a check that raises: the plan is
    made as without the check; a ``user`` note names no training value."""
    from scopecast.runtime._context_check import ContextNotes

    pre = PreAuthorizer(model_dir)
    task = "Send the weekly report to the team"
    expected = pre.plan(task).upfront_scopes
    with caplog.at_level("WARNING", logger="scopecast.runtime._preauthorizer"):
        assert pre.plan(task, {"user": "someone-new"}).upfront_scopes == expected
        mixed = {1: "x", "org": "newco"}  # a key that is not a str: the caller's mistake
        with pytest.raises(ConfigError, match="mapping of str to str"):
            pre.plan(task, mixed)  # type: ignore[arg-type]
    (user_note,) = [m for m in caplog.messages if "'user' has a value" in m]
    assert "someone-new" not in user_note
    assert "values of 'user')" in user_note  # how many, and no training value listed

    def broken(self: ContextNotes, context: object) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(ContextNotes, "note", broken)
    fresh = PreAuthorizer(model_dir)
    assert fresh.plan(task, {"domain": "anything"}).upfront_scopes == expected


def test_threads_sharing_a_new_preauthorizer_log_a_note_once(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The notes are made once, under a lock: threads that plan on a fresh ``PreAuthorizer``
    at the same moment must not each make (and log from) their own."""
    import threading
    import time

    from scopecast.runtime._context_check import ContextNotes

    made = ContextNotes.__init__

    def slow(self: ContextNotes, *args: object) -> None:
        time.sleep(0.01)  # widen the window between "none yet" and "made"
        made(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ContextNotes, "__init__", slow)
    pre = PreAuthorizer(model_dir)
    pre._layout()  # the layout first, so that only the notes are made concurrently
    barrier = threading.Barrier(8)

    def plan() -> None:
        barrier.wait()
        pre.plan("Send the weekly report to the team", {"domain": "workplace"})

    with caplog.at_level("WARNING", logger="scopecast.runtime._preauthorizer"):
        threads = [threading.Thread(target=plan) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len([m for m in caplog.messages if "'domain'" in m]) == 1


def test_a_context_field_every_training_task_had_is_noted_once_when_missing(
    model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert load_compact(model_dir).scorer.context_fields["domain"] == 1.0
    shares = load_compact(model_dir).scorer.context_fields
    every = {field: "x" for field, share in shares.items() if share == 1.0}
    pre = PreAuthorizer(model_dir)
    with caplog.at_level("WARNING", logger="scopecast.runtime._preauthorizer"):
        pre.plan("Send the weekly report to the team", every | {"domain": "sales"})
        assert [m for m in caplog.messages if "missing" in m] == []
        pre.plan("Send the weekly report to the team", every | {"domain": ""})
        pre.plan("Book a room for Friday", every | {"domain": "sales", "agent": " "})
        pre.plan("Book a room for Friday", {})
    absent = [m for m in caplog.messages if "is missing or blank" in m]
    assert len(absent) == len(every)  # each field once: domain, agent, then the others
    assert "'domain' is missing or blank, but 100% of the training tasks had it" in absent[0]
    assert "'agent' is missing" in absent[1]
