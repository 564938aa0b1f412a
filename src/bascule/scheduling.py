"""Where the parts of a run are done: in this process, a local process pool, or a Dask cluster.

Every choice is a :class:`concurrent.futures.Executor` (Dask's through
``distributed.Client.get_executor``), so the runners know one interface.
A bounded number of parts is in flight at a time: memory follows the
number of workers, not the extract.

A run that ends early (a part failed, the user pressed Ctrl-C, a scheduler
sent SIGTERM) does not wait for the parts still running: :func:`stop`
cancels those not started and ends the local workers, SIGTERM then SIGKILL
after :data:`GRACE_SECONDS`. A part is idempotent, so a rerun does it again.
Each local worker also dies with its parent (:func:`bascule.signals.serve_as_worker`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from bascule.errors import BasculeError
from bascule.signals import serve_as_worker

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

Job = TypeVar("Job")
Done = TypeVar("Done")
SCHEDULER_VARIABLE = "BASCULE_SCHEDULER"
RETRIES = 3  # a part whose worker was lost is done again (it is idempotent), this many times at most
GRACE_SECONDS = 3.0  # a worker told to stop (SIGTERM) is killed if it has not ended by then
DASK_CLOSE_SECONDS = 10  # a Dask client or local cluster that does not close by then is left to its own watchdogs


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@contextmanager
def executor_for(workers: int, scheduler: str | None = None) -> Iterator[Executor | None]:
    """The executor of ``workers`` local processes, or of the Dask scheduler named; None: this process.

    ``scheduler``: ``local`` or ``local:N`` starts a Dask ``LocalCluster`` of
    N single-threaded worker processes (``workers`` by default); any other
    value is a running scheduler's address (``tcp://host:8786``).
    """
    if scheduler:
        with _dask_executor(scheduler, workers) as dask:
            yield dask
    elif workers <= 1:
        yield None
    else:
        with _process_pool(workers) as pool:
            yield pool


@contextmanager
def _process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of worker processes that die with this one; shut down at once if the work ends early."""
    import multiprocessing  # here: `bascule --help` does not need it
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context()
    # a fork server, not this process, is the parent of its workers; it exits when this process does
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(workers, context, initializer=serve_as_worker, initargs=(parent,))
    try:
        yield pool
    except BaseException:
        stop(pool)
        raise
    pool.shutdown(wait=True)


def each_done(
    function: Callable[[Job], Done], jobs: Iterable[Job], executor: Executor | None, in_flight: int
) -> Iterator[Done]:
    """``function(job)`` for every job, as each finishes, with at most ``in_flight`` submitted and not yet given."""
    if executor is None:
        yield from map(function, jobs)
        return
    pending: set[Future[Done]] = set()
    try:
        for job in jobs:
            pending.add(executor.submit(function, job))
            if len(pending) >= in_flight:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in finished)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in finished)
    except BaseException:  # a part failed, the user interrupted, or the caller stopped reading: no part runs on
        stop(executor, pending)
        raise


def stop(executor: Executor, pending: Iterable[Future[Any]] = ()) -> None:
    """Cancel the ``pending`` parts and end a local pool's workers without waiting for their parts.

    Each worker is sent SIGTERM and killed if it has not ended within
    :data:`GRACE_SECONDS`. A Dask cluster's workers are not this process's
    to end: their tasks are cancelled, and a local cluster is closed with
    its client. The pool cannot be used afterwards.
    """
    for future in pending:
        future.cancel()
    from concurrent.futures import ProcessPoolExecutor

    if isinstance(executor, ProcessPoolExecutor):
        _end_workers(executor)


def _end_workers(pool: ProcessPoolExecutor) -> None:
    from multiprocessing.connection import wait as first_ended

    # The pool's processes are private; Python 3.14's ProcessPoolExecutor.terminate_workers reads them alike.
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    # wait on the processes' sentinels, not join(): the pool's own thread reaps them
    alive = {worker.sentinel: worker for worker in workers}
    deadline = time.monotonic() + GRACE_SECONDS
    while alive and (left := deadline - time.monotonic()) > 0:
        for ended in first_ended(list(alive), left):
            del alive[ended]
    for worker in alive.values():
        worker.kill()


@contextmanager
def _dask_executor(scheduler: str, workers: int) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ModuleNotFoundError:
        raise BasculeError(
            f"--scheduler {scheduler} runs on Dask, which is not installed: pip install 'bascule[dask]'"
        ) from None
    cluster = None
    if scheduler == "local" or scheduler.startswith("local:"):
        count = _local_workers(scheduler, workers)
        try:
            cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None)
        except RuntimeError as exc:  # its worker processes could not start (memory, process limits)
            raise BasculeError(f"cannot start a local Dask cluster of {count} workers: {exc}") from None
        address: object = cluster
    else:
        address = scheduler
    try:
        client = Client(address, timeout="30s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise BasculeError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        yield client.get_executor(retries=RETRIES, pure=False)
    finally:  # bounded: an interrupted run must not wait on a cluster that does not answer
        client.close(timeout=DASK_CLOSE_SECONDS)
        if cluster is not None:
            cluster.close(timeout=DASK_CLOSE_SECONDS)


def _local_workers(scheduler: str, workers: int) -> int:
    _, _, count = scheduler.partition(":")
    if not count:
        return workers
    if not count.isdigit() or int(count) < 1:
        raise BasculeError(f"--scheduler {scheduler}: give local, local:N (N workers, N ≥ 1) or a scheduler address")
    return int(count)
