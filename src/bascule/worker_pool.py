"""The local process pool of a run: workers that die with their parent, and that a stop ends within seconds.

A :class:`WorkerPool` is a ``ProcessPoolExecutor`` whose workers are made
by :func:`bascule.signals.serve_as_worker` (SIGINT ignored, dead with their
parent) and started with SIGINT and SIGTERM blocked: a worker starts in
``submit``, and a signal that comes meanwhile waits for the worker's own
handlers. :meth:`WorkerPool.end_workers` does not wait for the parts that
run: SIGTERM, then SIGKILL to what is left after :data:`GRACE_SECONDS`.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import wait
from typing import Any, TypeVar

from bascule.signals import blocked, serve_as_worker

Done = TypeVar("Done")
GRACE_SECONDS = 3.0  # a worker told to stop (SIGTERM) is killed if it has not ended by then


class WorkerPool(ProcessPoolExecutor):
    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context()
        # a fork server, not this process, is the parent of its workers; it exits when this process does
        parent = None if context.get_start_method() == "forkserver" else os.getpid()
        super().__init__(workers, context, initializer=serve_as_worker, initargs=(parent,))

    def submit(self, fn: Callable[..., Done], /, *args: Any, **kwargs: Any) -> Future[Done]:
        with blocked():
            return super().submit(fn, *args, **kwargs)

    def end_workers(self, grace: float = GRACE_SECONDS) -> None:
        """Shut the pool down now, its parts not started cancelled and its workers ended, however busy."""
        # The pool's processes are private; Python 3.14's ProcessPoolExecutor.terminate_workers reads them alike.
        workers = list((getattr(self, "_processes", None) or {}).values())
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
