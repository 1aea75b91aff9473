"""The ``scopecast`` command line (typer + rich): thin commands that parse, call the library, print.

Each command lives in its own module and registers itself on :data:`app`; errors of the
library (:class:`~scopecast.exceptions.ScopecastError`) are caught once, here, and printed
as one red line on stderr with exit code 1.
"""

from __future__ import annotations

from scopecast._training_stack import needs_training_stack

with needs_training_stack("The scopecast command line (scopecast.cli)"):
    from scopecast.cli._app import app, run_app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    run_app()
