"""Properties of the reference engine's ledger on random dossiers (hypothesis).

A daily amount never exceeds its cap; subrogation moves money between
payees without changing it; no day is paid twice in one scheme; waiting
days are never paid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.engines.reference.engine import compute_reference
from tests.engines.reference import decimal_rules
from tests.engines.reference.scenario_rows import rows_of

EXTRACTION = dt.date(2026, 12, 31)
SIRET = "11111111100011"


@st.composite
def dossiers(draw: st.DrawFn) -> dict:
    """One person's stoppages in date order: initial stoppages and extensions, sickness or work accident."""
    day = draw(st.dates(dt.date(2022, 2, 1), dt.date(2026, 6, 30)))
    stoppages, initial = [], None
    for number in range(draw(st.integers(1, 4))):
        extension = initial is not None and draw(st.booleans())
        if not extension:
            day += dt.timedelta(days=draw(st.integers(1, 60)))
        length = draw(st.integers(1, 40))
        stoppage = {
            "number": f"N{number}",
            "start": day,
            "end": day + dt.timedelta(days=length - 1),
            "ald": draw(st.booleans()),
            "employers": [SIRET],
        }
        if extension:
            stoppage |= {"initial": initial["number"], "nature": initial["nature"], "ald": initial["ald"]}
            if initial["nature"] == "WORK_ACCIDENT":
                stoppage["accident"] = initial["accident"]
        else:
            nature = draw(st.sampled_from(["SICKNESS", "WORK_ACCIDENT"]))
            stoppage |= {"nature": nature, "attestations": [_attestation(draw, day, stoppage["end"])]}
            if nature == "WORK_ACCIDENT":
                stoppage["accident"] = day
            initial = stoppage
        stoppages.append(stoppage)
        day = stoppage["end"] + dt.timedelta(days=1)
    return {"extraction_date": EXTRACTION, "person": {"stoppages": stoppages}}


def _attestation(draw: st.DrawFn, start: dt.date, end: dt.date) -> dict:
    first_month = (start.replace(day=1) - dt.timedelta(days=85)).replace(day=1)
    months = [(first_month + dt.timedelta(days=31 * k)).strftime("%Y-%m") for k in range(3)]
    salary = st.integers(0, 1_500_000).map(lambda c: str(Decimal(c) / 100))
    periods = []
    if draw(st.booleans()):
        a = start + dt.timedelta(days=draw(st.integers(0, 10)))
        periods.append({"start": a, "end": min(end, a + dt.timedelta(days=draw(st.integers(0, 10))))})
    return {"siret": SIRET, "reference_months": {m: draw(salary) for m in months}, "subrogation": periods}


def ledger_of(dossier: dict) -> pd.DataFrame:
    return compute_reference(rows_of(dossier), dossier["extraction_date"]).lines


def owed(lines: pd.DataFrame) -> int:
    return int((((lines["last_day"] - lines["first_day"]).dt.days + 1) * lines["daily_cents"]).sum())


@settings(max_examples=100, deadline=None)
@given(dossiers())
def test_no_day_is_paid_twice_in_one_scheme(dossier: dict) -> None:
    for _, lines in ledger_of(dossier).groupby("scheme"):
        lines = lines.sort_values("first_day")
        assert (lines["first_day"].iloc[1:].to_numpy() > lines["last_day"].iloc[:-1].to_numpy()).all()


@settings(max_examples=100, deadline=None)
@given(dossiers())
def test_waiting_days_are_never_paid(dossier: dict) -> None:
    lines = ledger_of(dossier)
    for stoppage in dossier["person"]["stoppages"]:
        waits = stoppage["nature"] == "SICKNESS" and "initial" not in stoppage and not stoppage["ald"]
        if waits:
            own = lines[lines["number"] == stoppage["number"]]
            assert (own["first_day"] >= pd.Timestamp(stoppage["start"] + dt.timedelta(days=3))).all()


@settings(max_examples=100, deadline=None)
@given(dossiers())
def test_subrogation_changes_the_payee_never_the_money(dossier: dict) -> None:
    without = {
        **dossier,
        "person": {
            "stoppages": [
                {**s, "attestations": [{**a, "subrogation": []} for a in s.get("attestations", [])]}
                for s in dossier["person"]["stoppages"]
            ]
        },
    }
    assert owed(ledger_of(dossier)) == owed(ledger_of(without))


@settings(max_examples=100, deadline=None)
@given(dossiers())
def test_a_sickness_day_never_exceeds_the_cap(dossier: dict) -> None:
    lines = ledger_of(dossier)
    starts = {s["number"]: s["start"] for s in dossier["person"]["stoppages"] if "initial" not in s}
    chains = {s["number"]: s.get("initial", s["number"]) for s in dossier["person"]["stoppages"]}
    sickness = lines[lines["rules"].str.contains("sickness_daily")]
    for line in sickness.itertuples():
        start = starts[chains[line.number]]
        ceiling = decimal_rules.sickness(start, [Decimal(10**9)] * 3)  # every month far above the cap
        assert line.daily_cents <= int(ceiling * 100)
    assert np.all(lines["daily_cents"] >= 0)
