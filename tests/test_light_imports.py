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
# Agent frameworks: only scopecast.integrations.<framework> imports them.
FRAMEWORKS = ("langgraph", "langchain_core")


def heavy_modules_after(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; return the heavy top-level packages it imported."""
    probe = (
        code
        + "\nimport json, sys\n"
        + f"print(json.dumps(sorted(m for m in {HEAVY + FRAMEWORKS!r} + ('sqlalchemy',) if m in sys.modules)))\n"
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


def test_the_integrations_package_imports_no_framework() -> None:
    assert heavy_modules_after("import scopecast.integrations") == []


def test_the_langgraph_integration_without_langgraph_names_the_extra() -> None:
    block = (
        "import importlib.abc, sys\n"
        "class Absent(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.partition('.')[0] in ('langgraph', 'langchain_core'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "from scopecast.exceptions import MissingExtraError\n"
        "try:\n"
        "    import scopecast.integrations.langgraph\n"
        "except MissingExtraError as err:\n"
        "    assert \"pip install 'scopecast[langgraph]'\" in str(err), err\n"
        "else:\n"
        "    raise AssertionError('imported without langgraph')\n"
    )
    assert heavy_modules_after(block) == []
