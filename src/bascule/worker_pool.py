"""The local process pool of a run: workers that die with their parent, and that a stop ends within seconds.

A :class:`WorkerPool` is a ``ProcessPoolExecutor`` whose workers are made
by :func:`bascule.signals.serve_as_worker` (SIGINT and SIGHUP ignored,
dead with their parent), all started when the pool is made, with the
stopping signals blocked: a signal that comes while one starts waits for
the worker's own handlers. :meth:`WorkerPool.end_workers` does not wait
for the parts that run: SIGTERM, then SIGKILL to what is left after
:data:`GRACE_SECONDS`.

Workers are never forked from the process that runs the command: a fork
server forks them, a fresh interpreter that has opened no database and
inherited no open file. A child forked while its parent has a SQLite
database open inherits SQLite's record of the locks its parent holds, not
the locks themselves
(``fcntl`` locks belong to a process): the child's own connections then
believe they hold locks they do not, and the parent, closing its last
connection, believes it is the last user of the file, checkpoints and
deletes the write-ahead log the workers are still writing to. Their
commits are lost, or the file is corrupted ("database disk image is
malformed" at a million stoppages; ``tests/durability/test_fork_safety.py``
shows it in a few hundred rows). A server database's connections are no
safer across ``fork()`` (a child closing one ends its parent's session).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import forkserver, resource_tracker
from multiprocessing.connection import wait
from typing import Any, TypeVar

from bascule.signals import blocked, deferred, ignored, serve_as_worker

Done = TypeVar("Done")
GRACE_SECONDS = 3.0  # a worker told to stop (SIGTERM) is killed if it has not ended by then
START_SECONDS = 120.0  # every worker of a pool has started by then, or the machine is in trouble
READY_PAUSE_SECONDS = 0.05  # a worker's first task lasts this long: long enough for another to take the next
# Where there is no fork server (Windows), each worker is a fresh interpreter: no less safe, slower to start.
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
# Imported once by the fork server, not by each worker it forks: what the parts of a run need.
PRELOADED = ["bascule.one_pass", "bascule.migrate.verify", "bascule.compare.calibration"]


class WorkerPool(ProcessPoolExecutor):
    """``workers`` processes, every one started and ready when the pool is made."""

    def __init__(self, workers: int, start_method: str = START_METHOD) -> None:
        context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            _fork_server_started()
        # a fork server, not this process, is the parent of its workers; it exits when this process does
        parent = None if start_method == "forkserver" else os.getpid()
        super().__init__(workers, context, initializer=serve_as_worker, initargs=(parent,))
        self._start_every_worker(workers)

    def submit(self, fn: Callable[..., Done], /, *args: Any, **kwargs: Any) -> Future[Done]:
        with blocked():
            return super().submit(fn, *args, **kwargs)

    def _start_every_worker(self, workers: int) -> None:
        """Each worker started before the first part (a pool starts one per part submitted while none is idle).

        A worker still starting when the pool is stopped would fail to
        read the pool's queues, gone with it, and print a traceback: a stop
        that comes meanwhile (a second, the first time) waits for them.
        Each round gives every worker a short task; a worker ready first
        may take two, and then there is another round.
        """
        deadline = time.monotonic() + START_SECONDS
        ready: set[int] = set()
        with deferred():
            while len(ready) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{workers - len(ready)} of {workers} workers not started in {START_SECONDS} s")
                ready |= {started.result() for started in [self.submit(_ready) for _ in range(workers)]}

    def end_workers(self, grace: float = GRACE_SECONDS) -> None:
        """Shut the pool down now, its parts not started cancelled and its workers ended, however busy."""
        # The pool's processes are private; Python 3.14's ProcessPoolExecutor.terminate_workers reads them alike.
        workers = list((getattr(self, "_processes", None) or {}).values())
        manager = getattr(self, "_executor_manager_thread", None)  # shutdown() forgets it
        self.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        # the processes' sentinels, not join(): the pool's own thread reaps them
        alive = {worker.sentinel: worker for worker in workers}
        deadline = time.monotonic() + grace
        while alive and (left := deadline - time.monotonic()) > 0:
            for ended in wait(list(alive), left):
                del alive[ended]
        for worker in alive.values():
            worker.kill()
        # The pool's own thread ends once it sees its workers gone: not racing the interpreter's exit, whose hook
        # would write to the pipe that thread closes (Python 3.11's concurrent.futures, "Bad file descriptor").
        if manager is not None:
            manager.join(timeout=grace)


def _fork_server_started() -> None:
    """The fork server of this process, started with the stopping signals blocked, as every worker it forks is then.

    A signal that comes while a worker starts waits for its own handlers
    (:func:`bascule.signals.serve_as_worker` unblocks them). Started once
    a process: a server running already is left as it is.
    """
    forkserver.set_forkserver_preload(PRELOADED)
    # The server starts multiprocessing's resource tracker first, which unblocks SIGINT and SIGTERM once it is
    # started (whatever the mask was): it is started before. It ignores those two, not a hang-up sent to the group.
    with ignored(getattr(signal, "SIGHUP", None)):  # an ignored signal stays so across exec()
        resource_tracker.ensure_running()
    with blocked():  # a signal mask is kept across fork() and exec()
        forkserver.ensure_running()


def _ready() -> int:
    time.sleep(READY_PAUSE_SECONDS)
    return os.getpid()
