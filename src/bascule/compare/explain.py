"""One stoppage of a stored run, explained: every engine's day runs side by side, and where they come from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bascule.compare.days import pieces
from bascule.compare.diff import CENT_DATES, DATED, UNDATED, common_payee, dated_column, dated_values
from bascule.compare.runs import ROLES, StoredRun
from bascule.engines.ledger import Ledger
from bascule.errors import BasculeError

TIMELINE_KEYS = ["scheme", "payee_kind", "payee_id"]


class StoppageNotInRun(BasculeError):
    """The run did not compare that stoppage."""


@dataclass
class Explanation:
    number: str
    person: str  # a pseudonym, or the NIR when revealed
    stoppage: dict[str, object]  # its features, category, horizon and lineage (records of the extract)
    divergence: dict[str, object] | None  # as stored, None when the engines agree
    # scheme, payee, first_day, last_day, one column of cents a day per engine, diverges, late, due, and
    # ROLE_paid_on (the day that engine paid those days) for each engine that says when it paid
    timeline: pd.DataFrame
    # each engine's own lines (its trace: rules, records) and outcomes; None: the run stored none of that role
    ledgers: dict[str, Ledger | None]
    engines: dict[str, dict[str, object]]


def explain(stored: StoredRun, number: str, reveal: bool = False) -> Explanation:
    stoppage = stored.stoppages([number])
    if stoppage.empty:
        raise StoppageNotInRun(f"the run {stored.run.id} holds no stoppage {number!r} (give its PRG-NUM-ARRET)")
    roles = [role for role in ROLES if role in stored.run.engines]
    ledgers = {role: stored.ledger(role, [number]) for role in roles}
    divergent = stored.divergences[stored.divergences["number"] == number]
    return Explanation(
        number,
        stored.persons(stoppage["nir"], reveal).iloc[0],
        {**_by_column(stoppage.iloc[0]), "records": stored.lineage(number)},
        _by_column(divergent.iloc[0]) if len(divergent) else None,
        _timeline(ledgers, _last_day_due(stoppage), _late_tolerance(stored)),
        ledgers,
        stored.run.engines,
    )


def _by_column(row: pd.Series) -> dict[str, object]:
    return {str(column): value for column, value in row.items()}


def _last_day_due(stoppage: pd.DataFrame) -> np.datetime64:
    """The stoppage's horizon as a day; NaT when it has none (every day is due)."""
    if "horizon" not in stoppage:
        return np.datetime64("NaT")
    day: np.datetime64 = pd.to_datetime(stoppage["horizon"]).to_numpy(dtype="datetime64[D]")[0]
    return day


def _late_tolerance(stored: StoredRun) -> int:
    """The delay in days the run accepted (its waivers' ``late`` tolerance; 0 without one)."""
    tolerances = (stored.run.waivers or {}).get("tolerances") or {}
    return int((tolerances.get("late") or {}).get("days") or 0)


def _timeline(ledgers: dict[str, Ledger | None], limit: np.datetime64, accepted_days: int = 0) -> pd.DataFrame:
    """The engines' money per day on the bounds of all of them, payee by payee, and when each engine paid it.

    ``late``: both pay the span, the candidate more than ``accepted_days`` after the control.
    """
    sides = {role: common_payee(ledger.lines) for role, ledger in ledgers.items() if ledger is not None}
    dated = [role for role, ledger in ledgers.items() if ledger is not None and ledger.paid_dates]
    extra = {name: value for name, value in dated_values(sides).items() if name.split(".")[0] in dated}
    found = pieces(sides, TIMELINE_KEYS, extra)
    for role in dated:
        found[f"{role}_paid_on"] = _paid_on(found, role)
    found = found.drop(columns=list(extra))
    found = found.sort_values(["first_day", "scheme", "payee_kind"]).reset_index(drop=True)
    found["diverges"] = found["control"] != found["candidate"]
    found["late"] = False
    if {"control_paid_on", "candidate_paid_on"} <= set(found):
        delay = (found["candidate_paid_on"] - found["control_paid_on"]).dt.days
        found["late"] = (delay > accepted_days).fillna(False).to_numpy(dtype=bool)
    found["due"] = True if np.isnat(limit) else (found["first_day"].to_numpy(dtype="datetime64[D]") <= limit)
    return found


def _paid_on(found: pd.DataFrame, role: str) -> np.ndarray:
    """The day an engine paid each span (the mean of its payments' days, by their cents); NaT: not known."""
    known, cent_dates = dated_column(found, role, DATED), dated_column(found, role, CENT_DATES)
    whole = (known > 0) & (dated_column(found, role, UNDATED) == 0)
    day = np.rint(cent_dates / np.maximum(known, 1)).astype(np.int64).astype("datetime64[D]")
    return np.where(whole, day, np.datetime64("NaT", "D")).astype("datetime64[s]")
