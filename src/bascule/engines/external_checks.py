"""What the new system's results must be to be compared, beyond each value being readable.

README, "The external format", says what a row means.

:mod:`bascule.engines.external` reads every value and refuses those it cannot
read; these checks take the typed lines and refuse what is readable but cannot
be right, before any work, naming the file, the lines and what to do:

- a ``payee_siret`` that is not a SIRET (14 digits with a valid Luhn key,
  python-stdnum): it could never be the employer the legacy paid;
- a day before ``FIRST_DAY`` or after ``LAST_DAY``: a missing date written as
  a date (``1900-01-01``, ``9999-12-31``), not a day anybody was paid;
- a row given twice, and two rows of one stoppage × scheme × payee that share
  a day: a row is *the* amount paid each day of its period, so two amounts for
  one day are a fault of the export (a join that repeated rows, a period cut
  twice), which summing them would turn into a double payment;
- rows for stoppages the extract does not hold: they could be compared with
  nothing, and would go unseen.

Each is a refusal (exit 2), never a finding: the comparison's result must rest
on rows that mean one thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet

import numpy as np
import pandas as pd
from stdnum.fr import siret

from bascule.engines.interface import EngineError

SHOWN = 5  # lines named in a message
FIRST_DAY = dt.date(1946, 1, 1)  # the first year of the general scheme's daily allowances (ordonnances of October 1945)
LAST_DAY = dt.date(2099, 12, 31)
PAYEE = ["number", "scheme", "payee_kind", "payee_id"]


def check_results(lines: pd.DataFrame, source: str) -> None:
    """Refuse lines that are readable but cannot be right (module docstring); ``records`` holds each one's line."""
    for check in (_bad_sirets, _implausible_days, _repeated_rows, _overlapping_periods):
        problems = check(lines)
        if problems:
            raise EngineError(f"{source}: {problems}")


def refuse_unknown_stoppages(lines: pd.DataFrame, numbers: AbstractSet[str] | np.ndarray, source: str) -> None:
    """Refuse rows for stoppages not among ``numbers`` (the extract's): with the first lines and numbers."""
    absent = lines[~lines["number"].isin(numbers)]
    if len(absent):
        shown = "; ".join(
            f"line {line}, stoppage {number!r}"
            for line, number in zip(absent["records"][:SHOWN], absent["number"][:SHOWN], strict=True)
        )
        raise EngineError(
            f"{source}: {len(absent):,} row(s) for {absent['number'].nunique():,} stoppage(s) the extract does not "
            f"hold ({shown}): are these the results of this extract? Keep only its stoppages, or give its extract"
        )


def _bad_sirets(lines: pd.DataFrame) -> str:
    employers = lines[lines["payee_kind"] == "employer"]
    bad = employers[~employers["payee_id"].map(siret.is_valid).astype(bool)]
    if bad.empty:
        return ""
    return (
        f"{len(bad):,} payee_siret value(s) are not a SIRET ({_named(bad, 'payee_id', 'payee_siret')}): "
        "a SIRET is 14 digits with a valid Luhn key, the employer's as the extract gives it"
    )


def _implausible_days(lines: pd.DataFrame) -> str:
    low, high = np.datetime64(FIRST_DAY, "s"), np.datetime64(LAST_DAY, "s")
    for column in ("first_day", "last_day"):
        days = lines[column].to_numpy(dtype="datetime64[s]")
        bad = lines[(days < low) | (days > high)]
        if len(bad):
            return (
                f"{len(bad):,} {column} value(s) outside {FIRST_DAY} – {LAST_DAY} ({_named(bad, column)}): "
                "a missing date written as a date? Give the day paid"
            )
    return ""


def _repeated_rows(lines: pd.DataFrame) -> str:
    compared = [c for c in lines.columns if c != "records"]
    repeated = lines.duplicated(compared, keep=False)
    if not repeated.any():
        return ""
    firsts = lines[repeated].groupby(compared, dropna=False)["records"].agg(", ".join)
    shown = "; ".join(f"lines {line_numbers}" for line_numbers in firsts.head(SHOWN))
    return (
        f"{int(lines.duplicated(compared).sum()):,} row(s) repeat an earlier row ({shown}): "
        "each day of a period is paid once; remove the repeated rows (did the export join a table twice?)"
    )


def _overlapping_periods(lines: pd.DataFrame) -> str:
    ordered = lines.sort_values([*PAYEE, "first_day", "last_day"], kind="stable").reset_index(drop=True)
    same_payee = (ordered[PAYEE] == ordered[PAYEE].shift()).all(axis=1)
    latest_end = ordered.groupby(PAYEE, sort=False)["last_day"].cummax().shift()
    overlaps = np.flatnonzero((same_payee & (ordered["first_day"] <= latest_end)).to_numpy())
    if not len(overlaps):
        return ""
    shown = "; ".join(_overlap(ordered, int(position)) for position in overlaps[:SHOWN])
    return (
        f"{len(overlaps):,} row(s) pay a day another row of the same stoppage, scheme and payee pays ({shown}): "
        "a row is the amount paid each day of its period; give one row per period, its daily_cents the sum paid"
    )


def _overlap(ordered: pd.DataFrame, position: int) -> str:
    """The row at ``position`` and the earlier row of its payee that reaches furthest into its days."""
    row = ordered.iloc[position]
    before = ordered.iloc[:position]
    mine = before[(before[PAYEE] == row[PAYEE]).all(axis=1)]
    partner = mine["records"].iloc[int(np.argmax(mine["last_day"].to_numpy()))]
    first = pd.Timestamp(row["first_day"]).date()
    return (
        f"line {row['records']} ({row['number']}, {row['scheme']}, {row['payee_kind']}, from {first}) "
        f"shares days with line {partner}"
    )


def _named(bad: pd.DataFrame, column: str, label: str = "") -> str:
    """The first bad values with their lines, as the file wrote them (``label``: the file's column name)."""
    values = bad[column].head(SHOWN)
    shown = [value.date().isoformat() if isinstance(value, pd.Timestamp) else value for value in values]
    return "; ".join(
        f"line {line}, {label or column} = {value!r}" for line, value in zip(bad["records"], shown, strict=False)
    )
