"""The bascule command as a real process tree: started, watched, signalled, and never left behind by a test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

import bascule

SOURCE = Path(bascule.__file__).parents[1]  # the code under test, whichever checkout it is
ENDED_WITHIN = 10.0  # seconds a signalled process tree has to end, the workers' grace included
STARTED_WITHIN = 60.0  # seconds the command has to start its workers on a busy machine


@dataclass
class Command:
    """One ``python -m bascule ...`` in its own session, so that a test may signal its process group as a terminal."""

    process: subprocess.Popen[str]
    tree: list[psutil.Process] = field(default_factory=list)  # every process seen in it, the command first

    @property
    def pid(self) -> int:
        return self.process.pid

    def look(self) -> list[psutil.Process]:
        """The command's descendants now; each is kept in ``tree``, to check later that it ended."""
        try:
            found = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.tree += [child for child in found if child not in self.tree]
        return found

    def wait_for_workers(self, count: int) -> list[psutil.Process]:
        """The command's worker processes, once ``count`` of them are there; fails if it ended first."""
        deadline = time.monotonic() + STARTED_WITHIN
        while time.monotonic() < deadline:
            workers = self.look()
            if len(workers) >= count:
                return workers
            if self.process.poll() is not None:
                raise AssertionError(f"the command ended ({self.process.returncode}) before its workers started")
            time.sleep(0.02)
        raise AssertionError(f"no {count} workers after {STARTED_WITHIN} s")

    def wait_for_line(self, text: str) -> None:
        """Read standard error until a line holding ``text`` (the command prints its stages there)."""
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.look()
            if text in line:
                return
        raise AssertionError(f"the command ended without printing {text!r}")

    def signal(self, number: int, *, group: bool = False) -> None:
        """Send ``number`` to the command, or to its whole process group as a terminal's Ctrl-C does."""
        self.look()
        if group:
            os.killpg(self.pid, number)
        else:
            self.process.send_signal(number)

    def ended(self, within: float = ENDED_WITHIN) -> tuple[int, str, list[psutil.Process]]:
        """The command's exit code, its standard error, and the processes of its tree still alive after ``within``."""
        try:
            _, stderr = self.process.communicate(timeout=within)
        except subprocess.TimeoutExpired:
            return self.process.poll() or 0, "", self.alive()
        return self.process.returncode, stderr, self.alive(settle=within)

    def alive(self, settle: float = 0.0) -> list[psutil.Process]:
        """The processes of the tree still running (zombies are dead) once ``settle`` seconds have passed at most."""
        deadline = time.monotonic() + settle
        while True:
            running = [process for process in self.tree if _running(process)]
            if not running or time.monotonic() >= deadline:
                return running
            time.sleep(0.05)

    def kill_tree(self) -> None:
        """What a test leaves: nothing (SIGKILL to every process of the tree still there)."""
        self.look()
        for process in [psutil.Process(self.pid), *self.tree] if _exists(self.pid) else self.tree:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait()


def bascule_command(args: list[object], cwd: Path, stderr: int | None = subprocess.PIPE) -> Command:
    """Start ``python -m bascule ARGS`` in ``cwd``, on the code under test."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]))
    env.pop("COLUMNS", None)
    with heeding_stop_signals():
        process = subprocess.Popen(
            [sys.executable, "-m", "bascule", *map(str, args)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    return Command(process)


@contextmanager
def heeding_stop_signals() -> Iterator[None]:
    """A command started meanwhile heeds SIGINT and SIGHUP, even in a test session started deaf to them.

    A shell's background job ignores SIGINT, ``nohup`` SIGHUP, and the
    command keeps what it inherits (as it should: README "Exit codes"). A
    signal this process handles is at its default in a program it starts.
    """
    stopping = [signal.SIGINT, signal.SIGHUP]
    previous = {number: signal.signal(number, lambda *_: None) for number in stopping}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_to_the_end(args: list[object], cwd: Path, timeout: float = 300) -> tuple[int, str]:
    """Run the command to its end: its exit code and its standard error."""
    command = bascule_command(args, cwd)
    try:
        _, stderr = command.process.communicate(timeout=timeout)
    finally:
        command.kill_tree()
    return command.process.returncode, stderr


def keeping_track() -> tuple[Callable[[Command], Command], Callable[[], None]]:
    """A registry of the commands a test starts, and what kills what is left of them at its end."""
    started: list[Command] = []

    def track(command: Command) -> Command:
        started.append(command)
        return command

    def clean() -> None:
        for command in started:
            command.kill_tree()

    return track, clean


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _exists(pid: int) -> bool:
    return psutil.pid_exists(pid)


SIGNALS_HANDLED = {
    signal.SIGINT: 130,
    signal.SIGTERM: 143,
    signal.SIGHUP: 129,
}  # README, "Exit codes": 128 + the signal's number
