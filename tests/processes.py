"""Real bascule processes for the tests of kills and concurrency: started, waited for, killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bascule

SOURCE = Path(bascule.__file__).parents[1]  # the code under test, whichever checkout runs the tests
BEAT = "0.2"  # seconds between heartbeats: a dead holder on another machine is seen in under 2 s


def environment(**extra: str) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if name != "BASCULE_TEST_PAUSE"}
    return inherited | {"PYTHONPATH": str(SOURCE), "BASCULE_HEARTBEAT_SECONDS": BEAT} | extra


def bascule_process(args: list[str], cwd: Path, pause: str | None = None) -> subprocess.Popen[str]:
    """``bascule ARGS`` in a process of its own; ``pause``: where it waits (``part=60``, :mod:`bascule.leases`)."""
    extra = {"BASCULE_TEST_PAUSE": pause} if pause else {}
    return python_process(["-c", "from bascule.cli import main; main()", *args], cwd, **extra)


def python_process(args: list[str], cwd: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env=environment(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60.0) -> object:
    """The condition's first true value, polled; a failure that says what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
