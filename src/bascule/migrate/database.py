"""Open a database by URL and keep its schema current with Alembic.

A SQLite file is the embedded default, PostgreSQL the shared store
(docs/DESIGN.md). The schema is versioned: an empty database is brought to the
current version on first use; a database at an older version is upgraded
only when asked (``bascule db upgrade``), because other people may share it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

from bascule.defaults import DEFAULT_DATABASE as DEFAULT_DATABASE  # where it was: importers keep working
from bascule.errors import BasculeError
from bascule.files import check_regular

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
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _config(connection) -> Config:  # noqa: ANN001 (a SQLAlchemy Connection)
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


@cache  # the scripts bascule ships do not change while it runs; reading them costs a command 25 ms
def head_revision() -> str:
    head = ScriptDirectory(str(SCRIPTS)).get_current_head()
    assert head is not None, "bascule ships its migrations"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the current version; returns (version before, version after)."""
    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    return before, head_revision()


def ensure_schema(engine: Engine, *, create: bool = True) -> None:
    """Create the schema in an empty database (unless ``create`` is false); refuse a database at another version."""
    revision = current_revision(engine)
    if revision is None and not inspect(engine).get_table_names():
        if not create:
            shown = engine.url.render_as_string(hide_password=True)
            raise DatabaseError(
                f"the database {shown} is empty (no bascule schema): give the --db your runs were stored in; "
                "bascule dry-run or migrate fills one"
            )
        upgrade(engine)
        return
    if revision != head_revision():
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"the database {shown} is at schema version {revision or 'none (not a bascule database?)'}, "
            f"this bascule needs {head_revision()}: run `bascule db upgrade --db URL` first"
        )
