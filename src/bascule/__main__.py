"""``python -m bascule``: the ``bascule`` command, where its console script is not on the path."""

from bascule.cli import main

main()
