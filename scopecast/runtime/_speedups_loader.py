"""The optional C speedups of the compact scorer, or ``None`` where they are not built.

``scopecast.runtime._speedups`` (``_speedups.c``) is compiled when the package is installed
on a machine with a C compiler and Python's headers (the build hook ``hatch_build.py``);
without it every feature is computed in Python, with the same results (tests compare the
two). ``SCOPECAST_NO_SPEEDUPS=1`` in the environment makes the runtime ignore a built
module: to compare the paths, or to rule the C code out when hunting a problem.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["speedups"]


def _load() -> ModuleType | None:
    if os.environ.get("SCOPECAST_NO_SPEEDUPS", "") not in ("", "0"):
        return None
    try:
        from scopecast.runtime import _speedups
    except ImportError:  # not built here: the Python path is used
        return None
    return _speedups


speedups: ModuleType | None = _load()
"""The compiled module, or ``None`` (not built, or disabled by ``SCOPECAST_NO_SPEEDUPS``)."""
