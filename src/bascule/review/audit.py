"""The audit log: every write of the review leaves one line, in the same transaction as the write."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from bascule.review.store import AuditEntry


def audit(connection: Connection, actor: str, action: str, target: str, **detail: object) -> None:
    """Log a write; call it inside the write's transaction, so that neither is kept without the other."""
    connection.execute(
        insert(AuditEntry),
        {"at": dt.datetime.now(dt.UTC), "actor": actor, "action": action, "target": target, "detail": detail},
    )


def audit_log(database: Engine, limit: int = 200) -> pd.DataFrame:
    """The latest writes first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    with database.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=["id", "at", "actor", "action", "target", "detail"])
