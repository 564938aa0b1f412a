"""Open a database by URL and keep its schema current with Alembic.

A SQLite file is the embedded default, PostgreSQL the shared store
(docs/DESIGN.md). The schema is versioned: an empty database is brought to the
current version on first use; a database at an older version is upgraded
only when asked (``bascule db upgrade``), because other people may share it.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import NoReturn

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.pool import NullPool

from bascule.defaults import DEFAULT_DATABASE as DEFAULT_DATABASE  # where it was: importers keep working
from bascule.errors import BasculeError
from bascule.files import check_regular, create_private

SCRIPTS = Path(__file__).parent / "alembic"


class DatabaseError(BasculeError):
    """The database cannot be opened, or its schema is not the one bascule needs."""


def database_url(value: str) -> str:
    """A URL as given, or a plain path taken as a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


DRIVERS = {  # a missing driver module → what to install
    "psycopg": "pip install 'bascule[postgresql]'",
    "psycopg2": "pip install psycopg2-binary, or use postgresql+psycopg:// with pip install 'bascule[postgresql]'",
    "MySQLdb": "pip install mysqlclient (bascule is tested on SQLite and PostgreSQL)",
    "pymysql": "pip install PyMySQL (bascule is tested on SQLite and PostgreSQL)",
}
WHERE = "give sqlite:///FILE.db, postgresql+psycopg://user:password@host/name, or a SQLite file path"


def open_database(url: str, *, existing: bool = False) -> Engine:
    """An engine on the database, checked to answer and to be a database.

    ``existing``: the database must be there already (a command that only
    reads never creates an empty SQLite file for a mistyped path).
    """
    if not url.strip():
        raise DatabaseError(f"no database given (--db or BASCULE_DB is empty): {WHERE}")
    url = database_url(url)
    try:
        parsed = make_url(url)
        # The parts of a dry run are loaded by several workers, one transaction each: a SQLite writer
        # waits for the one before it (5 s by default) rather than fail.
        waiting = {"connect_args": {"timeout": 600}} if parsed.get_backend_name() == "sqlite" else {}
        engine = create_engine(parsed, **waiting)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise DatabaseError(f"{_masked(url)!r} is not a database URL bascule can use ({exc}): {WHERE}") from None
    except ModuleNotFoundError as exc:
        hint = DRIVERS.get(exc.name or "", f"install the Python driver {exc.name!r}")
        raise DatabaseError(f"the driver {exc.name!r} for {url.split(':')[0]} is not installed: {hint}") from None
    shown = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite":
        _check_sqlite_file(engine, shown, existing)
        event.listen(engine, "connect", _sqlite_pragmas if not existing else _sqlite_foreign_keys)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master")  # reads the file's header
    except SQLAlchemyDatabaseError as exc:
        engine.dispose()
        reason = " ".join(str(exc.orig).split())
        if "not a database" in reason:
            reason += " (is it the extract, or another file?): give a bascule database, or the name of a new file"
        raise DatabaseError(f"cannot open the database {shown}: {reason}") from None
    return engine


def _masked(url: str) -> str:
    """A URL that may not parse, its password hidden."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _check_sqlite_file(engine: Engine, shown: str, existing: bool) -> None:
    name = engine.url.database
    if name in (None, "", ":memory:") or "mode=memory" in str(engine.url):
        raise DatabaseError(
            f"the database {shown} is in memory: nothing would be kept; give a file, e.g. sqlite:///bascule.db"
        )
    path = Path(name)
    check_regular(path, "database", DatabaseError)
    if not path.parent.is_dir():
        raise DatabaseError(f"cannot open the database {shown}: the folder {path.parent} does not exist; create it")
    if existing and not path.exists():
        raise DatabaseError(
            f"no database at {path}: give the --db your runs were stored in (or BASCULE_DB); "
            "bascule dry-run or migrate makes one"
        )
    create_private(path)  # it holds identities: readable by its owner only (its -wal and -shm take its mode)


# Settings of each connection, never written to the file. A bulk load inserts into several
# B-trees at once (each table's primary key, its unique constraints, its indexes): a page
# cache of 64 MiB (the default is 2 MiB) keeps their hot pages in memory instead of
# rereading them; the cost is that memory, per connection. Temporary B-trees (sorts,
# index builds) stay in memory too: bounded by what one statement sorts.
SESSION_PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY")


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    """For a database that must exist: nothing written to the file on opening (WAL is kept by the file itself)."""
    cursor = dbapi_connection.cursor()
    for pragma in SESSION_PRAGMAS:  # foreign keys: SQLite leaves them unchecked otherwise
        cursor.execute(pragma)
    cursor.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    cursor = dbapi_connection.cursor()
    for pragma in SESSION_PRAGMAS:
        cursor.execute(pragma)
    # WAL: a commit appends to the write-ahead log instead of rewriting pages, and readers
    # (verify-migration, a report) do not block the writer. synchronous = NORMAL syncs the
    # log at each checkpoint, not at each commit: a crash of bascule or of the machine never
    # corrupts the file, and a crash of bascule loses no commit (the log is in the OS's
    # cache); a power cut may lose the last commits, each a whole chunk with the row saying
    # it is done, so the resumed run migrates those chunks again. That is why it is
    # acceptable: resuming is idempotent. synchronous = OFF could corrupt the file; a
    # rollback journal syncs twice per commit.
    _in_wal_mode(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


WAL_SWITCH_SECONDS = 60  # how long a connection tries to put a fresh file in WAL mode while another holds it


def _in_wal_mode(cursor) -> None:  # noqa: ANN001 (a DB-API cursor)
    """``PRAGMA journal_mode = WAL``, tried again while the file is locked.

    Two processes opening a fresh file race to switch its journal: where
    waiting could deadlock, SQLite answers "database is locked" at once
    instead of calling the busy handler, so the 600 s timeout does not
    help. The loser holds no lock then (nothing else ran on its
    connection) and tries again until the winner's transaction ends.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


@cache  # the scripts bascule ships do not change while it runs; reading them costs a command 25 ms
def head_revision() -> str:
    head = ScriptDirectory(str(SCRIPTS)).get_current_head()
    assert head is not None, "bascule ships its migrations"
    return head


def current_revision(engine: Engine | Connection) -> str | None:
    if isinstance(engine, Connection):
        return MigrationContext.configure(engine).get_current_revision()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the current version; returns (version before, version after)."""
    with schema_transaction(engine) as connection:
        before = current_revision(connection)
        if before is None and inspect(connection).get_table_names():
            _refuse(engine, connection, before)
        command.upgrade(_config(connection), "head")
    _forget_connections(engine)
    return before, head_revision()


def ensure_schema(engine: Engine, *, create: bool = True) -> None:
    """Create the schema in an empty database (unless ``create`` is false); refuse a database at another version.

    Two processes on a fresh database both succeed: the schema is created
    once, by the first to take the schema's lock; the other finds it made.
    """
    if current_revision(engine) == head_revision():  # the common case, without a lock
        return
    if not create:
        with engine.connect() as connection:
            _refuse(engine, connection, current_revision(connection))
    with schema_transaction(engine) as connection:
        revision = current_revision(connection)  # again, under the lock: another process may have made it
        if revision is None and not inspect(connection).get_table_names():
            command.upgrade(_config(connection), "head")
        elif revision != head_revision():
            _refuse(engine, connection, revision)
    _forget_connections(engine)


def _refuse(engine: Engine, connection: Connection, revision: str | None) -> NoReturn:
    """Why a database without this bascule's schema version cannot be used, and what to do."""
    shown = engine.url.render_as_string(hide_password=True)
    tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
    if revision is not None:
        raise DatabaseError(
            f"the database {shown} is at schema version {revision}, this bascule needs {head_revision()}: "
            "run `bascule db upgrade --db URL` first"
        )
    if not tables:
        raise DatabaseError(
            f"the database {shown} is empty (no bascule schema): give the --db your runs were stored in; "
            "bascule dry-run or migrate fills one"
        )
    foreign = sorted(tables - _bascule_tables())
    if foreign:
        raise DatabaseError(
            f"the database {shown} holds tables that are not bascule's ({', '.join(foreign[:3])}) and no bascule "
            "schema version: give a bascule database, or the name of a new file"
        )
    where = f"delete the file {engine.url.database}" if engine.dialect.name == "sqlite" else "drop its tables"
    if _holds_rows(connection, tables):
        raise DatabaseError(
            f"the database {shown} holds bascule's tables with rows but no schema version (alembic_version): "
            "bascule never made it whole; give another --db, or restore it from a backup"
        )
    raise DatabaseError(
        f"the database {shown} holds bascule's tables but no schema version: an earlier bascule was stopped while "
        f"creating them, and they hold nothing; {where}, then rerun (bascule creates its schema whole or not at all)"
    )


def _bascule_tables() -> set[str]:
    import bascule.compare.store  # noqa: F401 (their tables join the metadata, as in the migrations' env.py)
    import bascule.review.store  # noqa: F401
    from bascule.migrate.model import Base

    return set(Base.metadata.tables) | {"database_identity"}


def _holds_rows(connection: Connection, tables: set[str]) -> bool:
    return any(connection.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() for name in sorted(tables))


def _forget_connections(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        engine.dispose()  # connections opened before the schema was made: new ones read it fresh


# ------------------------------------------------------- the schema's lock
# "bascule" in ASCII: the advisory lock PostgreSQL holds while one process creates or upgrades the schema.
SCHEMA_LOCK = 0x62617363756C65


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction, held by one process at a time, for creating or upgrading the schema.

    A process killed inside it leaves the database as it was: empty, or at
    its earlier version. On PostgreSQL, an advisory lock taken in the
    transaction (DDL is transactional); on SQLite, ``BEGIN IMMEDIATE``
    (:func:`_sqlite_schema_transaction`).
    """
    if engine.dialect.name == "sqlite":
        with _sqlite_schema_transaction(engine) as connection:
            yield connection
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        yield connection


@contextmanager
def _sqlite_schema_transaction(engine: Engine) -> Iterator[Connection]:
    """The whole schema's creation in one SQLite transaction, its write lock taken first.

    pysqlite begins a transaction only before DML, so each ``CREATE TABLE``
    of the migrations would be committed on its own: a kill would leave
    tables without ``alembic_version``, and a second process would see half
    a schema. As SQLAlchemy's pysqlite documentation says ("Serializable
    isolation / Savepoints / Transactional DDL"), the driver's own
    transaction handling is turned off (``isolation_level = None``) and
    ``BEGIN IMMEDIATE`` is emitted: a second process waits for the lock,
    then finds the schema made. On connections of their own, for this
    operation only. Foreign keys are off in it, since SQLite can change
    their setting only outside a transaction and a migration that copies a
    table needs them off (0006); they are checked before the commit.
    """
    schema = create_engine(engine.url, connect_args={"timeout": 600}, poolclass=NullPool)
    event.listen(schema, "connect", _schema_connection)
    event.listen(schema, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with schema.begin() as connection:
            yield connection
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise DatabaseError(f"the schema's upgrade would break references ({broken[:3]}): nothing was changed")
    finally:
        schema.dispose()


def _schema_connection(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    dbapi_connection.isolation_level = None  # bascule says when a transaction begins (BEGIN IMMEDIATE)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = OFF")
    _in_wal_mode(cursor)  # as _sqlite_pragmas: the file is a bascule database from now on
    cursor.close()
