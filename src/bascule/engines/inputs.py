"""What every engine computes from: the new model's rows of an extract, as the migration would load them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from bascule.errors import ExtractUnreadable
from bascule.legacy_adapters.reader import read_extract
from bascule.migrate.translate import to_rows
from bascule.migrate.validate import accepted


def rows_from_extract(
    extract: str | Path, copybook: str | Path | None = None
) -> tuple[dict[str, pd.DataFrame], dt.date]:
    """The model's rows of every record the migration would accept, and the extraction date."""
    read = read_extract(extract, copybook=copybook)
    frames, _ = accepted(read.frames)
    if not read.summary.extraction_date:
        raise ExtractUnreadable(f"{extract}: no readable HD extraction date, which bounds the payable days")
    return to_rows(frames), dt.date.fromisoformat(read.summary.extraction_date)


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
