"""The local process pool stops within seconds, however busy its workers are, and they ignore Ctrl-C.

Real worker processes (:mod:`bascule.worker_pool`): a run interrupted, or
one of whose parts failed, ends its workers without waiting for the parts
they run; a worker that ignores SIGTERM is killed once the grace is over;
a worker sent SIGINT goes on with its part (the command decides); a worker
whose parent is killed ends with it, by Linux's parent-death signal or by
the portable watch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from bascule.scheduling import each_done, executor_for
from bascule.worker_pool import GRACE_SECONDS, WorkerPool
from tests.durability.processes import SOURCE

LONG = 60.0  # seconds a part would take: far more than any bound checked here
SLACK = 3.0  # seconds a busy machine may add to a bound


def sleep_for(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def fail_after(seconds: float) -> int:
    time.sleep(seconds)
    raise ValueError("this part fails")


def sleep_deaf_to_sigterm(seconds: float) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return sleep_for(seconds)


def pool_workers(pool: object) -> list[psutil.Process]:
    """This pool's worker processes (its private table, as ``end_workers`` reads it): not the other children of
    the test session, such as multiprocessing's resource tracker or an earlier pool's workers still ending."""
    return [psutil.Process(pid) for pid in getattr(pool, "_processes", {})]


def ended(processes: list[psutil.Process], within: float) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=within)
    return not alive


def test_an_interrupted_run_ends_its_busy_workers_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), executor_for(2) as pool:
        for _ in each_done(sleep_for, [0.0, LONG, LONG, LONG], pool, in_flight=4):
            workers = pool_workers(pool)
            raise KeyboardInterrupt  # Ctrl-C while the other parts run
    assert time.monotonic() - started < GRACE_SECONDS + SLACK
    assert len(workers) == 2 and ended(workers, within=SLACK)


def test_a_failed_part_does_not_wait_for_the_parts_that_run() -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match="this part fails"), executor_for(2) as pool:
        list(each_done(fail_after, [0.5], pool, in_flight=2))  # warm: the workers are there
        list(each_done(sleep_for, [LONG], pool, in_flight=2))  # never reached
    assert time.monotonic() - started < GRACE_SECONDS + SLACK


def test_a_worker_deaf_to_sigterm_is_killed_after_the_grace() -> None:
    with executor_for(2) as pool, _interrupted_after(2.0) as started:
        list(each_done(sleep_deaf_to_sigterm, [LONG, LONG], pool, in_flight=2))
    took = time.monotonic() - started[0]
    assert GRACE_SECONDS <= took < GRACE_SECONDS + SLACK


def test_a_worker_sent_sigint_finishes_its_part() -> None:
    with executor_for(2) as pool:
        future = pool.submit(sleep_for, 2.0)
        time.sleep(1.0)
        workers = pool_workers(pool)
        for worker in workers:
            worker.send_signal(signal.SIGINT)  # as a terminal sends Ctrl-C to the whole process group
        assert future.result(timeout=30) in {worker.pid for worker in workers}
        assert all(worker.is_running() for worker in workers)


KILLED_PARENT = """
import bascule.signals
from bascule.scheduling import each_done
from bascule.worker_pool import WorkerPool
from tests.durability.test_pool import sleep_for
if __name__ == "__main__":
    if {portable}:
        bascule.signals._killed_with_parent = lambda: False  # as where Linux's PR_SET_PDEATHSIG is not
    with WorkerPool(2, {method!r}) as pool:
        list(each_done(sleep_for, [{long}, {long}], pool, in_flight=2))
"""


@pytest.mark.parametrize(
    "method, portable",
    [("forkserver", False), ("spawn", False), ("spawn", True)],
    ids=["fork server (bascule's), parent watch", "spawned, parent-death signal", "spawned, parent watch"],
)
def test_the_workers_of_a_parent_killed_by_sigkill_end_with_it(method: str, portable: bool, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"  # a file: a fork server's children import the main module by its path
    script.write_text(KILLED_PARENT.format(method=method, portable=portable, long=LONG))
    root = Path(__file__).parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SOURCE), str(root)]))
    parent = subprocess.Popen([sys.executable, str(script)], cwd=root, env=env)
    tree: list[psutil.Process] = []
    try:
        tree = _descendants(parent.pid, 2)
        parent.kill()
        parent.wait()
        assert ended(tree, within=SLACK), [" ".join(process.cmdline()) for process in tree if process.is_running()]
    finally:
        parent.kill()
        for process in tree:
            if process.is_running():
                process.kill()


def _descendants(pid: int, workers: int) -> list[psutil.Process]:
    """The process's tree once ``workers`` of them run a part (a fork server and the resource tracker besides)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = psutil.Process(pid).children(recursive=True)
        if sum("resource_tracker" not in " ".join(process.cmdline()) for process in found) >= workers:
            time.sleep(1.0)  # their initializer has run
            return psutil.Process(pid).children(recursive=True)
        time.sleep(0.05)
    raise AssertionError(f"no {workers} workers in 30 s")


@contextmanager
def _interrupted_after(seconds: float) -> Iterator[list[float]]:
    """KeyboardInterrupt raised in this thread after ``seconds``, wherever it waits: a Ctrl-C, on a clock."""
    when: list[float] = []

    def interrupt(*_: object) -> None:
        when.append(time.monotonic())
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with pytest.raises(KeyboardInterrupt):
            yield when
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_stopped_pool_leaves_no_thread_of_its_own_running() -> None:
    """Python 3.11's exit hook wakes each pool's thread: one still closing its pipe then printed a traceback."""
    pool = WorkerPool(2)
    manager = pool._executor_manager_thread  # noqa: SLF001 (what end_workers waits for)
    pool.submit(sleep_for, LONG)
    pool.end_workers()
    assert manager is not None and not manager.is_alive()
