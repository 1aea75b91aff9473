"""Which trace files make a data set: train files, test files and a catalogue, found or named.

The evaluation notebooks run on every data set of a directory (the bundled ``data/`` by
default) or on files the user names. A data set in a directory is a pair
``<prefix>_train.jsonl`` / ``<prefix>_test.jsonl`` with a catalogue beside it:
``<prefix>.catalogue.json``, else the longest ``<p>.catalogue.json`` whose ``p`` starts
``<prefix>`` (``workbench.catalogue.json`` for ``workbench_runs_*``), else ``catalogue.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scopecast.exceptions import ConfigError

__all__ = [
    "EvaluationDataset",
    "datasets_from_environment",
    "find_datasets",
    "matching_group_pattern",
    "trained_model",
]

_GENERIC_PREFIX = "traces"


@dataclass(frozen=True)
class EvaluationDataset:
    """One data set to evaluate: a name, training files, test files and a catalogue.

    Attributes
    ----------
    name : str
        Shown in titles and tables.
    train : tuple[Path, ...]
        Trace files to fit the model and the baselines on.
    test : tuple[Path, ...]
        Trace files to report on.
    catalogue : Path
        Risk, ``jit_only`` and ``implies`` of the scopes.
    """

    name: str
    train: tuple[Path, ...]
    test: tuple[Path, ...]
    catalogue: Path


def _catalogue_for(directory: Path, prefix: str) -> Path | None:
    exact = directory / f"{prefix}.catalogue.json"
    if exact.is_file():
        return exact
    candidates = [
        path
        for path in directory.glob("*.catalogue.json")
        if prefix.startswith(path.name.removesuffix(".catalogue.json"))
    ]
    if candidates:
        return max(candidates, key=lambda path: len(path.name))
    generic = directory / "catalogue.json"
    return generic if generic.is_file() else None


def find_datasets(directory: str | Path) -> list[EvaluationDataset]:
    """Every ``<prefix>_train.jsonl`` / ``<prefix>_test.jsonl`` pair of ``directory`` with its catalogue.

    Parameters
    ----------
    directory : str | Path
        A folder of trace files (the bundled ``data/`` or ``../shared/data``).

    Returns
    -------
    list[EvaluationDataset]
        Sorted by name. The generic prefix ``traces`` takes the directory's name.

    Raises
    ------
    ConfigError
        If the directory does not exist or holds no complete data set.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(
            f"The data directory {_shown(folder)} does not exist. Point the notebook at a folder "
            f"holding <name>_train.jsonl, <name>_test.jsonl and a catalogue (DATA_DIR in its "
            f"first cell, or SCOPECAST_NB_DATA), or name the files instead (SCOPECAST_NB_TRAIN, "
            f"SCOPECAST_NB_TEST and SCOPECAST_NB_CATALOGUE)."
        )
    found: list[EvaluationDataset] = []
    incomplete: list[str] = []
    for train in sorted(folder.glob("*_train.jsonl")):
        prefix = train.name.removesuffix("_train.jsonl")
        test = folder / f"{prefix}_test.jsonl"
        catalogue = _catalogue_for(folder, prefix)
        if not test.is_file() or catalogue is None:
            lacks = []
            if not test.is_file():
                lacks.append(f"{prefix}_test.jsonl")
            if catalogue is None:
                lacks.append(f"{prefix}.catalogue.json or catalogue.json")
            incomplete.append(f"{train.name} has no {' and no '.join(lacks)}")
            continue
        name = folder.resolve().name if prefix == _GENERIC_PREFIX else prefix
        found.append(EvaluationDataset(name, (train,), (test,), catalogue))
    if not found:
        raise ConfigError(
            f"No data set in {_shown(folder)}: expected <name>_train.jsonl and "
            f"<name>_test.jsonl with <name>.catalogue.json (or catalogue.json) beside them"
            + (f"; {'; '.join(incomplete)}." if incomplete else ", and found no *_train.jsonl.")
        )
    return sorted(found, key=lambda d: d.name)


def _shown(path: Path) -> str:
    """``path``, and where it is when it is relative (a notebook runs in its own folder)."""
    return str(path) if path.is_absolute() else f"{path} (that is {path.absolute()})"


def _paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(part) for part in value.split(os.pathsep) if part)


def datasets_from_environment(
    default_directory: str | Path,
    *,
    train: Sequence[str | Path] = (),
    test: Sequence[str | Path] = (),
    catalogue: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[EvaluationDataset]:
    """The data sets a notebook runs on: named files, else a directory's data sets.

    Explicit ``train``/``test``/``catalogue`` (a notebook's first cell) win; otherwise the
    variables ``SCOPECAST_NB_TRAIN``, ``SCOPECAST_NB_TEST`` (paths joined by ``os.pathsep``)
    and ``SCOPECAST_NB_CATALOGUE`` name one data set; otherwise ``SCOPECAST_NB_DATA`` (or
    ``default_directory``) is searched with :func:`find_datasets`. The environment is read
    only when this function is called, from ``environ`` (default: ``os.environ``).

    Raises
    ------
    ConfigError
        If only some of train, test and catalogue are given, a named file does not exist, or
        no data set is found.
    """
    env = os.environ if environ is None else environ
    train_paths = tuple(Path(p) for p in train) or _paths(env.get("SCOPECAST_NB_TRAIN", ""))
    test_paths = tuple(Path(p) for p in test) or _paths(env.get("SCOPECAST_NB_TEST", ""))
    catalogue_value = catalogue or env.get("SCOPECAST_NB_CATALOGUE") or None
    named = [bool(train_paths), bool(test_paths), catalogue_value is not None]
    if all(named):
        assert catalogue_value is not None
        missing = [p for p in (*train_paths, *test_paths, Path(catalogue_value)) if not p.is_file()]
        if missing:
            hint = (
                f" A relative path is read from the folder the notebook runs in ({Path.cwd()}): "
                f"give absolute paths (e.g. $PWD/my_train.jsonl)."
                if any(not p.is_absolute() for p in missing)
                else ""
            )
            raise ConfigError(
                f"The named file(s) {', '.join(map(_shown, missing))} do not exist.{hint}"
            )
        name = train_paths[0].name.removesuffix(".jsonl").removesuffix("_train")
        return [EvaluationDataset(name, train_paths, test_paths, Path(catalogue_value))]
    if any(named):
        raise ConfigError(
            "Name all three of the train files, the test files and the catalogue (or none of "
            f"them, to use a data directory); got train={[str(p) for p in train_paths]}, "
            f"test={[str(p) for p in test_paths]}, catalogue={catalogue_value}."
        )
    return find_datasets(env.get("SCOPECAST_NB_DATA") or default_directory)


def matching_group_pattern(dataset: EvaluationDataset, pattern: str | None) -> str | None:
    """``pattern`` if it matches the ``trace_id`` of some training trace of ``dataset``, else ``None``.

    The notebooks train every data set of a folder with one ``GROUP_PATTERN`` (by default
    WorkBench's template id, ``scopecast.model.WORKBENCH_TEMPLATE``, as ``scopecast train
    --group-pattern`` in the README): a data set whose ids it matches is grouped by it, the
    others by task template, as ``scopecast train`` without ``--group-pattern`` (which refuses
    a pattern that matches no id).

    Raises
    ------
    ConfigError
        If ``pattern`` is not a usable regular expression.
    DataValidationError
        From reading the training traces.
    """
    if not pattern:
        return None
    import importlib

    from scopecast.traces import read_traces

    compiled = importlib.import_module("scopecast.model._grouping").compiled_group_pattern(pattern)
    traces = read_traces(list(dataset.train))
    return pattern if any(compiled.search(t.trace_id) for t in traces) else None


def trained_model(
    dataset: EvaluationDataset,
    models_dir: str | Path,
    *,
    group_pattern: str | None = None,
    **predictor_params: object,
) -> Path:
    """The model directory of ``dataset`` under ``models_dir``, trained there if it is missing or stale.

    A model already in ``models_dir/<name>`` is reused when its metadata records the hash of
    the dataset's training traces (``scopecast.model.data_hash``), the dataset's catalogue as
    it is now, merged with the traces' as training merges it (a changed risk changes the
    policy training chose), the same
    ``group_pattern`` and the same value of every parameter of the
    :class:`~scopecast.model.ScopePredictor` that ``predictor_params`` make (a parameter not
    given is compared at its default: ``{}`` reuses only a model trained with the defaults);
    otherwise a
    :class:`scopecast.model.ScopePredictor` with ``predictor_params`` is trained on them with
    the dataset's catalogue (:func:`scopecast.model.train_to_directory`) and saved there.
    The directory can then be passed to ``scopecast evaluate --model``.

    Raises
    ------
    DataValidationError, ModelError, ArtifactError
        From reading the traces, training or saving.
    """
    import importlib

    from scopecast.catalogue import load_catalogue
    from scopecast.exceptions import ArtifactError
    from scopecast.traces import read_traces

    model = importlib.import_module("scopecast.model")
    directory = Path(models_dir) / dataset.name
    traces = read_traces(list(dataset.train))
    digest = model.data_hash(traces)
    catalogue = load_catalogue(dataset.catalogue)
    predictor = model.ScopePredictor(**predictor_params)
    # every parameter, as the metadata records them (tuples as lists, other objects by repr);
    # the featurizer is recorded fitted, so it is compared only when it was given
    params = {
        key: value
        for key, value in predictor.get_params(deep=False).items()
        if key != "featurizer" or key in predictor_params
    }
    wanted = json.loads(json.dumps({**params, "group_pattern": group_pattern}, default=repr))
    try:
        metadata = model.read_metadata(directory)
        recorded = metadata.get("params", {})
        merged = model.training_catalogue(traces, catalogue)  # the one training records
        same_catalogue = metadata.get("catalogue") == merged.model_dump(
            mode="json", exclude_defaults=True
        )
        if (
            metadata.get("data_hash") == digest
            and same_catalogue
            and all(recorded.get(key) == value for key, value in wanted.items())
        ):
            return directory
    except ArtifactError:
        pass  # no usable model there yet: train one
    model.train_to_directory(
        traces,
        directory,
        catalogue,
        predictor=predictor,
        group_pattern=group_pattern,
    )
    return directory
