"""The ``scopecast`` console script, which must start even where the command line cannot.

The command line (typer, rich) comes with the training stack, ``scopecast[train]``; on a
runtime-only install the script prints how to get it and exits 1, instead of a traceback
ending in ``No module named 'typer'``.
"""

from __future__ import annotations

import sys

from scopecast.exceptions import MissingExtraError


def main() -> None:
    """Console-script entry point: :func:`scopecast.cli.main`, or one line on what to install."""
    try:
        from scopecast.cli import main as cli_main
    except MissingExtraError as err:  # scopecast.cli names the extra when typer or rich is missing
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    cli_main()
