"""Finding data sets in a folder, and naming them through a notebook's parameters or the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scopecast.evaluation import (
    EvaluationDataset,
    datasets_from_environment,
    find_datasets,
    matching_group_pattern,
)
from scopecast.exceptions import ConfigError


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text("", encoding="utf-8")


def test_find_datasets_pairs_train_and_test_with_the_closest_catalogue(shared_data) -> None:
    found = {d.name: d for d in find_datasets(shared_data)}
    assert set(found) == {"agentdojo", "workbench_runs"}
    assert found["agentdojo"].catalogue.name == "agentdojo.catalogue.json"
    assert found["workbench_runs"].catalogue.name == "workbench.catalogue.json"
    assert found["workbench_runs"].test == (shared_data / "workbench_runs_test.jsonl",)


def test_find_datasets_names_the_generic_prefix_after_the_folder(tmp_path) -> None:
    folder = tmp_path / "bundled"
    folder.mkdir()
    _touch(folder, "traces_train.jsonl", "traces_test.jsonl", "catalogue.json", "x_train.jsonl")
    assert find_datasets(folder) == [
        EvaluationDataset(
            "bundled",
            (folder / "traces_train.jsonl",),
            (folder / "traces_test.jsonl",),
            folder / "catalogue.json",
        )
    ]


def test_find_datasets_fails_with_what_it_expected(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        find_datasets(tmp_path / "nowhere")
    _touch(tmp_path, "a_train.jsonl", "a_test.jsonl")  # no catalogue
    with pytest.raises(ConfigError, match=r"No data set in .*<name>_train.jsonl"):
        find_datasets(tmp_path)


def test_named_files_win_over_the_environment_and_the_folder(tmp_path, shared_data) -> None:
    env = {"SCOPECAST_NB_DATA": str(shared_data)}
    named = datasets_from_environment(
        tmp_path, train=["a_train.jsonl"], test=["b.jsonl"], catalogue="c.json", environ=env
    )
    assert named == [
        EvaluationDataset("a", (Path("a_train.jsonl"),), (Path("b.jsonl"),), Path("c.json"))
    ]
    assert [d.name for d in datasets_from_environment(tmp_path, environ=env)] == [
        "agentdojo",
        "workbench_runs",
    ]


def test_the_environment_can_name_files_joined_by_pathsep(tmp_path) -> None:
    env = {
        "SCOPECAST_NB_TRAIN": os.pathsep.join(["t1.jsonl", "t2.jsonl"]),
        "SCOPECAST_NB_TEST": "x.jsonl",
        "SCOPECAST_NB_CATALOGUE": "cat.json",
    }
    (dataset,) = datasets_from_environment(tmp_path, environ=env)
    assert dataset.train == (Path("t1.jsonl"), Path("t2.jsonl"))
    assert dataset.catalogue == Path("cat.json")


def test_naming_only_some_files_is_an_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="Name all three"):
        datasets_from_environment(tmp_path, train=["a.jsonl"], environ={})


def test_a_group_pattern_applies_to_the_data_sets_whose_ids_it_matches(shared_data) -> None:
    found = {d.name: d for d in find_datasets(shared_data)}
    pattern = r"/(t-[0-9a-f]{10})/"  # the notebooks' GROUP_PATTERN: WorkBench's template id
    assert matching_group_pattern(found["workbench_runs"], pattern) == pattern
    assert matching_group_pattern(found["agentdojo"], pattern) is None  # no t-<id> in its ids
    assert matching_group_pattern(found["workbench_runs"], "") is None
    assert matching_group_pattern(found["workbench_runs"], None) is None
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        matching_group_pattern(found["agentdojo"], "/(t-")
