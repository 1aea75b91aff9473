"""The public namespace: `__all__` matches it, and `import scopecast` stays light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import ModuleType

import scopecast
from tests.conftest import ROOT

HEAVY = ("sklearn", "scipy", "pandas", "pyarrow", "matplotlib", "mlflow")


def test_all_imports_are_exported() -> None:
    # After httpx's test of the same name; submodules (scopecast.traces, ...) are not names.
    included_private_members = ["__version__"]
    public = {
        name
        for name, value in vars(scopecast).items()
        if (not name.startswith("_") or name in included_private_members)
        and not isinstance(value, ModuleType)
    }
    assert set(scopecast.__all__) == public
    assert len(scopecast.__all__) == len(set(scopecast.__all__))


def test_import_scopecast_does_not_import_heavy_packages() -> None:
    code = (
        "import json, sys, scopecast; "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT
    )
    assert json.loads(done.stdout) == []
