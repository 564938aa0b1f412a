"""The trace of one stoppage names the values, dates and laws behind its amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bascule.engines.inputs import rows_from_extract
from bascule.engines.reference.trace import trace_stoppage
from bascule.errors import BasculeError

SAMPLE = Path(__file__).parents[3] / "sample_data" / "progres_441_latin1.dat"


@pytest.fixture(scope="module")
def sample() -> tuple:
    return rows_from_extract(SAMPLE)


def test_a_sickness_trace_reads_the_smic_at_the_reference_date_with_its_reference(sample: tuple) -> None:
    rows, extraction = sample
    stoppage = rows["AR"][rows["AR"]["number"] == "A000000001"].iloc[0]
    start = stoppage["start_date"].date()
    reference = start.replace(day=1) - dt.timedelta(days=1)  # docs/RULES.md 0
    trace = trace_stoppage(rows, "A000000001", extraction)
    assert trace.reference_date == reference
    smic = next(p for p in trace.parameters if p["parameter"] == "smic_hourly")
    assert smic["at"] == reference and smic["value"] == Decimal("11.65")  # in force from 2024-01-01
    coefficient = next(p for p in trace.parameters if p["parameter"] == "sickness_cap_coefficient")
    assert coefficient["at"] == start and "R323-4" in coefficient["reference"]
    assert [month for month, _ in trace.reference_months] == ["2024-06", "2024-07", "2024-08"]
    assert all(cents is not None and cents > 0 for _, cents in trace.reference_months)
    assert set(trace.ledger.lines["number"]) == {"A000000001"}


def test_an_unknown_stoppage_is_an_error_of_use(sample: tuple) -> None:
    rows, extraction = sample
    with pytest.raises(BasculeError, match="no stoppage 'X'"):
        trace_stoppage(rows, "X", extraction)
