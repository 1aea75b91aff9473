"""Run scopecast's benchmarks and print each figure next to its baseline; write a JSON of results.

Usage (from the repository root)::

    python -m benchmarks                 # everything but 1M-trace training (a few minutes)
    python -m benchmarks --quick         # fewer repetitions, training at 10k only
    python -m benchmarks --full          # also train on 1M generated traces (long)
    python -m benchmarks --only guard imports --out results.json

Sections:

- ``imports``: import time of ``scopecast`` and the runtime path vs ``sklearn``;
- ``guard``: guard overhead per granted tool call vs calling the tool directly;
- ``prediction``: cold start (new process: import, load the model, plan one task) vs the same
  through the scikit-learn pipeline; ``plan()`` latency (median, p99) vs scikit-learn
  ``predict_proba`` on one row; batch throughput on 100k tasks;
- ``reading``: ``read_traces`` of 20k generated traces with and without the repeated-key check;
- ``training``: training time and peak memory at 10k, 100k (and with ``--full`` 1M) generated
  traces, each in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

SECTIONS: tuple[str, ...] = ("imports", "guard", "prediction", "reading", "training")


def _section(name: str) -> Callable[[argparse.Namespace], dict[str, object]]:
    if name == "imports":
        from benchmarks.imports import run_imports

        return lambda args: run_imports(args.quick)
    if name == "guard":
        from benchmarks.guard import run_guard

        return lambda args: run_guard(args.quick)
    if name == "prediction":
        from benchmarks.prediction import run_prediction

        return lambda args: run_prediction(args.quick)
    if name == "reading":
        from benchmarks.reading import run_reading

        return lambda args: run_reading(args.quick)
    from benchmarks.training import run_training

    return lambda args: run_training(args.quick, args.full, args.sizes)


def _machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the chosen sections, print and save the results."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions; train at 10k only")
    parser.add_argument("--full", action="store_true", help="also train on 1M generated traces")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--sizes", nargs="+", type=int, help="training sizes (overrides --quick/--full sizes)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmark-results.json"), help="JSON results file"
    )
    args = parser.parse_args(argv)
    from benchmarks.report import print_section

    results: dict[str, object] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "machine": _machine(),
        "sections": {},
    }
    sections: dict[str, object] = results["sections"]  # type: ignore[assignment]
    for name in args.only or SECTIONS:
        start = time.perf_counter()
        print(f"== {name} ...", flush=True)
        try:
            data = _section(name)(args)
        except Exception as err:  # a section that cannot run is reported, not fatal
            data = {"error": f"{type(err).__name__}: {err}"}
        data["section_seconds"] = time.perf_counter() - start
        sections[name] = data
        print_section(name, data)
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    results["machine_after"] = _machine()
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"results written to {args.out}")
    return 0
