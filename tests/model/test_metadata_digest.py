"""metadata.json is checked against its own digest: its catalogue is what the runtime trusts.

The other files' sha256 live in metadata.json, so an edit of metadata.json (a catalogue
whose ``jit_only`` flags were cleared, a tool whose scopes were emptied) must fail to load,
on the scikit-learn path and on the runtime's compact path, and the PreAuthorizer must
degrade (nothing up front) instead of planning with the edited catalogue. Real model
directories, written by ``save_model``; nothing of the loaders is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scopecast._model_files import (
    FORMAT_VERSION,
    METADATA_DIGEST,
    metadata_digest,
    read_metadata,
    sealed_metadata,
)
from scopecast.catalogue import Catalogue
from scopecast.exceptions import ArtifactError, ModelUnavailableWarning
from scopecast.model import ScopePredictor, load_bundle, save_model
from scopecast.runtime import PreAuthorizer, ScopeGuard
from scopecast.runtime import load_scorer as runtime_load_scorer

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def model_dir(tmp_path: Path, fitted: ScopePredictor, catalogue: Catalogue) -> Path:
    return save_model(fitted, tmp_path / "m", catalogue=catalogue, data_hash="abc")


def _edit(directory: Path, edit: Edit, *, reseal: bool = False) -> None:
    path = directory / "metadata.json"
    meta = json.loads(path.read_text())
    edit(meta)
    if reseal:
        meta = sealed_metadata(meta)
    path.write_text(json.dumps(meta))


def _clear_jit_only(meta: dict[str, Any]) -> None:
    for scope in meta["catalogue"]["scopes"]:
        scope.pop("jit_only", None)
        scope["risk"] = 0.0


def _empty_tool_scopes(meta: dict[str, Any]) -> None:
    for tool in meta["catalogue"]["tools"]:
        if tool["name"] == "bank.pay":
            tool["scopes"] = []


def _drop_a_scope(meta: dict[str, Any]) -> None:
    meta["scopes"] = meta["scopes"][1:]


def _change_a_checksum(meta: dict[str, Any]) -> None:
    meta["files"]["compact.npz"] = "0" * 64


EDITS: dict[str, Edit] = {
    "jit_only cleared": _clear_jit_only,
    "tool scopes emptied": _empty_tool_scopes,
    "scope list changed": _drop_a_scope,
    "file checksum changed": _change_a_checksum,
}


def test_saved_metadata_records_the_digest_of_its_own_content(model_dir: Path) -> None:
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION == 4
    assert len(meta[METADATA_DIGEST]) == 64
    assert meta[METADATA_DIGEST] == metadata_digest(meta)
    assert read_metadata(model_dir) == meta


def test_digest_depends_on_the_content_not_the_layout(model_dir: Path) -> None:
    path = model_dir / "metadata.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(list(meta.items())))))  # other order, no indent
    assert load_bundle(model_dir).catalogue.is_jit_only("bank:payments.write")


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edited_metadata_fails_to_load_on_both_paths(model_dir: Path, name: str) -> None:
    _edit(model_dir, EDITS[name])
    with pytest.raises(ArtifactError, match="does not match its own digest"):
        load_bundle(model_dir)
    with pytest.raises(ArtifactError, match="does not match its own digest"):
        runtime_load_scorer(model_dir)


def test_edited_catalogue_degrades_the_plan_instead_of_widening_it(model_dir: Path) -> None:
    _edit(model_dir, _clear_jit_only)
    with pytest.warns(ModelUnavailableWarning, match="does not match its own digest"):
        pre = PreAuthorizer(model_dir)
    plan = pre.plan("Pay the audit invoice from Carlos", {"domain": "money"})
    assert plan.degraded
    assert plan.upfront_scopes == frozenset()


def test_a_guard_cannot_be_built_on_an_edited_tool_catalogue(model_dir: Path) -> None:
    """The audit's repro: emptied tool scopes would have let the guard run the tool freely."""
    _edit(model_dir, _empty_tool_scopes)
    with pytest.raises(ArtifactError, match="does not match its own digest"):
        ScopeGuard(runtime_load_scorer(model_dir).catalogue, store="sqlite://")
    _edit(model_dir, lambda meta: None, reseal=True)  # restore a consistent digest
    catalogue = runtime_load_scorer(model_dir).catalogue
    assert catalogue.tool("bank.pay").scopes == ()  # the digest is not a signature (README)


def test_metadata_without_a_digest_is_refused(model_dir: Path) -> None:
    _edit(model_dir, lambda meta: meta.pop(METADATA_DIGEST))
    with pytest.raises(ArtifactError, match="records no digest of its own content"):
        runtime_load_scorer(model_dir)


def test_a_version_3_directory_is_refused_with_how_to_fix(model_dir: Path) -> None:
    """What the previous scopecast wrote: format 3, no digest. Refused, never half-loaded."""

    def as_version_3(meta: dict[str, Any]) -> None:
        meta["format_version"] = 3
        del meta[METADATA_DIGEST]

    _edit(model_dir, as_version_3)
    for load in (load_bundle, runtime_load_scorer):
        with pytest.raises(ArtifactError, match=r"format version 3 .*Retrain the model"):
            load(model_dir)


def test_the_default_model_cache_key_follows_the_format_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A default model cached by a scopecast of another format is never looked up: retrained."""
    import scopecast.defaults as defaults

    current = defaults.bundled_data_hash()
    monkeypatch.setattr(defaults, "FORMAT_VERSION", FORMAT_VERSION - 1)
    assert defaults.bundled_data_hash() != current
