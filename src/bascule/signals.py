"""How bascule's processes end: a signal stops the command cleanly, and no worker outlives it.

The command (:func:`stopped_by_signals`, around the CLI's ``main``): SIGINT
(Ctrl-C) and SIGTERM (what ``kill`` and job schedulers send) both raise
:class:`Interrupted`, a ``KeyboardInterrupt``, so every cleanup written for
Ctrl-C runs for both: no half run is kept, the workers are stopped within a
bound (:func:`bascule.scheduling.stop`). The command then exits 128 + the
signal's number, as a shell reports a process a signal ended: 130 for
SIGINT, 143 for SIGTERM. A signal that comes while it stops is ignored: the
stop is bounded, and a second Ctrl-C must not cut it short with a traceback.

A worker (:func:`serve_as_worker`, a process pool's initializer) ignores
SIGINT, which a terminal sends to the whole process group (its parent
decides), takes SIGTERM's default action (it ends at once), and dies with
its parent: Linux kills it when the parent ends, even by ``kill -9``
(``PR_SET_PDEATHSIG``); elsewhere a thread watches the parent. It is
started with both signals blocked (:func:`blocked`): one that comes while
it starts waits until its own handlers are set, instead of running the
command's handler (or Python's) in the worker.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 1.0  # how often a worker without PR_SET_PDEATHSIG looks whether its parent is still there


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by a signal: Ctrl-C's exception, so one cleanup serves both."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.number = number


class Received:
    """The first stopping signal the command was sent, if any."""

    number: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.number is None else 128 + self.number


@contextmanager
def stopped_by_signals() -> Iterator[Received]:
    """SIGINT and SIGTERM raise :class:`Interrupted` once, in the main thread; the handlers are restored after."""
    received = Received()

    def stop(number: int, _frame: FrameType | None) -> None:
        if received.number is not None:
            return  # already stopping: the stop is bounded, let it finish
        received.number = number
        raise Interrupted(number)

    previous = {number: signal.signal(number, stop) for number in STOPPING}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def blocked() -> Iterator[None]:
    """SIGINT and SIGTERM held back in this thread meanwhile (and in the processes it starts, until they unblock)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def serve_as_worker(parent: int | None) -> None:
    """Make this process a worker: SIGINT ignored, SIGTERM's default action, dead when ``parent`` ends.

    ``parent`` is the process that started this one (the pool's owner), or
    None when a fork server started it (it exits with the pool's owner):
    then this process's parent at start is the one watched.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the command's handler: not its own
    watched = os.getppid() if parent is None else parent
    if not _killed_with_parent():
        threading.Thread(target=_watch, args=(watched,), name="bascule-parent-watch", daemon=True).start()
    if os.getppid() != watched:  # the parent ended before the death signal was asked for: none will come
        os._exit(1)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(
            signal.SIG_UNBLOCK, STOPPING
        )  # started blocked (see blocked()): a SIGTERM waiting ends it


def _killed_with_parent() -> bool:
    """Ask Linux to send this process SIGKILL when its parent ends; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: only a worker on Linux needs it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:  # an orphan is adopted by another process: its parent's id changes
        time.sleep(WATCH_SECONDS)
    os._exit(1)
