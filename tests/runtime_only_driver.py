"""What an agent does with ``pip install scopecast`` alone (no ``[train]``): run in a subprocess.

``python tests/runtime_only_driver.py MODEL_DIR WORK_DIR [--block]`` plans a task with the
compact model in ``MODEL_DIR``, runs a guarded tool call through a SQLite run store, builds
an OAuth consent URL, and tries what needs the training stack (the default model, the full
model package, Parquet traces, the command line, the evaluation's precision-recall curves
and figures) and imports every module of the package. It prints one JSON object with what
it saw. ``--block`` makes the training stack unimportable first, for the fast test in the
development environment; the slow test runs it without, in a virtualenv where
``pip install`` of the project left the stack out.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import io
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

TRAINING_STACK = ("sklearn", "scipy", "pandas", "pyarrow", "skops", "mlflow", "matplotlib")
CLI_STACK = ("typer", "rich")


class _Absent(importlib.abc.MetaPathFinder):
    """A finder that makes the training stack look not installed (what ``import`` would say)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if fullname.partition(".")[0] in TRAINING_STACK + CLI_STACK:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def _error_of(action: Any) -> dict[str, Any]:
    """Run ``action``; return the type and message of what it raised."""
    try:
        action()
    except Exception as err:  # what was raised is the result
        return {
            "type": type(err).__name__,
            "message": str(err),
            "is_import_error": isinstance(err, ImportError),
        }
    return {"type": "none", "message": "", "is_import_error": False}


TASK = "Email Carlos the Q3 numbers and put a review meeting in the calendar"
CONTEXT = {"domain": "workplace"}


def main(model_dir: Path, work: Path) -> dict[str, Any]:
    """Use the runtime as an agent would; return what happened."""
    import scopecast
    from scopecast import read_traces
    from scopecast.runtime import (
        CallbackAuthorizer,
        ConsentRequest,
        Grant,
        OAuthAuthorizer,
        OAuthProvider,
        PreAuthorizer,
    )

    result: dict[str, Any] = {"scopecast_file": scopecast.__file__}
    pre = PreAuthorizer(model_dir)
    task = TASK
    plan = pre.plan(task, context=CONTEXT)
    result["degraded"] = pre.is_degraded
    result["upfront"] = sorted(plan.upfront_scopes)
    result["probabilities"] = {
        planned.scope: planned.probability
        for planned in [*plan.deferred, *(s for c in plan.upfront for s in c.scopes)]
    }

    asked: list[list[str]] = []

    def user(request: ConsentRequest) -> Grant:
        asked.append(sorted(request.requested))
        return Grant.of(request.request_id, request.requested)

    guard = pre.guard(store=f"sqlite:///{work / 'runs.db'}", authorizer=CallbackAuthorizer(user))
    assert pre.catalogue is not None
    spec = next(t for t in pre.catalogue.tools if t.scopes)
    tool, scope = spec.name, spec.scopes[0]
    provider = scope.partition(":")[0]

    @guard.tool(tool)
    def send(to: str) -> str:
        return f"sent to {to}"

    with guard.start(task, context=CONTEXT, upfront=plan.upfront_scopes):
        result["call"] = send("carlos@acme.com")
    result["tool"], result["tool_scopes"] = tool, sorted(spec.scopes)
    result["asked"] = asked

    oauth = OAuthAuthorizer(
        [
            OAuthProvider(
                name=provider,
                authorize_url="https://accounts.example/authorize",
                token_url="https://accounts.example/token",
                client_id="scopecast-test",
                redirect_uri="http://127.0.0.1:8765/callback",
            )
        ],
        secret_key=b"k" * 32,
    )
    request = ConsentRequest(
        "run-1",
        "req-1",
        tool,
        missing=frozenset({scope}),
        requested=frozenset({scope}),
        granted=frozenset(),
    )
    result["consent_url"] = oauth.consent_urls(request)[provider]

    os.environ["SCOPECAST_CACHE_DIR"] = str(work / "cache")  # no default model there yet
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        default = PreAuthorizer()
        default_plan = default.plan(task)
    result["default_degraded"] = default.is_degraded and default_plan.degraded
    result["default_warning"] = " ".join(str(w.message) for w in caught)

    result["model_package"] = _error_of(lambda: __import__("scopecast.model"))
    result["parquet"] = _error_of(lambda: read_traces(work / "traces.parquet"))
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        from scopecast._console import main as console_main

        sys.argv = ["scopecast", "--help"]
        try:
            console_main()
        except SystemExit as exit_:
            result["console_exit"] = exit_.code
    result["console_stderr"] = stderr.getvalue()
    result["cli_package"] = _error_of(lambda: importlib.import_module("scopecast.cli"))
    result["pr_curves"], result["figure"] = _evaluation_errors()
    result["heavy_modules"] = sorted(m for m in TRAINING_STACK + CLI_STACK if m in sys.modules)
    result["module_errors"] = _module_errors()
    return result


def _evaluation_errors() -> tuple[dict[str, Any], dict[str, Any]]:
    """What ``scopecast.evaluation`` (importable without the stack) says where it needs it."""
    import numpy as np

    from scopecast.evaluation import (
        ProbabilityTable,
        ReliabilityBin,
        precision_recall_curves,
        reliability_figure,
    )

    table = ProbabilityTable(
        ("t1", "t2"), ("a:x",), np.array([[0.9], [0.2]]), np.array([[1.0], [0.0]])
    )
    pr_curves = _error_of(lambda: precision_recall_curves(table, table.scopes))
    bins = {"model": [ReliabilityBin(0.0, 1.0, 2, 0.55, 0.5)]}
    return pr_curves, _error_of(lambda: reliability_figure(bins))


def _module_errors() -> dict[str, str]:
    """Each module of scopecast whose import fails other than by naming the extra: its error."""
    import scopecast

    root = Path(scopecast.__file__).parent
    errors = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name == "scopecast.__main__":  # runs the command line
            continue
        try:
            importlib.import_module(name)
        except Exception as err:
            if type(err).__name__ != "MissingExtraError":
                errors[name] = f"{type(err).__name__}: {err}"
    return errors


if __name__ == "__main__":
    if "--block" in sys.argv:
        sys.meta_path.insert(0, _Absent())
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
