"""What every engine computes from: the new model's rows of an extract, as the migration would load them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from bascule.errors import ExtractUnreadable
from bascule.legacy_adapters.reader import read_extract
from bascule.migrate.translate import LOAD_ORDER, TRANSLATIONS, to_rows
from bascule.migrate.validate import accepted


def rows_from_extract(
    extract: str | Path, copybook: str | Path | None = None
) -> tuple[dict[str, pd.DataFrame], dt.date]:
    """The model's rows of every record the migration would accept, and the extraction date."""
    read = read_extract(extract, copybook=copybook)
    frames, _ = accepted(read.frames)
    return with_every_table(to_rows(frames)), extraction_date_of(extract, read.summary.extraction_date)


def extraction_date_of(extract: str | Path, found: str) -> dt.date:
    if not found:
        raise ExtractUnreadable(f"{extract}: no readable HD extraction date, which bounds the payable days")
    return dt.date.fromisoformat(found)


def with_every_table(rows: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The rows with an empty frame for each table that has none (a part of an extract may lack payments)."""
    for code in LOAD_ORDER:
        if code not in rows:
            translation = TRANSLATIONS[code]
            columns = ["record_index", *(link.column for link in translation.links)]
            columns += [kept.column for kept in translation.kept]
            rows[code] = pd.DataFrame({column: pd.Series([], dtype=object) for column in columns}).astype(
                {"record_index": "int64"}
            )
    return rows


STREAMS = {"SALARIED": ["SA"], "SELF_EMPLOYED": ["TI"], "BOTH": ["SA", "TI"]}


def stoppage_streams(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per stoppage and stream of its person's scheme: ``stoppage`` (record index), ``number``, ``scheme``."""
    stoppages = rows["AR"]
    scheme = rows["AS"].set_index("record_index")["scheme"].reindex(stoppages["person_index"].to_numpy())
    return pd.DataFrame(
        {
            "stoppage": stoppages["record_index"].to_numpy(),
            "number": stoppages["number"].to_numpy(),
            "scheme": scheme.map(STREAMS).to_numpy(),
        }
    ).explode("scheme", ignore_index=True)
