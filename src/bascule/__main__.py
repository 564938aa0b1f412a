"""``python -m bascule``: the ``bascule`` command, where its console script is not on the path."""

from bascule.cli import main

if __name__ == "__main__":  # not when a worker process imports the main module
    main()
