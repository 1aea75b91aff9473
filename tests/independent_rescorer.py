"""A second, deliberately simple scorer of a predictions file, written from trace-format.md only.

It shares no code with ``scopecast.evaluation``: raw JSON in, plain dicts and sets, the
format note's definitions line by line. Used to check that the metrics ``scopecast evaluate``
reports are the metrics of the decisions it writes with ``--predictions``.
"""

from __future__ import annotations

import json
from pathlib import Path

METRICS = (
    "interruptions_per_task",
    "zero_interruption_rate",
    "overgrant_per_task",
    "risk_overgrant_per_task",
    "upfront_precision",
    "upfront_recall",
    "consent_prompts_per_task",
    "cost_per_task",
)
"""The metrics of the format note's table, in its order."""


def check_report_shape(data: dict[str, object]) -> None:
    """Assert the report has the note's shape: every policy dict is exactly METRICS, floats.

    The one addition allowed is the top-level ``n_traces_by_policy`` (policy -> int).
    """
    assert set(data) <= {"n_traces", "policies", "n_traces_by_policy"}, sorted(data)
    assert type(data["n_traces"]) is int
    policies = data["policies"]
    assert isinstance(policies, dict)
    assert policies
    for name, metrics in policies.items():
        assert list(metrics) == list(METRICS), name
        assert all(type(value) is float for value in metrics.values()), name
    by_policy = data["n_traces_by_policy"]
    assert isinstance(by_policy, dict)
    assert list(by_policy) == list(policies)
    assert all(type(n) is int and 0 < n <= data["n_traces"] for n in by_policy.values())


def _closure(scopes: set[str], implies: dict[str, list[str]]) -> set[str]:
    result = set(scopes)
    changed = True
    while changed:
        changed = False
        for scope in list(result):
            for implied in implies.get(scope, []):
                if implied not in result:
                    result.add(implied)
                    changed = True
    return result


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _needed(trace: dict) -> set[str]:
    return {s for call in trace["calls"] for s in call["scopes"]}


def _domain(trace: dict) -> str:
    return (trace.get("context") or {}).get("domain", "")


def write_baseline_predictions(train_path: Path, test_path: Path, out_dir: Path) -> dict[str, Path]:
    """Decide the baselines of the format note from raw JSON; one predictions file each.

    ``jit_only`` (U = {}), ``all_known`` (every scope seen in training for the trace's
    domain, all seen scopes for a trace without a domain or of an unseen domain), ``frequency`` (scopes used by more than
    half of the training traces of the same domain) and ``oracle`` (U = N); no batches.
    ``plan`` is left out: it is scored only on the traces that have a plan.
    """
    seen: dict[str, set[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    everything: set[str] = set()
    for trace in _read_jsonl(train_path):
        domain = _domain(trace)
        everything.update(_needed(trace))
        if "domain" in (trace.get("context") or {}):
            seen.setdefault(domain, set()).update(_needed(trace))
        totals[domain] = totals.get(domain, 0) + 1
        for scope in _needed(trace):
            counts.setdefault(domain, {})[scope] = counts.get(domain, {}).get(scope, 0) + 1
    rules = {
        "jit_only": lambda trace: set(),
        "all_known": lambda trace: (
            seen.get(_domain(trace), everything)
            if "domain" in (trace.get("context") or {})
            else everything
        ),
        "frequency": lambda trace: {
            s for s, n in counts.get(_domain(trace), {}).items() if n > totals[_domain(trace)] / 2
        },
        "oracle": _needed,
    }
    test = _read_jsonl(test_path)
    paths = {}
    for name, rule in rules.items():
        paths[name] = out_dir / f"{name}.predictions.jsonl"
        lines = [
            json.dumps({"trace_id": t["trace_id"], "upfront": sorted(rule(t)), "batches": {}})
            for t in test
        ]
        paths[name].write_text("".join(line + "\n" for line in lines))
    return paths


def rescore(traces_path: Path, catalogue_path: Path, predictions_path: Path) -> dict[str, float]:
    """Replay every trace of ``traces_path`` with the decisions of ``predictions_path``."""
    catalogue = json.loads(catalogue_path.read_text())
    risk = {s["name"]: s.get("risk", 0.5) for s in catalogue.get("scopes", [])}
    jit_only = {s["name"] for s in catalogue.get("scopes", []) if s.get("jit_only", False)}
    implies = {s["name"]: s.get("implies", []) for s in catalogue.get("scopes", [])}
    decisions = {}
    for line in predictions_path.read_text().splitlines():
        row = json.loads(line)
        decisions[row["trace_id"]] = row

    n = 0
    interruptions_total = 0
    zero = 0
    overgrant_total = 0
    risk_total = 0.0
    hits = 0
    upfront_size = 0
    needed_size = 0
    screens = 0
    for line in traces_path.read_text().splitlines():
        trace = json.loads(line)
        decision = decisions.pop(trace["trace_id"])
        needed = {s for call in trace["calls"] for s in call["scopes"]}
        # A scope implying a jit_only one would grant it before the start: dropped too.
        upfront = {s for s in decision["upfront"] if not _closure({s}, implies) & jit_only}
        requested = set(upfront)
        interruptions = 0
        used_batches = set()
        for index, call in enumerate(trace["calls"]):
            covered = _closure(requested, implies)
            missing = {s for s in call["scopes"] if s not in covered}
            if missing:
                interruptions += 1
                extra = set(decision.get("batches", {}).get(str(index), []))
                used_batches.add(str(index))
                requested |= missing | extra
        unexplained = set(decision.get("batches", {})) - used_batches
        assert not unexplained, f"{trace['trace_id']}: batches at calls that did not interrupt"
        n += 1
        interruptions_total += interruptions
        zero += interruptions == 0
        over = requested - needed
        overgrant_total += len(over)
        risk_total += sum(risk.get(s, 0.5) for s in over)
        hits += len(upfront & needed)
        upfront_size += len(upfront)
        needed_size += len(needed)
        screens += len({s.split(":", 1)[0] for s in upfront})
    assert not decisions, f"predictions for traces not in the file: {sorted(decisions)[:3]}"
    return {
        "interruptions_per_task": interruptions_total / n,
        "zero_interruption_rate": zero / n,
        "overgrant_per_task": overgrant_total / n,
        "risk_overgrant_per_task": risk_total / n,
        "upfront_precision": hits / upfront_size if upfront_size else 0.0,
        "upfront_recall": hits / needed_size if needed_size else 0.0,
        "consent_prompts_per_task": (screens + interruptions_total) / n,
        "cost_per_task": (interruptions_total + risk_total) / n,
    }
