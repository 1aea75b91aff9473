"""Finding data sets in a folder, and naming them through a notebook's parameters or the environment."""

from __future__ import annotations

import os
import re
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


def test_find_datasets_fails_with_what_it_expected(tmp_path, monkeypatch) -> None:
    with pytest.raises(ConfigError, match=r"does not exist.*SCOPECAST_NB_DATA"):
        find_datasets(tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)  # a relative folder is shown with where it was looked for
    shown = re.escape(f"nowhere (that is {tmp_path / 'nowhere'}) does not exist")
    with pytest.raises(ConfigError, match=shown):
        find_datasets("nowhere")
    with pytest.raises(ConfigError, match=r"found no \*_train.jsonl"):
        find_datasets(tmp_path)
    _touch(tmp_path, "a_train.jsonl", "a_test.jsonl", "b_train.jsonl")  # no catalogue
    with pytest.raises(ConfigError, match=r"No data set in .*<name>_train.jsonl") as error:
        find_datasets(tmp_path)
    assert "a_train.jsonl has no a.catalogue.json or catalogue.json" in str(error.value)
    assert "b_train.jsonl has no b_test.jsonl and no b.catalogue.json" in str(error.value)


def test_named_files_that_do_not_exist_are_named_with_where_they_were_looked_for(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _touch(tmp_path, "a_train.jsonl", "c.json")
    with pytest.raises(ConfigError, match="absolute paths") as error:
        datasets_from_environment(
            tmp_path, train=["a_train.jsonl"], test=["b.jsonl"], catalogue="c.json", environ={}
        )
    assert f"b.jsonl (that is {tmp_path / 'b.jsonl'})" in str(error.value)
    assert "a_train.jsonl" not in str(error.value)


def test_named_files_win_over_the_environment_and_the_folder(tmp_path, shared_data) -> None:
    env = {"SCOPECAST_NB_DATA": str(shared_data)}
    _touch(tmp_path, "a_train.jsonl", "b.jsonl", "c.json")
    named = datasets_from_environment(
        tmp_path,
        train=[tmp_path / "a_train.jsonl"],
        test=[tmp_path / "b.jsonl"],
        catalogue=tmp_path / "c.json",
        environ=env,
    )
    assert named == [
        EvaluationDataset(
            "a", (tmp_path / "a_train.jsonl",), (tmp_path / "b.jsonl",), tmp_path / "c.json"
        )
    ]
    assert [d.name for d in datasets_from_environment(tmp_path, environ=env)] == [
        "agentdojo",
        "workbench_runs",
    ]


def test_the_environment_can_name_files_joined_by_pathsep(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _touch(tmp_path, "t1.jsonl", "t2.jsonl", "x.jsonl", "cat.json")
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
