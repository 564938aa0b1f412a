"""Where the parts of a run are done: in this process, a local process pool, or a Dask cluster.

Every choice is a :class:`concurrent.futures.Executor` (Dask's through
``distributed.Client.get_executor``), so the runners know one interface.
A bounded number of parts is in flight at a time: memory follows the
number of workers, not the extract.

A run that ends early (a part failed, the user pressed Ctrl-C, a scheduler
sent SIGTERM) does not wait for the parts still running: :func:`stop`
cancels those not started and ends the local workers within seconds
(:mod:`bascule.worker_pool`, whose workers also die with their parent).
A part is idempotent: a rerun does it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

from bascule.errors import BasculeError
from bascule.signals import deferred

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

    from bascule.worker_pool import WorkerPool

Job = TypeVar("Job")
Done = TypeVar("Done")
SCHEDULER_VARIABLE = "BASCULE_SCHEDULER"
RETRIES = 3  # a part whose worker was lost is done again (it is idempotent), this many times at most
DASK_CLOSE_SECONDS = 10  # a Dask client or local cluster not closed by then is left to close itself


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
def _process_pool(workers: int) -> Iterator[WorkerPool]:
    """A pool of worker processes that die with this one; ended at once if the work ends early."""
    from bascule.worker_pool import WorkerPool  # here: `bascule --help` does not need a process pool

    pool = WorkerPool(workers)
    try:
        yield pool
    except BaseException:
        pool.end_workers()
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

    A Dask cluster's workers are not this process's to end: their tasks
    are cancelled, and a local cluster is closed with its client. The
    executor cannot be used afterwards.
    """
    for future in pending:
        future.cancel()
    end_workers = getattr(executor, "end_workers", None)  # a WorkerPool's
    if end_workers is not None:
        end_workers()


@contextmanager
def _dask_executor(scheduler: str, workers: int) -> Iterator[Executor]:
    try:
        import distributed  # noqa: F401  (here: whether the extra is installed, before anything starts)
    except ModuleNotFoundError:
        raise BasculeError(
            f"--scheduler {scheduler} runs on Dask, which is not installed: pip install 'bascule[dask]'"
        ) from None
    cluster: LocalCluster | None = None
    client: Client | None = None
    try:
        with deferred():  # a cluster or client interrupted while it starts cannot be closed, and fails at exit
            if scheduler == "local" or scheduler.startswith("local:"):
                cluster = _local_cluster(_local_workers(scheduler, workers))
            client = _client(cluster or scheduler, scheduler)
        yield client.get_executor(retries=RETRIES, pure=False)
    finally:  # bounded: an interrupted run does not wait long on a cluster that does not answer
        for started in (client, cluster):
            if started is not None:
                with suppress(TimeoutError):
                    started.close(timeout=DASK_CLOSE_SECONDS)


def _local_cluster(count: int) -> LocalCluster:
    from distributed import LocalCluster

    try:
        return LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None)
    except RuntimeError as exc:  # its worker processes could not start (memory, process limits)
        raise BasculeError(f"cannot start a local Dask cluster of {count} workers: {exc}") from None


def _client(address: LocalCluster | str, scheduler: str) -> Client:
    from distributed import Client

    try:
        return Client(address, timeout="30s")
    except OSError as exc:
        raise BasculeError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None


def _local_workers(scheduler: str, workers: int) -> int:
    _, _, count = scheduler.partition(":")
    if not count:
        return workers
    if not count.isdigit() or int(count) < 1:
        raise BasculeError(f"--scheduler {scheduler}: give local, local:N (N workers, N ≥ 1) or a scheduler address")
    return int(count)
