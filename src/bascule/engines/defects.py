"""Defect injectors: the failures of the 2024 pilot, each a small function that breaks a correct ledger.

Each injector takes the reference engine's ledger of a batch (what the law
says) and returns the ledger a new system with that defect would give, on
the stoppages the defect concerns and only there. ``defect:NAME`` (or
``defect:NAME,NAME``) is an engine like any other: the reference engine
with those defects, so that a user can run one against their own data and
``bascule calibrate`` can show what the harness would have caught.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

import bascule
from bascule.domain.attestations import attestations_in_force
from bascule.domain.chains import stoppages_with_chains
from bascule.domain.subrogation import subrogation_periods
from bascule.engines.interface import Batch, EngineError, EngineSpec
from bascule.engines.ledger import UNSUPPORTED, Ledger
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.parameters import WINDOW, Parameter, parameters

Rows = dict[str, pd.DataFrame]
Injector = Callable[[Ledger, Rows, dt.date], Ledger]
OLD_SMIC_ON = dt.date(2022, 1, 1)  # the "old year's SMIC" of the 2024 pilot
NEW_CAP_FROM = dt.date(2025, 4, 1)  # the 1.4 SMIC cap, applied by the defect before its date
LATE_AFTER_MONTH = np.timedelta64(45, "D")  # the delay of the monthly settlement batch planted on paternity


# ------------------------------------------------------------------ helpers
def _numbers(rows: Rows, mask: pd.Series | np.ndarray) -> set[str]:
    return set(rows["AR"].loc[np.asarray(mask), "number"])


def _without(ledger: Ledger, numbers: set[str], scheme: str | None = None) -> Ledger:
    """The ledger with no line for these stoppages (of one stream, or all)."""
    hit = ledger.lines["number"].isin(numbers)
    if scheme:
        hit &= ledger.lines["scheme"] == scheme
    return Ledger(ledger.lines[~hit].reset_index(drop=True), ledger.outcomes, ledger.knows_rights_end)


def rows_of_persons(rows: Rows, persons: set[int]) -> Rows:
    stoppages = rows["AR"][rows["AR"]["person_index"].isin(persons)]
    attestations = rows["SA"][rows["SA"]["stoppage_index"].isin(stoppages["record_index"])]
    kept = {"AS": rows["AS"][rows["AS"]["record_index"].isin(persons)], "AR": stoppages, "SA": attestations}
    for code, owner, owners in (
        ("EM", "stoppage_index", stoppages),
        ("PA", "stoppage_index", stoppages),
        ("SL", "attestation_index", attestations),
        ("SU", "attestation_index", attestations),
    ):
        if code in rows:
            kept[code] = rows[code][rows[code][owner].isin(owners["record_index"])]
    return kept


def _recomputed(
    ledger: Ledger, rows: Rows, extraction_date: dt.date, table: dict[str, Parameter] | None = None
) -> Ledger:
    """The ledger with these rows' persons computed again (on distorted rows or parameters), where they compute."""
    redone = compute_reference(rows, extraction_date, table=table)
    numbers = set(redone.outcomes.loc[redone.outcomes["status"] != UNSUPPORTED, "number"])
    lines = pd.concat([_without(ledger, numbers).lines, redone.lines[redone.lines["number"].isin(numbers)]])
    outcomes = ledger.outcomes.set_index(["number", "scheme"])
    fresh = redone.outcomes[redone.outcomes["number"].isin(numbers)].set_index(["number", "scheme"])
    outcomes.loc[fresh.index, "rights_end"] = fresh["rights_end"]
    return Ledger(lines.reset_index(drop=True), outcomes.reset_index(), ledger.knows_rights_end)


def _persons_of(rows: Rows, stoppage_index: pd.Series) -> set[int]:
    return set(rows["AR"].set_index("record_index").loc[stoppage_index, "person_index"])


def frozen_at(table: dict[str, Parameter], name: str, on: dt.date) -> dict[str, Parameter]:
    """The parameters with ``name`` frozen at its value on ``on``, over the whole window."""
    parameter = table[name]
    value = dataclasses.replace(parameter.value_at(on), start=WINDOW[0])
    return {**table, name: dataclasses.replace(parameter, values=(value,))}


# ---------------------------------------------------------------- injectors
def part_time_unpaid(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Therapeutic part-time stoppages are paid nothing."""
    return _without(ledger, _numbers(rows, rows["AR"]["modality"] == "THERAPEUTIC_PART_TIME"))


def subrogation_alternation_payee(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """On a chain whose subrogation alternates, every salaried day is paid to the employer."""
    stoppages = stoppages_with_chains(rows)
    periods = subrogation_periods(stoppages, rows, attestations_in_force(rows))
    several = periods.groupby("chain").filter(lambda p: len(p) > 1).drop_duplicates("chain")
    employer = pd.Series(several["siret"].to_numpy(), index=several["chain"].to_numpy())
    siret_of = pd.Series(stoppages["chain"].map(employer).to_numpy(), index=stoppages["number"].to_numpy()).dropna()
    lines = ledger.lines.copy()
    hit = lines["number"].isin(siret_of.index) & (lines["scheme"] == "SA")
    lines.loc[hit, "payee_kind"] = "employer"
    lines.loc[hit, "payee_id"] = lines.loc[hit, "number"].map(siret_of)
    return Ledger(lines, ledger.outcomes, ledger.knows_rights_end)


def corrected_attestation_ignored(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """A corrected attestation (RE) is ignored: the first version is computed."""
    corrected = rows["SA"][rows["SA"]["reason"] == "CORRECTED"]
    if corrected.empty:
        return ledger
    first_versions = {**rows, "SA": rows["SA"][rows["SA"]["version"] == 0]}
    return _recomputed(
        ledger, rows_of_persons(first_versions, _persons_of(rows, corrected["stoppage_index"])), extraction_date
    )


def keeping_rights_old_smic(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """People keeping their rights after losing their job are capped with an old year's SMIC (2022)."""
    persons = set(rows["AS"].loc[rows["AS"]["keeps_rights"].to_numpy(dtype=bool), "record_index"])
    if not persons:
        return ledger
    table = frozen_at(parameters(), "smic_hourly", OLD_SMIC_ON)
    return _recomputed(ledger, rows_of_persons(rows, persons), extraction_date, table)


def prenatal_rest_paid_twice(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Two maternity stoppages covering the same days both pay them (each taken as a birth of its own)."""
    stoppages = rows["AR"]
    maternity = stoppages[stoppages["nature"] == "MATERNITY"]
    twice = maternity[maternity.duplicated("person_index", keep=False)]
    if twice.empty:
        return ledger
    own_births = stoppages.copy()
    shift = pd.to_timedelta(np.arange(len(twice)), unit="D")  # distinct presumed births: one entitlement each
    own_births.loc[twice.index, "presumed_birth_date"] = pd.to_datetime(twice["start_date"]).to_numpy() + shift
    distorted = {**rows, "AR": own_births}
    return _recomputed(ledger, rows_of_persons(distorted, set(twice["person_index"])), extraction_date)


def work_accident_unsettled(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Extensions of work-accident stoppages are paid nothing."""
    ar = rows["AR"]
    return _without(ledger, _numbers(rows, (ar["nature"] == "WORK_ACCIDENT") & ar["initial_stoppage_index"].notna()))


def waiting_days_on_extension(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Every full-time sickness extension serves 3 waiting days again."""
    ar = rows["AR"]
    extension = (ar["nature"] == "SICKNESS") & (ar["modality"] == "FULL_TIME") & ar["initial_stoppage_index"].notna()
    starts = ar.loc[extension.to_numpy(), ["number", "start_date"]].set_index("number")["start_date"]
    if starts.empty:  # (pandas cannot map by an empty series of dates)
        return ledger
    lines = ledger.lines
    served = pd.to_datetime(lines["number"].map(starts)) + pd.Timedelta(days=3)
    hit = lines["number"].isin(starts.index).to_numpy()
    first = pd.to_datetime(lines["first_day"])
    late = lines.assign(first_day=first.where(~hit, np.maximum(first, served)))
    kept = late[~hit | (pd.to_datetime(late["first_day"]) <= pd.to_datetime(late["last_day"])).to_numpy()]
    return Ledger(kept.reset_index(drop=True), ledger.outcomes, ledger.knows_rights_end)


def april_2025_cap_early(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """The 1.4 SMIC cap of 1 April 2025 applied to sickness stoppages that started before it."""
    ar = rows["AR"]
    early = ar[(ar["nature"] == "SICKNESS") & (pd.to_datetime(ar["start_date"]) < pd.Timestamp(NEW_CAP_FROM))]
    if early.empty:
        return ledger
    table = frozen_at(parameters(), "sickness_cap_coefficient", NEW_CAP_FROM)
    return _recomputed(ledger, rows_of_persons(rows, set(early["person_index"])), extraction_date, table)


def poly_active_self_employed_missing(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Poly-active people are paid no self-employed allowance."""
    persons = set(rows["AS"].loc[(rows["AS"]["scheme"] == "BOTH").to_numpy(), "record_index"])
    return _without(ledger, _numbers(rows, rows["AR"]["person_index"].isin(persons)), scheme="TI")


def rights_end_too_early(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Letters say rights ended 30 days before they did: every rights end date moves a month earlier."""
    outcomes = ledger.outcomes.copy()
    outcomes["rights_end"] = pd.to_datetime(outcomes["rights_end"]) - pd.Timedelta(days=30)
    return Ledger(ledger.lines, outcomes, ledger.knows_rights_end)


def advances_unregularised(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Advances (AC) are never settled: each stoppage keeps the balance of every advance it was given."""
    payments = rows["PA"]
    advances = payments[payments["nature"] == "ADVANCE"]
    numbers = rows["AR"].set_index("record_index")["number"]
    given = advances.groupby(advances["stoppage_index"].map(numbers))["amount_cents"].sum()
    outcomes = ledger.outcomes.copy()
    salaried = (outcomes["scheme"] == "SA").to_numpy()
    balance = outcomes["number"].map(given).fillna(0).astype(np.int64).to_numpy()
    outcomes["advance_cents"] = np.where(salaried, balance, 0)
    return Ledger(ledger.lines, outcomes, ledger.knows_rights_end)


def paternity_paid_late(ledger: Ledger, rows: Rows, extraction_date: dt.date) -> Ledger:
    """Paternity stoppages are settled monthly, each month paid 45 days after it ends.

    The correct ledger says what is owed, not when: only these runs get a payment date, each cut at the
    months it spans; every other run's is not known, so only these days are compared for timeliness.
    """
    lines = ledger.lines
    paternity = lines["number"].isin(_numbers(rows, rows["AR"]["nature"] == "PATERNITY")).to_numpy()
    mine = lines[paternity]
    first = mine["first_day"].to_numpy(dtype="datetime64[D]")
    last = mine["last_day"].to_numpy(dtype="datetime64[D]")
    months = first.astype("datetime64[M]").astype(np.int64)
    count = last.astype("datetime64[M]").astype(np.int64) - months + 1
    line = np.repeat(np.arange(len(mine)), count)
    month = months[line] + np.arange(len(line)) - np.repeat(np.cumsum(count) - count, count)
    starts = month.astype("datetime64[M]").astype("datetime64[D]")
    ends = (month + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    monthly = mine.iloc[line].reset_index(drop=True)
    monthly["first_day"] = np.maximum(first[line], starts).astype("datetime64[s]")
    monthly["last_day"] = np.minimum(last[line], ends).astype("datetime64[s]")
    monthly["paid_on"] = (ends + LATE_AFTER_MONTH).astype("datetime64[s]")
    others = lines[~paternity].assign(paid_on=pd.Series(pd.NaT, index=lines.index[~paternity], dtype="datetime64[s]"))
    return Ledger(pd.concat([others, monthly], ignore_index=True), ledger.outcomes, ledger.knows_rights_end)


INJECTORS: dict[str, Injector] = {
    "part_time_unpaid": part_time_unpaid,
    "subrogation_alternation_payee": subrogation_alternation_payee,
    "corrected_attestation_ignored": corrected_attestation_ignored,
    "keeping_rights_old_smic": keeping_rights_old_smic,
    "prenatal_rest_paid_twice": prenatal_rest_paid_twice,
    "work_accident_unsettled": work_accident_unsettled,
    "waiting_days_on_extension": waiting_days_on_extension,
    "april_2025_cap_early": april_2025_cap_early,
    "poly_active_self_employed_missing": poly_active_self_employed_missing,
    "rights_end_too_early": rights_end_too_early,
    "advances_unregularised": advances_unregularised,
    "paternity_paid_late": paternity_paid_late,
}


def injected(ledger: Ledger, rows: Rows, extraction_date: dt.date, names: tuple[str, ...]) -> Ledger:
    """The ledger with each named defect put in, in order."""
    for name in names:
        ledger = INJECTORS[name](ledger, rows, extraction_date)
    return ledger


def defect_names(text: str) -> tuple[str, ...]:
    """``all`` or ``NAME,NAME``, checked against the catalogue."""
    if text.strip() in ("", "all"):
        return tuple(INJECTORS)
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in INJECTORS]
    if unknown:
        raise EngineError(f"no defect named {', '.join(unknown)}: the catalogue holds {', '.join(INJECTORS)}")
    return names


class DefectEngine:
    """``defect:NAME[,NAME]``: the reference engine with these defects of the 2024 pilot put in."""

    name = "defect"
    traces = True
    correct = EngineSpec("reference")  # the engine whose ledger the defects break: what the law says

    def __init__(self, defects: str = "") -> None:
        if not defects.strip():
            raise EngineError(f"defect:NAME: name the defect(s) to inject, among {', '.join(INJECTORS)}")
        self.defects = defect_names(defects)
        self.version = f"{bascule.__version__}+defects.{'.'.join(self.defects)}"

    @staticmethod
    def describe(defect: str) -> str:
        """What the defect does, in one line (its injector's docstring)."""
        return (INJECTORS[defect].__doc__ or defect).strip().splitlines()[0]

    def inject(self, correct: Ledger, batch: Batch) -> Ledger:
        """These defects put into the batch's correct ledger, already computed (``correct``'s engine's ledger).

        The calibration computes the correct ledger of a part once and puts
        every defect into it in turn, rather than computing it again a defect.
        """
        return injected(correct, batch.rows, batch.extraction_date, self.defects)

    def compute(self, batch: Batch) -> Ledger:
        return self.inject(compute_reference(batch.rows, batch.extraction_date), batch)
