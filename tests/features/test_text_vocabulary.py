"""The text vocabulary counts each training task once, however many calls its run made."""

from __future__ import annotations

from scopecast.features import TaskFeaturizer
from scopecast.model import training_rows
from scopecast.traces import Call, Trace


def _trace(trace_id: str, task: str, n_calls: int) -> Trace:
    return Trace(
        trace_id=trace_id,
        task=task,
        calls=tuple(Call(tool=f"tool{i}", scopes=("g:read",)) for i in range(n_calls)),
    )


def test_min_df_counts_tasks_not_the_prefix_rows_of_one_run():
    """A run of three calls makes three training rows (its start and two prefixes) with the
    same task; a word of that task alone is still seen in one training task, and
    ``min_df=2`` drops it."""
    traces = [_trace("a", "alpha beta", 3), _trace("b", "alpha gamma", 1)]
    rows = training_rows(traces, ["a", "b"])
    assert len(rows.inputs) == 4
    featurizer = TaskFeaturizer(min_df=2).fit(rows.inputs)
    assert set(featurizer.text_vocabulary_) == {"w:alpha"}


def test_idf_does_not_depend_on_how_many_calls_a_run_made():
    """The same tasks give the same weights whether their runs made one call or five."""
    tasks = ["alpha beta", "alpha gamma", "delta beta"]
    short = [_trace(str(i), task, 1) for i, task in enumerate(tasks)]
    long = [_trace(str(i), task, 5 if i == 0 else 1) for i, task in enumerate(tasks)]
    fitted = [
        TaskFeaturizer(min_df=1).fit(training_rows(traces, [t.trace_id for t in traces]).inputs)
        for traces in (short, long)
    ]
    assert fitted[0].text_vocabulary_ == fitted[1].text_vocabulary_
    assert fitted[0].text_idf_.tolist() == fitted[1].text_idf_.tolist()
    assert fitted[0].similarity_idf_.tolist() == fitted[1].similarity_idf_.tolist()
