"""``external``: the results of the new system under test, read from a file or a SQL table.

``external:PATH.csv``, ``external:PATH.parquet``, or ``external:URL#TABLE``
for a table of any database SQLAlchemy reaches. One row per stoppage ×
payee × period × daily amount (README, "The external format"):

| column | meaning |
|---|---|
| ``stoppage`` | the stoppage number (``PRG-NUM-ARRET``) |
| ``scheme`` | ``SA`` salaried allowance, ``TI`` self-employed |
| ``payee_kind`` | ``insured`` or ``employer`` |
| ``payee_siret`` | the employer's SIRET (empty for the insured) |
| ``first_day``, ``last_day`` | the period, inclusive, ``YYYY-MM-DD`` |
| ``daily_cents`` | the amount paid each day of the period, integer cents |
| ``rights_end`` | optional: the day the system ends the rights of the stoppage |
| ``paid_on`` | optional: the day the system paid the row's money, ``YYYY-MM-DD`` (empty: not known) |

A stoppage with no row is one the new system pays nothing for.
"""

from __future__ import annotations

import io
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError

import bascule
from bascule.engines.external_checks import check_results, refuse_unknown_stoppages
from bascule.engines.inputs import stoppage_streams
from bascule.engines.interface import Batch, EngineError
from bascule.engines.ledger import COMPUTED, PAYEE_KINDS, SCHEMES, Ledger
from bascule.files import check_regular, private_folder, read_bytes, read_text, write_private_parquet

COLUMNS = ["stoppage", "scheme", "payee_kind", "payee_siret", "first_day", "last_day", "daily_cents"]
OPTIONAL = ["rights_end", "paid_on"]
SHOWN_ROWS = 5
MAX_DAILY_CENTS = 10**8  # a million euros a day: more is a typo (and a float beyond 2**53 is no longer whole)
WHAT = "results file"


class ExternalEngine:
    name = "external"
    traces = False

    def __init__(self, source: str = "") -> None:
        if not source:
            raise EngineError(
                "external needs its source: external:FILE.csv, external:FILE.parquet or external:URL#TABLE"
            )
        if "://" not in source:
            check_regular(source, WHAT, EngineError)
            if not Path(source).is_file():
                raise EngineError(f"{source}: no such file (give external:FILE.csv, FILE.parquet or URL#TABLE)")
        self.source = source
        self.version = f"{bascule.__version__}+{Path(source.split('#')[0]).name}"
        external_results(source)  # every row read and checked now, before any long work (read once a process)

    def check_extract(self, numbers: AbstractSet[str]) -> None:
        """Refuse rows for stoppages the extract does not hold: they could not be compared, and would go unseen."""
        refuse_unknown_stoppages(external_results(self.source), numbers, self.source)

    def compute(self, batch: Batch) -> Ledger:
        return ledger_of(external_results(self.source), batch)

    def split(self, numbers: np.ndarray, parts: np.ndarray, folder: Path) -> ExternalPart:
        """Write the rows of each part's stoppages to ``folder/part-NNNNN.parquet``, once, for the workers.

        ``numbers`` (sorted) are the extract's stoppage numbers, ``parts`` the part
        each is in. A worker then reads its part's rows alone
        (:class:`ExternalPart`), not the whole file.
        """
        results = external_results(self.source)
        refuse_unknown_stoppages(results, numbers, self.source)  # else searchsorted puts them in a part, unseen
        at = np.searchsorted(numbers, results["number"].to_numpy(dtype=str)).clip(max=max(len(numbers) - 1, 0))
        part = parts[at] if len(numbers) else np.zeros(len(results), dtype=np.int64)
        private_folder(folder)  # in the run's folder, as private as its other files
        # grouped by an Index, not the bare array: pandas-stubs would type each group's key a tuple
        for number, rows in results.groupby(pd.Index(part), sort=True):
            write_private_parquet(rows, folder / part_file(int(number)))
        return ExternalPart(str(folder), "rights_end" in results, self.version)


def part_file(number: int) -> str:
    return f"part-{number:05d}.parquet"


@dataclass(frozen=True)
class ExternalPart:
    """The external engine on the rows split from its source by :meth:`ExternalEngine.split`, one part at a time.

    Plain data, so it travels to the workers; :meth:`of` is the engine for one part.
    """

    folder: str
    knows_rights_end: bool
    version: str
    name: str = "external"
    traces: bool = False
    part: int | None = None

    def of(self, part: int) -> ExternalPart:
        return replace(self, part=part)

    def compute(self, batch: Batch) -> Ledger:
        path = Path(self.folder) / part_file(self.part or 0)
        results = pd.read_parquet(path) if path.is_file() else _no_lines(self.knows_rights_end)
        return ledger_of(results, batch, self.knows_rights_end)


def ledger_of(results: pd.DataFrame, batch: Batch, knows_rights_end: bool | None = None) -> Ledger:
    """The ledger of a batch from the results' lines: the rows of its stoppages, and a computed outcome each."""
    knows = "rights_end" in results if knows_rights_end is None else knows_rights_end
    mine = results[results["number"].isin(batch.numbers)]
    outcomes = stoppage_streams(batch.rows).assign(status=COMPUTED, reason=None, advance_cents=0)
    if "rights_end" in mine:
        ends = mine.groupby("number")["rights_end"].min()
        outcomes["rights_end"] = ends.reindex(outcomes["number"].to_numpy()).to_numpy(dtype="datetime64[s]")
    else:
        outcomes["rights_end"] = pd.Series(pd.NaT, index=outcomes.index, dtype="datetime64[s]")
    lines = mine.drop(columns=[c for c in ("rights_end",) if c in mine]).reset_index(drop=True)
    return Ledger(lines, outcomes, knows_rights_end=knows)


def _no_lines(knows_rights_end: bool) -> pd.DataFrame:
    lines = pd.DataFrame(
        {
            "number": pd.Series([], dtype=object),
            "scheme": pd.Series([], dtype=object),
            "payee_kind": pd.Series([], dtype=object),
            "payee_id": pd.Series([], dtype=object),
            "first_day": pd.Series([], dtype="datetime64[s]"),
            "last_day": pd.Series([], dtype="datetime64[s]"),
            "daily_cents": pd.Series([], dtype=np.int64),
            "records": pd.Series([], dtype=object),
        }
    )
    return lines.assign(rights_end=pd.Series([], dtype="datetime64[s]")) if knows_rights_end else lines


@cache
def external_results(source: str) -> pd.DataFrame:
    """The source's rows as ledger lines (read once per process), refused with the rows at fault."""
    raw = _read(source)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise EngineError(f"{source}: the column(s) {', '.join(missing)} are missing (README, 'The external format')")
    lines = _as_lines(raw[[c for c in COLUMNS + OPTIONAL if c in raw.columns]], source)
    check_results(lines, source)  # what is readable but cannot be right (external_checks)
    return lines


def _read(source: str) -> pd.DataFrame:
    if "://" in source:
        url, _, table = source.partition("#")
        if not table:
            raise EngineError(f"{source}: name the table after the URL: external:URL#TABLE")
        try:
            engine = create_engine(url)
            if not inspect(engine).has_table(table):
                raise EngineError(f"{source}: no table {table!r} in that database")
            return pd.read_sql_table(table, engine).astype(str).replace({"None": "", "NaT": "", "nan": ""})
        except SQLAlchemyError as exc:
            raise EngineError(f"{source}: cannot read the table ({exc})") from None
    path = Path(source)
    check_regular(path, WHAT, EngineError)
    if not path.is_file():
        raise EngineError(f"{source}: no such file (give external:FILE.csv, FILE.parquet or URL#TABLE)")
    if path.suffix.lower() == ".parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(read_bytes(path, WHAT, EngineError)))
        except (pyarrow.ArrowException, OSError, ValueError) as exc:
            why = "no Parquet magic bytes" if "magic bytes" in str(exc) else " ".join(str(exc).split())
            raise EngineError(f"{source}: not a Parquet file ({why}); a CSV file is named .csv") from None
        return frame.astype(str).replace({"None": "", "NaT": "", "nan": "", "<NA>": ""})
    if path.suffix.lower() == ".csv":
        text = read_text(path, WHAT, EngineError)
        if not text.strip():
            raise EngineError(f"{source}: the file is empty; it starts with the header {','.join(COLUMNS)}")
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, ValueError) as exc:
            raise EngineError(
                f"{source}: not a CSV file that can be read ({' '.join(str(exc).split())}); "
                "check its quotes and that every line has the header's columns"
            ) from None
    raise EngineError(f"{source}: an external result must be .csv, .parquet or URL#TABLE")


def _as_lines(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Typed ledger lines; every row that cannot be read is named (row number, column, value)."""
    cents = pd.to_numeric(raw["daily_cents"], errors="coerce")
    first = pd.to_datetime(raw["first_day"], format="%Y-%m-%d", errors="coerce")
    last = pd.to_datetime(raw["last_day"], format="%Y-%m-%d", errors="coerce")
    checks = {
        "daily_cents": ~np.isfinite(cents) | (cents != cents.round()) | (cents < 0) | (cents > MAX_DAILY_CENTS),
        "first_day": first.isna(),
        "last_day": last.isna() | (last < first),
        "scheme": ~raw["scheme"].isin(SCHEMES),
        "payee_kind": ~raw["payee_kind"].isin(PAYEE_KINDS),
        "payee_siret": (raw["payee_kind"] == "employer") & (raw["payee_siret"].str.strip() == ""),
        "stoppage": raw["stoppage"].str.strip() == "",
    }
    rights_end = None
    if "rights_end" in raw:
        rights_end = pd.to_datetime(raw["rights_end"].replace("", None), format="%Y-%m-%d", errors="coerce")
        checks["rights_end"] = rights_end.isna() & (raw["rights_end"] != "")
    paid_on = None
    if "paid_on" in raw:
        paid_on = pd.to_datetime(raw["paid_on"].replace("", None), format="%Y-%m-%d", errors="coerce")
        checks["paid_on"] = paid_on.isna() & (raw["paid_on"] != "")
    _refuse_bad_rows(raw, checks, source)
    lines = pd.DataFrame(
        {
            "number": raw["stoppage"].str.strip().to_numpy(),
            "scheme": raw["scheme"].to_numpy(),
            "payee_kind": raw["payee_kind"].to_numpy(),
            "payee_id": np.where(raw["payee_kind"] == "employer", raw["payee_siret"].str.strip(), ""),
            "first_day": first.to_numpy(dtype="datetime64[s]"),
            "last_day": last.to_numpy(dtype="datetime64[s]"),
            "daily_cents": cents.astype(np.int64).to_numpy(),
            "records": (raw.index + 2).astype(str),  # the source's row (CSV line, header being line 1)
        }
    )
    if rights_end is not None:
        lines["rights_end"] = rights_end.to_numpy(dtype="datetime64[s]")
    if paid_on is not None:
        lines["paid_on"] = paid_on.to_numpy(dtype="datetime64[s]")
    return lines


def _refuse_bad_rows(raw: pd.DataFrame, checks: dict[str, pd.Series], source: str) -> None:
    problems = [
        f"line {row + 2}, {column} = {raw[column].iloc[row]!r}"
        for column, bad in checks.items()
        for row in np.flatnonzero(bad.to_numpy())[:SHOWN_ROWS]
    ]
    if problems:
        count = int(sum(bad.sum() for bad in checks.values()))
        raise EngineError(
            f"{source}: {count} value(s) cannot be read ({'; '.join(problems[:SHOWN_ROWS])}). "
            f"daily_cents is whole cents from 0 to {MAX_DAILY_CENTS:,}, days are YYYY-MM-DD, scheme SA or TI, "
            "payee_kind insured or employer (with payee_siret)"
        )
