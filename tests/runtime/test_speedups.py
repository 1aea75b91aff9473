"""The C speedups compute the compact scorer's features as the Python path does.

:mod:`scopecast.runtime._speedups` (built from ``_speedups.c`` by ``hatch_build.py``) finds
an ASCII task's text and similarity rows with their TF-IDF factors, and sums their rows of
the matrix. Every model the suite trains is also checked against scikit-learn through both
paths (``tests/compact_equality.py``); here the two paths are compared directly, on real
tasks and on random text, and the C code's refusals of bad input are checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scopecast import iter_traces
from scopecast._task_tokens import TOKENIZER_UNSPACED_BIGRAMS
from scopecast.catalogue import load_catalogue
from scopecast.runtime import CompactScorer, _speedups_loader
from scopecast.runtime._compact_rows import InputRows
from scopecast.runtime._speedups_loader import speedups
from scopecast.scoring import TaskInput
from scopecast.traces import Call

SPEEDUPS = speedups()
needs_speedups = pytest.mark.skipif(
    SPEEDUPS is None,
    reason="the C speedups are not built in this checkout (pip install -e ., or python "
    "hatch_build.py); the Python path is tested by every other test",
)


def test_the_speedups_are_built_where_the_suite_requires_them() -> None:
    """``.ci/run`` sets ``SCOPECAST_REQUIRE_SPEEDUPS=1`` on a machine that can compile them,
    so that a build that failed there is a red test, not a silent fallback to Python."""
    if os.environ.get("SCOPECAST_REQUIRE_SPEEDUPS") != "1":
        pytest.skip("SCOPECAST_REQUIRE_SPEEDUPS is not set: the speedups are optional here")
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    assert SPEEDUPS is not None, (
        f"SCOPECAST_REQUIRE_SPEEDUPS=1 but scopecast.runtime._speedups is not built or out of "
        f"date (compiler: {shutil.which(os.environ.get('CC', 'cc'))}, headers: "
        f"{include.exists()}): reinstall with pip install -e . or run python hatch_build.py"
    )


def test_a_module_built_from_another_source_version_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if SPEEDUPS is None:
        pytest.skip("the C speedups are not built in this checkout")
    monkeypatch.setattr(_speedups_loader, "API_VERSION", _speedups_loader.API_VERSION + 1)
    assert speedups() is None


@pytest.fixture(scope="module")
def compact(shared_data: Path) -> CompactScorer:
    """A compact model trained on the AgentDojo train traces (real task text)."""
    from scopecast.model import ScopePredictor, export_compact, train_predictor

    traces = list(iter_traces(shared_data / "agentdojo_train.jsonl"))
    catalogue = load_catalogue(shared_data / "agentdojo.catalogue.json")
    model, _ = train_predictor(
        traces, catalogue, predictor=ScopePredictor(C=(10.0,), cv=3, random_state=0)
    )
    with tempfile.TemporaryDirectory() as tmp:
        spec_name, arrays_name = export_compact(model, tmp)
        spec = json.loads((Path(tmp) / spec_name).read_text(encoding="utf-8"))
        with np.load(Path(tmp) / arrays_name, allow_pickle=False) as npz:
            return CompactScorer(spec, {name: npz[name] for name in npz.files})


def _summed(features: tuple[list[int], list[float]]) -> dict[int, float]:
    """Each row's total factor (the Python path may list a repeated row twice)."""
    total: dict[int, float] = {}
    for row, value in zip(*features, strict=True):
        total[row] = total.get(row, 0.0) + value
    return total


def _assert_same_features(rows: InputRows, item: TaskInput) -> None:
    fast = _summed(rows.features(item))
    slow = _summed(rows._python_features(item))
    assert fast.keys() == slow.keys(), (item.task, sorted(fast.keys() ^ slow.keys()))
    for row, value in slow.items():
        assert fast[row] == pytest.approx(value, rel=1e-12, abs=1e-15), (item.task, row)


def _real_tasks(shared_data: Path) -> list[TaskInput]:
    files = ("agentdojo_train.jsonl", "agentdojo_test.jsonl", "workbench_runs_test.jsonl")
    return [TaskInput.from_trace(t, 0) for name in files for t in iter_traces(shared_data / name)]


@needs_speedups
def test_real_tasks_get_the_python_rows_and_factors(
    compact: CompactScorer, shared_data: Path
) -> None:
    rows = compact._inputs
    assert rows._fast_text is not None
    for item in _real_tasks(shared_data):
        _assert_same_features(rows, item)


@needs_speedups
def test_the_summed_rows_equal_numpys_product(compact: CompactScorer, shared_data: Path) -> None:
    rows = compact._inputs
    matrix = compact._platt
    for item in _real_tasks(shared_data)[:300]:
        with_calls = TaskInput(item.task, item.context, item.plan, (Call(tool="t", scopes=()),))
        for probe in (item, with_calls):
            fused = rows.linear(probe, matrix)
            assert fused is not None
            found, factors = rows._python_features(probe)
            expected = np.dot(np.asarray(factors), matrix[found])
            np.testing.assert_allclose(fused, expected, rtol=0, atol=1e-12)


_TEXT = st.text(alphabet=st.sampled_from("abeilnorst AEZ_0123456789-.,'!\t\n"), max_size=80)


@needs_speedups
@given(task=_TEXT | st.text(max_size=40))
def test_any_text_gets_the_python_rows_and_factors(compact: CompactScorer, task: str) -> None:
    _assert_same_features(compact._inputs, TaskInput(task, {}))


@needs_speedups
@given(
    words=st.lists(st.sampled_from(["send", "the", "email", "to", "bob", "0", "x"]), max_size=30)
)
def test_known_words_in_any_order_and_repeats_match(
    compact: CompactScorer, words: list[str]
) -> None:
    vocabulary = list(compact._inputs._unigrams)[:40]
    task = " ".join(words + vocabulary[: len(words)])
    _assert_same_features(compact._inputs, TaskInput(task, {"domain": "slack"}))


@needs_speedups
def test_a_task_that_is_not_ascii_is_left_to_python(compact: CompactScorer) -> None:
    rows = compact._inputs
    item = TaskInput("Envoie le résumé à Zoë", {})
    assert rows._fast_text is not None
    assert rows._fast_text(item.task) is None
    assert rows.linear(item, compact._platt) is None
    _assert_same_features(rows, item)


@pytest.fixture(scope="module")
def unspaced_compact() -> CompactScorer:
    """A compact model of English and Chinese tasks: it splits Han runs into pairs of letters."""
    from scopecast.model import ScopePredictor, export_compact, train_predictor
    from tests.model.conftest import make_catalogue, make_traces
    from tests.model.test_unspaced_training import GROUPS, _traces

    model, _ = train_predictor(
        make_traces(n_per_template=4) + _traces(),
        make_catalogue(),
        predictor=ScopePredictor(C=(10.0,), cv=3, random_state=0),
        group_pattern=GROUPS,
    )
    with tempfile.TemporaryDirectory() as tmp:
        spec_name, arrays_name = export_compact(model, tmp)
        spec = json.loads((Path(tmp) / spec_name).read_text(encoding="utf-8"))
        with np.load(Path(tmp) / arrays_name, allow_pickle=False) as npz:
            scorer = CompactScorer(spec, {name: npz[name] for name in npz.files})
    assert scorer.text_tokenizer == TOKENIZER_UNSPACED_BIGRAMS
    return scorer


_UNSPACED_TASKS = [
    "请发送邮件给张三，附上预算",
    "Send an email to Dana 发送邮件 about the budget",
    "请把report.pdf发送给Bob",
    "创建文件：预算３和报告２０２５",  # full-width digits
    "ส่งอีเมลถึง Dana เรื่อง budget",  # Thai with its marks
    "メールを送信する Lee",
    "发送📧邮件 to Mira 👍🏽",  # emoji
    "émail Dana the roadmap 发゙送",  # combining marks
]


@needs_speedups
@pytest.mark.parametrize("task", _UNSPACED_TASKS)
def test_unspaced_and_mixed_tasks_are_left_to_python(
    unspaced_compact: CompactScorer, task: str
) -> None:
    rows = unspaced_compact._inputs
    assert rows._fast_text is not None
    item = TaskInput(task, {"domain": "work"})
    assert rows._fast_text(task) is None
    assert rows.linear(item, unspaced_compact._platt) is None
    _assert_same_features(rows, item)
    found, _ = rows._python_features(item)
    assert len(set(found)) > 1 + len(rows._context_rows(("domain", "work"))), "no text rows"


_WORDS = ["send", "email", "to", "dana", "the", "budget", "0", "x", "发送邮件", "创建文件", "ส่ง"]


@needs_speedups
@given(
    words=st.lists(st.sampled_from(_WORDS), max_size=20),
    separator=st.sampled_from([" ", "", ", ", "，"]),
)
def test_an_unspaced_model_gets_the_python_rows_and_factors(
    unspaced_compact: CompactScorer, words: list[str], separator: str
) -> None:
    """ASCII tasks through C (both tokenizers give them the same words), the others in Python."""
    _assert_same_features(unspaced_compact._inputs, TaskInput(separator.join(words), {}))


@needs_speedups
@given(task=_TEXT | st.text(max_size=40))
def test_an_unspaced_model_gets_the_python_rows_on_any_text(
    unspaced_compact: CompactScorer, task: str
) -> None:
    _assert_same_features(unspaced_compact._inputs, TaskInput(task, {}))


@needs_speedups
def test_the_c_code_refuses_bad_input_with_an_error() -> None:
    assert SPEEDUPS is not None
    vocabulary_type = SPEEDUPS.TextVocabulary
    idf = [0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="outside the model's rows"):
        vocabulary_type([(b"a", 3, 0)], [], idf)
    with pytest.raises(ValueError, match="given twice"):
        vocabulary_type([(b"a", 1, 0), (b"a", 2, 0)], [], idf)
    with pytest.raises(ValueError, match="names a word not given"):
        vocabulary_type([(b"a", 1, 0)], [(0, 5, 2)], idf)
    with pytest.raises(TypeError):
        vocabulary_type([("a", 1, 0)], [], idf)
    vocabulary = vocabulary_type([(b"a", 1, 0), (b"b", 0, 2)], [(0, 1, 2)], idf)
    assert vocabulary.rows("A b, a") == ([0, 1, 2, 2], pytest.approx([1.0, *_factors(), 1.0]))
    with pytest.raises(TypeError):
        vocabulary.rows(b"a b")
    matrix = np.arange(6.0).reshape(3, 2)
    out = np.empty(2)
    assert vocabulary.linear("a", [], 0, 0.0, matrix, out) is True
    np.testing.assert_array_equal(out, matrix[0] + matrix[1])
    with pytest.raises(IndexError, match="outside the matrix"):
        vocabulary.linear("a", [7], 0, 0.0, matrix, out)
    with pytest.raises(ValueError, match="float64 out of its width"):
        vocabulary.linear("a", [], 0, 0.0, matrix, np.empty(3))
    with pytest.raises(ValueError, match="float64"):
        vocabulary.linear("a", [], 0, 0.0, matrix.astype(np.float32), out)
    with pytest.raises((BufferError, ValueError)):  # not C-contiguous
        vocabulary.linear("a", [], 0, 0.0, np.asfortranarray(matrix), out)
    with pytest.raises(RuntimeError, match="not initialised"):
        vocabulary_type.__new__(vocabulary_type).rows("a")


@needs_speedups
def test_python_code_run_while_reading_the_lists_cannot_resize_them() -> None:
    """A ``__float__`` that empties the lists runs on the C side's own copies."""
    assert SPEEDUPS is not None
    words: list[tuple[bytes, int, int]] = [(b"a", 1, 0), (b"b", 2, 0)]
    idf: list[object] = []

    class Emptying:
        def __float__(self) -> float:
            words.clear()
            idf.clear()
            return 1.0

    idf.extend([0.0, Emptying(), Emptying()])
    vocabulary = SPEEDUPS.TextVocabulary(words, [], idf)
    assert vocabulary.rows("a b") == ([0, 1, 2], pytest.approx([1.0, 2**-0.5, 2**-0.5]))


def _factors() -> list[float]:
    """Text block of "A b, a": row 1 twice and the pair (a, b) at row 2 once, idf 1."""
    tf = 1.0 + np.log(2.0)
    norm = np.sqrt(tf * tf + 1.0)
    return [tf / norm, 1.0 / norm]


def test_scopecast_no_speedups_makes_the_runtime_use_python() -> None:
    code = "from scopecast.runtime._speedups_loader import speedups; print(speedups() is None)"
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "SCOPECAST_NO_SPEEDUPS": "1", "PYTHONPATH": root}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"
