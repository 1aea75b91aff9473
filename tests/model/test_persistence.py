"""Model directories: round trip, tampering, other versions, untrusted types."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scopecast._model_files import FORMAT_VERSION, sealed_metadata
from scopecast.exceptions import ArtifactError, UntrustedArtifactError
from scopecast.model import load_bundle, load_model, load_scorer, save_model
from scopecast.scoring import TaskInput

INPUTS = [
    TaskInput("Send an email to Ada about the audit", {"domain": "work"}),
    TaskInput("Pay the launch invoice", {"domain": "money"}),
]


@pytest.fixture
def model_dir(tmp_path, fitted, catalogue):
    return save_model(
        fitted, tmp_path / "m", catalogue=catalogue, data_hash="abc", metrics={"cv_brier": 0.1}
    )


def test_persistence_round_trip_identical_probabilities(model_dir, fitted, catalogue):
    loaded = load_model(model_dir)
    np.testing.assert_array_equal(loaded.predict_proba(INPUTS), fitted.predict_proba(INPUTS))
    bundle = load_scorer(model_dir)
    assert bundle.catalogue == catalogue
    assert bundle.metadata["data_hash"] == "abc"
    assert bundle.predict_scopes(INPUTS) == fitted.predict_scopes(INPUTS)


def test_training_diagnostics_are_not_saved(model_dir, fitted):
    # the cross-fitted probabilities of the training rows describe the run, not the model
    assert fitted.oof_proba_.shape[1] == len(fitted.scopes_)
    assert not hasattr(load_model(model_dir), "oof_proba_")
    assert hasattr(fitted, "oof_proba_")  # saving did not strip the caller's estimator


def test_persistence_metadata_records_versions_and_checksum(model_dir):
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION
    assert {"scopecast_version", "sklearn_version", "created_at", "scopes", "files"} <= set(meta)
    assert len(meta["files"]["model.skops"]) == 64


def test_persistence_tampered_file_is_refused(model_dir):
    path = model_dir / "model.skops"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match its checksum"):
        load_model(model_dir)


def test_persistence_other_format_version_is_refused(model_dir):
    meta_path = model_dir / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["format_version"] = 99
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="format version 99"):
        load_bundle(model_dir)


def test_persistence_missing_directory_is_clear(tmp_path):
    with pytest.raises(ArtifactError, match=r"metadata\.json is missing"):
        load_model(tmp_path)


def test_persistence_untrusted_type_is_refused(tmp_path, fitted, catalogue, monkeypatch):
    import scopecast.model._persistence as persistence

    out = save_model(fitted, tmp_path / "m", catalogue=catalogue)
    monkeypatch.setattr(persistence, "TRUSTED_TYPES", frozenset())
    with pytest.raises(UntrustedArtifactError, match="does not trust"):
        load_model(out)


def test_persistence_unfitted_model_is_refused(tmp_path, catalogue):
    from scopecast.model import ScopePredictor

    with pytest.raises(ArtifactError, match="fitted"):
        save_model(ScopePredictor(), tmp_path / "m", catalogue=catalogue)


def test_persistence_model_file_without_recorded_checksum_is_refused(model_dir):
    meta_path = model_dir / "metadata.json"
    meta = json.loads(meta_path.read_text())
    del meta["files"]["model.skops"]
    meta_path.write_text(json.dumps(sealed_metadata(meta)))  # digest recomputed: still refused
    with pytest.raises(ArtifactError, match=r"records no checksum for 'model\.skops'"):
        load_model(model_dir)


def test_persistence_reads_the_directory_with_the_runtime_reader():
    """One source of truth for the format: the model side re-uses scopecast._model_files."""
    import scopecast._model_files as files
    import scopecast.model._persistence as persistence

    for name in ("FORMAT_NAME", "FORMAT_VERSION", "METADATA_FILE", "MODEL_FILE", "read_metadata"):
        assert getattr(persistence, name) is getattr(files, name), name


def test_the_same_model_saves_to_the_same_bytes(tmp_path, fitted, catalogue):
    # skops names each array by the id() of its object and stamps every entry with the time:
    # two trainings of one model on the same data gave different model.skops checksums (and
    # so metadata.json files), so nothing could tell that they were the same model.
    import copy
    import zipfile

    from scopecast._model_files import sha256_of

    first = save_model(fitted, tmp_path / "a", catalogue=catalogue, data_hash="abc")
    twin = copy.deepcopy(fitted)  # the same model in other objects (other ids)
    second = save_model(twin, tmp_path / "b", catalogue=catalogue, data_hash="abc")
    assert sha256_of(first / "model.skops") == sha256_of(second / "model.skops")
    meta_a = json.loads((first / "metadata.json").read_text())
    meta_b = json.loads((second / "metadata.json").read_text())
    assert meta_a["files"] == meta_b["files"]
    with zipfile.ZipFile(first / "model.skops") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
    loaded = load_model(second)
    np.testing.assert_array_equal(loaded.predict_proba(INPUTS), fitted.predict_proba(INPUTS))
