"""The database's identity: the UUID made with its schema, and where its run store is configured to be.

Files kept outside the database (the run store's Parquet files, the
pseudonym key) are marked with this UUID, so that a folder is never read
as another database's (docs/DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bascule.errors import InternalInconsistency
from bascule.migrate.model import DatabaseIdentity


@dataclass(frozen=True)
class Identity:
    id: str
    store: Path | None  # the run store's folder as configured, None: never configured


def database_identity(database: Engine) -> Identity:
    """The database's one identity row (the schema makes it: a database at the current version has it)."""
    with Session(database) as session:
        rows = session.scalars(select(DatabaseIdentity)).all()
    if len(rows) != 1:
        raise InternalInconsistency(f"the database holds {len(rows)} identity rows, not one (table database_identity)")
    return Identity(rows[0].id, Path(rows[0].store) if rows[0].store else None)


def configure_store(database: Engine, folder: Path) -> None:
    """Keep ``folder`` (absolute) as the database's run store from now on."""
    with database.begin() as connection:
        connection.execute(update(DatabaseIdentity).values(store=str(folder.resolve())))
