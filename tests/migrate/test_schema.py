"""The schema is versioned with Alembic, and its migrations build exactly the model."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bascule.migrate.database import (
    DatabaseError,
    current_revision,
    ensure_schema,
    head_revision,
    open_database,
    upgrade,
)
from bascule.migrate.model import Base


def test_upgrade_builds_the_model_exactly(database: str) -> None:
    engine = open_database(database)
    assert upgrade(engine) == (None, head_revision())
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_an_empty_database_gets_the_schema_on_first_use(database: str) -> None:
    engine = open_database(database)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()


def test_a_database_at_another_version_is_not_touched_without_db_upgrade(database: str) -> None:
    engine = open_database(database)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(DatabaseError, match="bascule db upgrade"):
        ensure_schema(engine)


def test_a_plain_path_is_a_sqlite_file(tmp_path: Path) -> None:
    engine = open_database(str(tmp_path / "file.db"))
    assert engine.dialect.name == "sqlite"


def test_an_unreachable_server_is_a_clear_error_that_hides_the_password() -> None:
    with pytest.raises(DatabaseError, match="cannot open the database postgresql") as error:
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(error.value)
