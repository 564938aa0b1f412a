"""Open a database by URL and keep its schema current with Alembic.

A SQLite file is the embedded default, PostgreSQL the shared store
(docs/DESIGN.md). The schema is versioned: an empty database is brought to the
current version on first use; a database at an older version is upgraded
only when asked (``bascule db upgrade``), because other people may share it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from bascule.errors import BasculeError

DEFAULT_DATABASE = "sqlite:///bascule.db"
SCRIPTS = Path(__file__).parent / "alembic"


class DatabaseError(BasculeError):
    """The database cannot be opened, or its schema is not the one bascule needs."""


def database_url(value: str) -> str:
    """A URL as given, or a plain path taken as a SQLite file."""
    return value if "://" in value else f"sqlite:///{value}"


def open_database(url: str) -> Engine:
    """An engine on the database, checked to answer."""
    url = database_url(url)
    try:
        engine = create_engine(make_url(url))
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(f"{url!r} is not a database URL bascule can use ({exc})") from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"the driver {exc.name!r} for {url.split(':')[0]} is not installed: pip install 'bascule[postgresql]'"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"cannot open the database {shown}: {exc.orig}") from None
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # SQLite leaves them unchecked otherwise
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint, safe against corruption
    cursor.close()


def _config(connection) -> Config:  # noqa: ANN001 (a SQLAlchemy Connection)
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


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


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse a database at another version."""
    revision = current_revision(engine)
    if revision is None and not inspect(engine).get_table_names():
        upgrade(engine)
        return
    if revision != head_revision():
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"the database {shown} is at schema version {revision or 'none (not a bascule database?)'}, "
            f"this bascule needs {head_revision()}: run `bascule db upgrade --db URL` first"
        )
