"""The embedded default: where the bundled data and the cached default model live."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scopecast.defaults import (
    BUNDLED_TRAIN,
    bundled_data_hash,
    bundled_file,
    cache_dir,
    default_model_dir,
)
from scopecast.exceptions import ConfigError, ModelError


def test_cache_dir_prefers_scopecast_then_xdg_then_home(tmp_path: Path) -> None:
    assert cache_dir({"SCOPECAST_CACHE_DIR": str(tmp_path), "XDG_CACHE_HOME": "/x"}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "scopecast"
    assert cache_dir({}) == Path.home() / ".cache" / "scopecast"


def test_bundled_data_hash_is_stable_and_short() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", bundled_data_hash())
    assert bundled_data_hash() == bundled_data_hash()


def test_bundled_file_names_an_unknown_file() -> None:
    assert bundled_file(BUNDLED_TRAIN).is_file()
    with pytest.raises(ConfigError, match="not part of the bundled data"):
        bundled_file("model.skops")


def test_default_model_dir_without_training_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="scopecast demo"):
        default_model_dir(train=False, environ={"SCOPECAST_CACHE_DIR": str(tmp_path)})
    assert not any(tmp_path.iterdir())


def test_default_model_dir_reuses_a_cached_model(tmp_path: Path) -> None:
    cached = tmp_path / f"default-{bundled_data_hash()}"
    cached.mkdir()
    assert default_model_dir(train=False, environ={"SCOPECAST_CACHE_DIR": str(tmp_path)}) == cached
