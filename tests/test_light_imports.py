"""The runtime path stays light: planning imports no scikit-learn, SciPy, pandas or MLflow.

Each check runs in a fresh interpreter (``sys.modules`` of the test process already holds
everything) and reads which heavy packages it ended up with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy", "pandas", "mlflow", "pyarrow", "matplotlib")


def heavy_modules_after(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; return the heavy top-level packages it imported."""
    probe = (
        code
        + "\nimport json, sys\n"
        + f"print(json.dumps(sorted(m for m in {HEAVY!r} + ('sqlalchemy',) if m in sys.modules)))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_import_scopecast_imports_no_heavy_package() -> None:
    assert heavy_modules_after("import scopecast") == []


def test_preauthorizer_import_needs_no_run_store() -> None:
    assert heavy_modules_after("from scopecast.runtime import PreAuthorizer") == []


def test_guard_import_loads_the_store_but_nothing_heavy() -> None:
    assert heavy_modules_after("from scopecast.runtime import ScopeGuard") == ["sqlalchemy"]
