"""Alembic's entry point for bascule's schema: migrations run on the connection bascule gives.

bascule calls Alembic from code (:mod:`bascule.migrate.database`), never
through an ``alembic.ini``: the connection arrives in
``config.attributes["connection"]``.
"""

from alembic import context

import bascule.compare.store  # noqa: F401 (its tables join the metadata)
import bascule.review.store  # noqa: F401 (the review's tables too)
from bascule.migrate.model import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
