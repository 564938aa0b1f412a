"""The user's files, read and written the same careful way by every command.

Inputs are checked to be regular files before they are opened (a FIFO
would block the run for ever), text is UTF-8 with its faulty byte named
by line and column, YAML errors name their line. Outputs are checked
before any long work starts (the folder exists and can be written to),
then written whole or not at all: to a temporary file beside the target,
renamed over it once complete, so that no half-written file is ever left.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bascule.errors import BasculeError, UnusableFile

if TYPE_CHECKING:
    import pandas as pd

PROBE_PREFIX = ".bascule-probe-"


def check_regular(path: str | Path, what: str, error: type[BasculeError] = UnusableFile) -> None:
    """Refuse a path that exists but is not a regular file (a folder, a FIFO, a device); a missing one passes."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # said by whoever opens it, in its own words
    if stat.S_ISDIR(mode):
        raise error(f"{path} is a folder, not the {what}: give the file itself")
    if not stat.S_ISREG(mode):
        raise error(f"{path} is not a regular file (a FIFO, a socket or a device): give the {what} as a file")


def read_bytes(path: str | Path, what: str, error: type[BasculeError] = UnusableFile) -> bytes:
    check_regular(path, what, error)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error(f"cannot read the {what} {path}: {exc.strerror}") from None


def read_text(path: str | Path, what: str, error: type[BasculeError] = UnusableFile) -> str:
    """The file as UTF-8 text (a byte-order mark is allowed); a byte that is not UTF-8 is named."""
    data = read_bytes(path, what, error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            f"{path}: the {what} is not UTF-8 (byte 0x{data[exc.start]:02X} at line {line}, column {column}); "
            "save it as UTF-8"
        ) from None


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, with a date that is not one of the calendar refused where it is written."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> dt.date | dt.datetime:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value} is not a date of the calendar (YYYY-MM-DD)", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def load_yaml(text: str, where: str, error: type[BasculeError]) -> object:
    """A YAML document, or one line saying where and why it is not valid."""
    try:
        return yaml.load(text, Loader=_Loader)  # a subclass of the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "").split())
        raise error(f"{where}: not valid YAML{at}: {problem}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None


# ------------------------------------------------------------------ outputs
def check_writable_file(path: str | Path, what: str, error: type[BasculeError] = UnusableFile) -> Path:
    """Refuse, before any work, an output file that could not be written: nothing is left behind."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{path} is a folder: give the {what} a file name (e.g. {path / 'report'}.…)")
    _probe(path.parent, path, what, error)
    return path


def check_writable_folder(path: str | Path, what: str, error: type[BasculeError] = UnusableFile) -> Path:
    """Refuse, before any work, an output folder that could not be made or written to (none is made here)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise error(f"{path} is a file, not a folder: give the {what} a folder")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise error(f"cannot make the {what} {path}: {existing} is a file, not a folder")
    _probe(existing, path, what, error)
    return path


def _probe(folder: Path, target: Path, what: str, error: type[BasculeError]) -> None:
    shown = folder if str(folder) not in ("", ".") else Path.cwd()
    if not folder.exists():
        raise error(
            f"cannot write the {what} {target}: the folder {shown} does not exist; create it or write elsewhere"
        )
    if not folder.is_dir():
        raise error(f"cannot write the {what} {target}: {shown} is a file, not a folder")
    try:
        descriptor, probe = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=folder)
    except OSError as exc:
        raise error(
            f"cannot write the {what} {target}: the folder {shown} cannot be written to ({exc.strerror}); "
            "write elsewhere"
        ) from None
    os.close(descriptor)
    os.unlink(probe)


@contextmanager
def written(
    path: str | Path, what: str, error: type[BasculeError] = UnusableFile, private: bool = False
) -> Iterator[Path]:
    """A temporary path to write the output at; renamed to ``path`` when the block ends well, removed otherwise.

    ``private``: the file holds identities, and is readable by its owner only.
    """
    path = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise error(f"cannot write the {what} {path}: {exc.strerror}") from None
    os.close(descriptor)
    if private:
        os.chmod(temporary, PRIVATE_FILE)
    else:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # the mode of a file opened the ordinary way, not mkstemp's 0600
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise error(f"cannot write the {what} {path}: {exc.strerror}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text(
    path: str | Path, text: str, what: str, error: type[BasculeError] = UnusableFile, private: bool = False
) -> None:
    with written(path, what, error, private) as temporary:
        temporary.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------ private files
# Files that hold identities (NIRs: the SQLite database, the run store's Parquet files, a worklist
# with identities shown) or keys are readable by their owner only, whatever the umask: a umask
# only takes permissions away, so the mode is set explicitly after creating.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: str | Path) -> Path:
    """``path`` as a folder, it and each missing folder above it made readable by their owner only."""
    path = Path(path)
    if not path.parent.is_dir():
        private_folder(path.parent)
    try:
        path.mkdir(mode=PRIVATE_FOLDER)
    except FileExistsError:
        return path
    os.chmod(path, PRIVATE_FOLDER)
    return path


def open_private(path: str | Path, exclusive: bool = False) -> int:
    """A descriptor to write ``path`` at, the file readable by its owner only (``exclusive``: it must not exist)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)  # an existing file keeps its mode through O_TRUNC
    return descriptor


def create_private(path: str | Path) -> None:
    """An empty file readable by its owner only, made if missing (SQLite fills it, its -wal and -shm take its mode)."""
    try:
        os.close(open_private(path, exclusive=True))
    except FileExistsError:
        pass


def write_private_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """A frame as a Parquet file readable by its owner only."""
    with os.fdopen(open_private(path), "wb") as file:
        frame.to_parquet(file, index=False)


def made_once(path: str | Path, make: Callable[[], bytes]) -> bytes:
    """The content of ``path``, made by ``make()`` and written by the first process to get there.

    Written to a private temporary file in the same folder, then linked to its name: the link fails
    when another process linked first, whose content is then read. So a reader never sees an empty
    or partial file, and every process racing to make it reads the same content.
    """
    path = Path(path)
    if path.exists():
        return path.read_bytes()
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(descriptor, PRIVATE_FILE)
        with os.fdopen(descriptor, "wb") as file:
            file.write(make())
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: its content is the one
    finally:
        os.unlink(temporary)
    return path.read_bytes()
