"""The run store: the folder of one database's runs (their Parquet ledgers, the pseudonym key), marked as its own.

Run ids are the database's, so a folder of ``run-N`` means something only
with the database that numbered them. Beside a SQLite file ``NAME.db`` the
store is ``NAME-runs/``; a server database has no place of its own on the
disk, so its store is configured once (the first ``--store DIR`` or
``BASCULE_STORE``, or ``bascule db set-store DIR``) and kept in the
database (``database_identity.store``); never the working directory, which
two databases would share. The first use writes a marker in the folder,
``database.json``, naming the database's UUID; every later use, and every
read of a stored run, checks it and refuses another database's folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Engine, select

from bascule.compare.store import ShadowRun
from bascule.errors import BasculeError
from bascule.files import made_once, private_folder
from bascule.migrate.identity import Identity, configure_store, database_identity
from bascule.privacy import KEY_FILE

STORE_ENV = "BASCULE_STORE"
MARKER = "database.json"


class StoreError(BasculeError):
    """The run store is not configured, or the folder given is not this database's."""


def run_store(database: Engine, given: Path | None = None) -> Path:
    """The database's run store (absolute), checked to be its own; ``given`` (else BASCULE_STORE) configures it once.

    Nothing is written to the folder here: :func:`mark_store` does it when a run is first stored there.
    """
    identity = database_identity(database)
    given = given or _from_environment()
    if identity.store is not None:
        if given is not None and given.resolve() != identity.store:
            raise StoreError(
                f"the run store of {_shown(database)} is {identity.store}, not {given}: drop --store (and "
                f"BASCULE_STORE), or move the store with `bascule db set-store {given} --db URL`"
            )
        return _checked(database, identity, identity.store)
    if given is not None:
        folder = _checked(database, identity, given.resolve())
        if folder != beside_sqlite(database):
            configure_store(database, folder)
        return folder
    default = beside_sqlite(database)
    if default is None:
        raise StoreError(
            f"{_shown(database)} has no run store configured, and a server database's runs are never kept in the "
            "working directory: give --store DIR (or BASCULE_STORE) once, or run `bascule db set-store DIR --db URL`"
        )
    return _checked(database, identity, default)


def mark_store(database: Engine, folder: Path) -> Path:
    """``folder`` made (private) and marked as the database's store if it is not yet; refused if another's."""
    identity = database_identity(database)
    folder = _checked(database, identity, folder.resolve())
    private_folder(folder)
    marker = {"database": identity.id, "url": _shown(database)}
    made_once(folder / MARKER, lambda: (json.dumps(marker, indent=2) + "\n").encode())
    _check_marker(database, identity, folder)  # a process marking it for another database at the same time won
    return folder


def set_store(database: Engine, folder: Path) -> Path:
    """Keep the database's runs in ``folder`` from now on; its pseudonym key goes with it (runs stay where they are)."""
    identity = database_identity(database)
    before = identity.store or beside_sqlite(database)
    folder = mark_store(database, folder)
    if before is not None and before != folder and (before / KEY_FILE).exists():
        key = (before / KEY_FILE).read_bytes()
        if made_once(folder / KEY_FILE, lambda: key) != key:
            raise StoreError(
                f"{folder / KEY_FILE} is not the pseudonym key of {before}: the same people would get other "
                "pseudonyms; remove one of them, or keep the store where it is"
            )
    configure_store(database, folder)
    return folder


def checked_store(database: Engine, folder: Path) -> Path:
    """A stored run's folder, refused when its marker names another database (a folder without one is older)."""
    if (folder / MARKER).exists():
        _check_marker(database, database_identity(database), folder)
    return folder


def beside_sqlite(database: Engine) -> Path | None:
    """``NAME-runs/`` beside a SQLite file ``NAME.db``, absolute; None for a server database."""
    name = database.url.database
    if database.dialect.name != "sqlite" or name in (None, "", ":memory:"):
        return None
    path = Path(name).resolve()
    return path.with_name(f"{path.stem}-runs")


def _from_environment() -> Path | None:
    value = os.environ.get(STORE_ENV, "").strip()
    return Path(value) if value else None


def _checked(database: Engine, identity: Identity, folder: Path) -> Path:
    """``folder`` (absolute): the database's store by its marker, or without one, holding no other database's runs."""
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"the run store {folder} is a file, not a folder: give --store a folder")
    if (folder / MARKER).exists():
        _check_marker(database, identity, folder)
    else:
        _check_unmarked(database, folder)
    return folder


def _check_unmarked(database: Engine, folder: Path) -> None:
    """A folder without a marker may be adopted unless it holds runs this database did not store there."""
    runs = sorted(p.name for p in folder.glob("run-*") if p.is_dir()) if folder.is_dir() else []
    if not runs:
        return
    with database.connect() as connection:
        own = {f"run-{i}" for i in connection.scalars(select(ShadowRun.id).where(ShadowRun.store_path == str(folder)))}
    strangers = [name for name in runs if name not in own]
    if strangers:
        raise StoreError(
            f"{folder} holds runs this database ({_shown(database)}) did not store there ({', '.join(strangers[:3])}"
            f"{', …' if len(strangers) > 3 else ''}): they are another database's, e.g. one since recreated. "
            "Move the folder away (or remove it), or give --store another folder"
        )


def _check_marker(database: Engine, identity: Identity, folder: Path) -> None:
    marker = folder / MARKER
    try:
        owner = json.loads(marker.read_text(encoding="utf-8"))
        owner_id, owner_url = str(owner["database"]), str(owner.get("url", "?"))
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
        raise StoreError(f"{marker} is not a run store's marker: move {folder} away, or give --store") from None
    if owner_id != identity.id:
        raise StoreError(
            f"the run store {folder} belongs to another database ({owner_url}, identity {owner_id}), not to "
            f"{_shown(database)} (identity {identity.id}): its runs are not this database's. Move the folder "
            "away, or give --store a folder of this database's own"
        )


def _shown(database: Engine) -> str:
    return database.url.render_as_string(hide_password=True)
