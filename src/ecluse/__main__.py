"""``python -m ecluse``: the same as the ``ecluse`` command."""

from ecluse.cli import main

main()
