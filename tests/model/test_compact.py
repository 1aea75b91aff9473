"""The compact (numpy-only) form of a trained model: same probabilities, checked files, no pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scopecast._model_files import COMPACT_FORMAT_VERSION, sealed_metadata
from scopecast.exceptions import ArtifactError, ModelUnavailableWarning
from scopecast.model import ScopePredictor, can_export_compact, save_model, train_predictor
from scopecast.runtime import CompactBundle, CompactScorer, PreAuthorizer, load_compact, load_scorer
from scopecast.scoring import TaskInput
from scopecast.traces import Call
from tests.compact_equality import assert_compact_matches, probe_inputs
from tests.model.conftest import make_traces
from tests.test_light_imports import heavy_modules_after

GROUPS = r"/(t-[0-9a-f]{10})/"


@pytest.fixture
def model_dir(tmp_path, fitted, catalogue):
    return save_model(fitted, tmp_path / "m", catalogue=catalogue, data_hash="abc")


def _all_inputs(traces):
    return [TaskInput.from_trace(t, k) for t in traces for k in range(len(t.calls))]


@pytest.mark.slow
@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic"])
def test_compact_equals_sklearn_for_each_calibration(calibration, catalogue):
    traces = make_traces(n_per_template=6, seed=3)
    model, _ = train_predictor(
        traces,
        catalogue,
        predictor=ScopePredictor(C=1.0, cv=3, calibration=calibration, random_state=0),
        group_pattern=GROUPS,
    )
    assert model.calibration_ == calibration
    assert assert_compact_matches(model, _all_inputs(traces)) <= 1e-9


def test_compact_saved_with_the_model_and_checksummed(model_dir, fitted, corpus):
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert {"model.skops", "compact.json", "compact.npz"} <= set(meta["files"])
    bundle = load_compact(model_dir)
    assert isinstance(bundle.scorer, CompactScorer)
    assert bundle.metadata["data_hash"] == "abc"
    inputs = probe_inputs(_all_inputs(corpus), list(fitted.scopes_))
    np.testing.assert_allclose(
        bundle.scorer.predict_proba(inputs), fitted.predict_proba(inputs), rtol=0, atol=1e-9
    )
    got = bundle.predict_scopes(inputs[:3])
    want = fitted.predict_scopes(inputs[:3])
    assert [sorted(g) for g in got] == [sorted(w) for w in want]
    assert bundle.predict_scopes([]) == []


def test_compact_runtime_loader_prefers_the_compact_form(model_dir, catalogue):
    bundle = load_scorer(model_dir)
    assert isinstance(bundle, CompactBundle)
    assert bundle.catalogue == catalogue
    pre = PreAuthorizer(model_dir)
    assert not pre.is_degraded
    assert "Compact" in repr(pre)


def test_compact_observed_scope_is_certain(model_dir, fitted):
    scope = fitted.scopes_[0]
    item = TaskInput("Email Dana", {"domain": "work"}, calls=(Call(tool="t", scopes=(scope,)),))
    (probs,) = load_compact(model_dir).predict_scopes([item])
    assert probs[scope] == 1.0


def test_compact_tampered_arrays_are_refused(model_dir):
    path = model_dir / "compact.npz"
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match its checksum"):
        load_compact(model_dir)
    with pytest.warns(ModelUnavailableWarning, match="checksum"):
        pre = PreAuthorizer(model_dir)
    assert pre.is_degraded
    assert pre.plan("Email Dana").upfront_scopes == frozenset()


def test_compact_pickled_arrays_are_refused_even_with_a_matching_checksum(model_dir):
    import hashlib

    path = model_dir / "compact.npz"
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["intercept"] = np.array([object()], dtype=object)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    meta_path = model_dir / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["files"]["compact.npz"] = hashlib.sha256(path.read_bytes()).hexdigest()
    meta_path.write_text(json.dumps(sealed_metadata(meta)))  # every checksum recomputed
    with pytest.raises(ArtifactError, match="Cannot read the compact model"):
        load_compact(model_dir)


def test_compact_spec_of_another_version_is_refused(model_dir):
    spec_path = model_dir / "compact.json"
    spec = json.loads(spec_path.read_text())
    spec["format_version"] = 99
    with np.load(model_dir / "compact.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    with pytest.raises(ArtifactError, match="version 99"):
        CompactScorer(spec, arrays)
    del arrays["coef_t"]
    spec["format_version"] = COMPACT_FORMAT_VERSION
    with pytest.raises(ArtifactError, match="lacks the arrays"):
        CompactScorer(spec, arrays)


def test_compact_directory_without_compact_form_falls_back_to_sklearn(tmp_path, catalogue):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = (X[:, :2] > 0).astype(int)
    model = ScopePredictor("passthrough", C=1.0, cv=3, random_state=0).fit(
        X, Y, scopes=["google:a", "google:b"]
    )
    assert not can_export_compact(model)
    out = save_model(model, tmp_path / "p", catalogue=catalogue)
    assert "compact.json" not in json.loads((out / "metadata.json").read_text())["files"]
    with pytest.raises(ArtifactError, match="no compact form"):
        load_compact(out)
    assert not isinstance(load_scorer(out), CompactBundle)


def test_compact_planning_process_imports_nothing_heavy(model_dir):
    code = (
        "import scopecast\n"
        "from scopecast.runtime import PreAuthorizer\n"
        f"pre = PreAuthorizer({str(model_dir)!r})\n"
        "assert not pre.is_degraded, pre.warning\n"
        "plan = pre.plan('Send an email to Dana about the budget', {'domain': 'work'})\n"
        "assert plan.upfront or plan.deferred\n"
    )
    assert heavy_modules_after(code) == []


@pytest.mark.parametrize("broken", ["compact.json", "compact.npz"])
@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_offline_scores_refuse_a_model_the_runtime_would_refuse(model_dir, broken, damage):
    """model-metrics and evaluate read the scikit-learn model, the runtime its compact form:
    figures for a directory PreAuthorizer refuses would describe nothing it serves."""
    from scopecast.evaluation._setup import build_evaluation
    from scopecast.model import score_model_directory

    path = model_dir / broken
    if damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:100])
    traces = make_traces()
    with pytest.raises(ArtifactError, match=broken):
        score_model_directory(model_dir, traces)
    with pytest.raises(ArtifactError, match=broken):
        build_evaluation(traces=[], model_dir=model_dir, train=[], catalogue_path=None)
