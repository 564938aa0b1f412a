"""How bascule's processes end: a signal stops the command cleanly, and no worker outlives it.

The command (:func:`stopped_by_signals`, around the CLI's ``main``): SIGINT
(Ctrl-C), SIGTERM (what ``kill`` and job schedulers send) and SIGHUP (the
terminal closed) each raise
:class:`Interrupted`, a ``KeyboardInterrupt``, so every cleanup written for
Ctrl-C runs for each: no half run is kept, the workers are stopped within a
bound (:func:`bascule.scheduling.stop`). The command then exits 128 + the
signal's number, as a shell reports a process a signal ended: 130 for
SIGINT, 143 for SIGTERM, 129 for SIGHUP (a command run under ``nohup``
ignores it, as it was asked). A signal that comes while it stops is
ignored: the stop is bounded, and a second Ctrl-C must not cut it short
with a traceback.

A worker (:func:`serve_as_worker`, a process pool's initializer) ignores
SIGINT and SIGHUP, which a terminal sends to the whole process group (its
parent decides), takes SIGTERM's default action (it ends at once), and
dies with its parent: a thread waits on multiprocessing's sentinel of the pool's
owner (a fork server started the worker, and outlives the owner for a
moment); a worker the owner started itself is also killed by Linux when
the owner ends, even by ``kill -9`` (``PR_SET_PDEATHSIG``). It is started
with the stopping signals blocked (:func:`blocked`): one that comes while it
starts waits until its own handlers are set, instead of running Python's
handler in the worker.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

# SIGHUP: the terminal went away (an ssh session lost). Windows has none of it.
STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
# What a terminal sends to every process of the group: a worker leaves the decision to the command.
TO_THE_GROUP = tuple(number for number in STOPPING if number != signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by a signal: Ctrl-C's exception, so one cleanup serves both."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.number = number


@dataclass
class Received:
    """The first stopping signal the command was sent, if any."""

    number: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.number is None else 128 + self.number


@contextmanager
def stopped_by_signals() -> Iterator[Received]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` once, in the main thread; the handlers are restored after.

    A signal the command was started deaf to stays so: ``nohup`` ignores
    SIGHUP, a shell running a command in the background ignores SIGINT.
    """
    received = Received()

    def stop(number: int, _frame: FrameType | None) -> None:
        if received.number is not None:
            return  # already stopping: the stop is bounded, let it finish
        received.number = number
        raise Interrupted(number)

    previous = {number: signal.signal(number, stop) for number in _heeded()}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def blocked() -> Iterator[None]:
    """The stopping signals held back in this thread meanwhile (and in the processes it starts, until they unblock)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def ignored(number: int | None) -> Iterator[None]:
    """Signal ``number`` ignored meanwhile, in the main thread (None, or another thread: nothing changes)."""
    if number is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(number, previous)


@contextmanager
def deferred() -> Iterator[None]:
    """The stopping signals handled once this is over, not in the middle (of what cannot be undone half made).

    A signal that comes meanwhile is noted; when it is over the handler
    that was there is given it (the command's raises :class:`Interrupted`).
    Outside the main thread, where handlers cannot be set, nothing is deferred.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {number: signal.signal(number, lambda number, _: noted.append(number)) for number in _heeded()}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if noted:
            signal.raise_signal(noted[0])  # to the handler restored, as if it came now


def _heeded() -> list[int]:
    """The stopping signals this process does not ignore."""
    return [number for number in STOPPING if signal.getsignal(number) != signal.SIG_IGN]


def serve_as_worker(parent: int | None) -> None:
    """Make this process a worker: SIGINT and SIGHUP ignored, SIGTERM's default action, dead when the pool's owner ends.

    ``parent`` is the pool's owner when it started this process, or None
    when a fork server did: the server outlives the owner, so only the
    watch of the owner (multiprocessing's parent sentinel) ends the worker.
    """
    for number in TO_THE_GROUP:
        signal.signal(number, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the command's handler: not its own
    if parent is None or not _killed_with_parent():
        threading.Thread(target=_watch_owner, name="bascule-owner-watch", daemon=True).start()
    if parent is not None and os.getppid() != parent:  # it ended before the death signal was asked for
        os._exit(1)
    if hasattr(signal, "pthread_sigmask"):  # it started with them blocked (see blocked()): a SIGTERM waiting ends it
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)


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


def _watch_owner() -> None:
    """End this process when the process that asked for it ends (its end closes a pipe this one reads)."""
    import multiprocessing
    from multiprocessing.connection import wait

    owner = multiprocessing.parent_process()
    if owner is not None:
        wait([owner.sentinel])
        os._exit(1)
