"""``python -m scopecast``: the same as the ``scopecast`` command."""

from scopecast.cli import main

main()
