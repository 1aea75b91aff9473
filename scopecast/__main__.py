"""``python -m scopecast``: the same as the ``scopecast`` command."""

from scopecast._console import main

main()
