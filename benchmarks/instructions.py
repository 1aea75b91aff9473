"""Instructions per ``plan()`` (and per part of it), counted with callgrind: load-independent.

Timings on a shared machine move by more than a small optimisation saves; instruction counts
do not. ``python -m benchmarks.instructions`` plans 300 held-out generated tasks with the
``--quick`` benchmark model (trained and cached by :func:`benchmarks.data.model_dir`) under
valgrind's callgrind, counting only what runs inside one ``functools.reduce`` over the tasks
(``--toggle-collect``), after every task was planned once untimed (warm caches, as in
service), with the garbage collector off and a fixed hash seed, so that two runs of the same
code count the same instructions to within a few hundred per plan.

Parts: ``plan`` (``PreAuthorizer.plan``), ``features`` (the compact scorer's rows and factors),
``probability`` (features, scoring and calibration), ``predict`` (probabilities laid out on
the catalogue, checked) and ``decide`` (the policy on those probabilities). Needs ``valgrind``
on the ``PATH``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from benchmarks._measure import ROOT
from benchmarks.data import model_dir, traces_file

PARTS = ("plan", "features", "probability", "predict", "decide")
N_TASKS = 300

_CHILD = """
import functools, gc, itertools, sys
from scopecast import iter_traces
from scopecast.runtime import PreAuthorizer
from scopecast.scoring import TaskInput
inputs = [TaskInput.from_trace(t, 0) for t in itertools.islice(iter_traces({traces!r}), {n})]
pre = PreAuthorizer({model!r})
layout = pre._layout()
assert layout is not None, "the benchmark model has no compact form"
costs = pre.planning_costs
for item in inputs:
    pre.plan(item.task, item.context)
steps = {{
    "plan": (lambda _, item: pre.plan(item.task, item.context), inputs),
    "features": (lambda _, item: layout.scorer._inputs.features(item), inputs),
    "probability": (lambda _, item: layout.scorer.probability_row(item), inputs),
    "predict": (lambda _, item: layout.predict(item), inputs),
    "decide": (
        lambda _, prediction: layout.decide(prediction, costs),
        [layout.predict(item) for item in inputs],
    ),
}}
step, items = steps[{part!r}]
gc.collect()
gc.disable()
functools.reduce(step, items, None)
"""


def count(part: str) -> float:
    """Instructions per call of ``part``, counted by callgrind inside ``functools.reduce``."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind); nothing was counted.")
    model, _ = model_dir(quick=True)
    child = _CHILD.format(traces=str(traces_file(100_000)), n=N_TASKS, model=str(model), part=part)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", child], check=True, env=env, cwd=ROOT)  # compile, warm
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={tmp}/callgrind.out",
                sys.executable,
                "-c",
                child,
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no instruction count:\n{out.stderr[-2000:]}")
    return int(found.group(1)) / N_TASKS


def main(argv: list[str] | None = None) -> int:
    """Print the instructions per call of each part asked for."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__)
    parser.add_argument("parts", nargs="*", choices=PARTS, default=["plan"])
    args = parser.parse_args(argv)
    for part in args.parts:
        print(f"{part:12s} {count(part):>10,.0f} instructions per call", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
