"""Training fails with a clear message, never a scikit-learn traceback."""

from __future__ import annotations

import pytest

from scopecast.exceptions import ConfigError, DataValidationError, ModelError
from scopecast.model import train_predictor
from scopecast.scoring import TaskInput
from scopecast.traces import Call, Trace


def _trace(i: int, calls: tuple[Call, ...]) -> Trace:
    return Trace(trace_id=f"t{i}", task=f"do thing {i}", calls=calls)


def test_training_on_no_traces_fails_clearly():
    with pytest.raises(DataValidationError, match="0 traces"):
        train_predictor([])


def test_training_on_traces_without_calls_fails_clearly():
    with pytest.raises(DataValidationError, match="has any call"):
        train_predictor([_trace(i, ()) for i in range(5)])


def test_training_on_calls_without_scopes_fails_clearly():
    traces = [_trace(i, (Call(tool="x", scopes=()),)) for i in range(5)]
    with pytest.raises(ModelError, match="empty scope list"):
        train_predictor(traces)


def test_training_on_a_single_scope_fails_clearly():
    traces = [_trace(i, (Call(tool="x", scopes=("a:b",)),)) for i in range(5)]
    with pytest.raises(ModelError, match="single scope"):
        train_predictor(traces)


def test_training_on_two_traces_with_rare_scopes_uses_priors():
    traces = [
        _trace(0, (Call(tool="x", scopes=("a:x",)),)),
        _trace(1, (Call(tool="y", scopes=("a:y",)),)),
    ]
    model, _ = train_predictor(traces)
    assert len(model.modelled_) == 0
    (probs,) = model.predict_scopes([TaskInput("do thing 7")])
    assert set(probs) == {"a:x", "a:y"}
    assert all(0.0 < p < 1.0 for p in probs.values())


def test_an_invalid_group_pattern_fails_before_training_with_the_fix():
    traces = [_trace(i, (Call(tool="x", scopes=("p:s",)),)) for i in range(5)]
    with pytest.raises(ConfigError, match=r"not a valid regular expression.*t-\[0-9a-f\]"):
        train_predictor(traces, group_pattern="/(t-[0-9")


def test_a_group_pattern_that_matches_no_trace_id_fails_with_the_fix():
    """Every trace would silently be grouped by its template instead; some matching is fine
    (those that do not match fall back to their template, as documented)."""
    from scopecast.evaluation import nested_policy_cost
    from scopecast.model._grouping import groups_for

    traces = [_trace(i, (Call(tool="x", scopes=(f"p:s{i % 2}",)),)) for i in range(5)]
    with pytest.raises(ConfigError, match=r"matches none of the 5 trace ids .*'t0'"):
        train_predictor(traces, group_pattern=r"/(t-[0-9a-f]{10})/")
    with pytest.raises(ConfigError, match="matches none of the 5 trace ids"):
        nested_policy_cost(traces, n_folds=2, group_pattern="zzz")
    assert groups_for(traces, r"^(t[01])$")[:3] == ["id:t0", "id:t1", "template:do thing <num>"]


@pytest.mark.parametrize("pattern", ["", "x*", "(t-\\w+)?"])
def test_a_group_pattern_matching_the_empty_string_fails_with_the_fix(pattern):
    """It matches every id, and every id it does not really match lands in the group ''."""
    traces = [_trace(i, (Call(tool="x", scopes=("p:s",)),)) for i in range(5)]
    with pytest.raises(ConfigError, match=r"matches the empty string.*t-\[0-9a-f\]"):
        train_predictor(traces, group_pattern=pattern)


def test_a_group_pattern_putting_every_trace_in_one_group_fails_with_the_fix():
    """One group: no fold to hold out, every scope would silently get its base rate."""
    from scopecast.evaluation import nested_policy_cost
    from scopecast.model._grouping import groups_for

    traces = [_trace(i, (Call(tool="x", scopes=(f"p:s{i % 2}",)),)) for i in range(5)]
    with pytest.raises(ConfigError, match=r"puts all 5 traces in one CV group \('t'\)"):
        train_predictor(traces, group_pattern=r"^(t)")
    with pytest.raises(ConfigError, match="puts all 5 traces in one CV group"):
        nested_policy_cost(traces, n_folds=2, group_pattern=r"^(t)")
    assert groups_for(traces[:1], r"^(t)") == ["id:t"]  # a single trace is one group anyway
    assert len(set(groups_for(traces, r"^(t\d)"))) == 5


def test_a_group_pattern_with_alternatives_groups_by_the_group_that_matched():
    """Ids of two shapes, one alternative (and group) each: the first group is None for ids
    of the second shape, which raised TypeError ('can only concatenate str (not "NoneType")')
    from deep inside training."""
    from scopecast.model import group_of
    from scopecast.model._grouping import groups_for

    ids = ["coder/web/tpl-aa/run-1", "coder/web/tpl-aa/run-2", "legacy-bb-7", "legacy-cc-8"]
    traces = [
        Trace(trace_id=i, task=f"do thing {n}", calls=(Call(tool="x", scopes=(f"p:s{n % 2}",)),))
        for n, i in enumerate(ids)
    ]
    pattern = r"/(tpl-[a-z]+)/|^legacy-([a-z]+)-"
    assert groups_for(traces, pattern) == ["id:tpl-aa", "id:tpl-aa", "id:bb", "id:cc"]
    # an optional group that did not take part: the whole match, as for a pattern without one
    assert group_of(traces[2], r"(zzz)?legacy-[a-z]+") == "id:legacy-bb"
    assert group_of(traces[0], r"/(t-[0-9a-f]{10})/|(tpl-[a-z]+)") == "id:tpl-aa"


@pytest.mark.parametrize("command", ["train", "crossval"])
def test_the_cli_refuses_an_invalid_group_pattern_before_reading_traces(command, tmp_path):
    from typer.testing import CliRunner

    from scopecast.cli import _commands, app  # noqa: F401  (_commands registers every command)

    missing = tmp_path / "never-read.jsonl"  # a usage error comes before any file is opened
    result = CliRunner().invoke(app, [command, str(missing), "--group-pattern", "/(t-[0-9"])
    assert result.exit_code == 2
    words = " ".join(result.output.replace("\u2502", " ").split())  # without rich's box
    assert "not a valid regular expression" in words
    assert "Traceback" not in result.output
