"""The sign-off's line of money paid late: people, euros, median and worst delay, or why it was not compared."""

from __future__ import annotations

import pandas as pd

from bascule.compare.runs import StoredRun
from bascule.compare.store import ShadowRun
from bascule.reports.timeliness import timeliness_line, timeliness_summary

DATED = {"control": {"name": "progres-replay", "paid_dates": True}, "candidate": {"name": "x", "paid_dates": True}}


def run_of(rows: list[dict], engines: dict = DATED) -> StoredRun:
    columns = ["number", "nir", "late_cents", "late_cent_days", "worst_delay_days", "advance_paid_on", "waiver"]
    divergences = pd.DataFrame(rows, columns=columns).astype({"advance_paid_on": "datetime64[s]"})
    return StoredRun(ShadowRun(id=1, engines=engines), divergences, pd.DataFrame(), pd.DataFrame())


def late(number: str, nir: str, cents: int, delay: int, advance: str | None = None, waiver: str | None = None):
    return {
        "number": number,
        "nir": nir,
        "late_cents": cents,
        "late_cent_days": cents * delay,
        "worst_delay_days": delay,
        "advance_paid_on": advance,
        "waiver": waiver,
    }


def test_people_euros_and_the_median_and_worst_of_each_persons_worst_delay() -> None:
    stored = run_of(
        [
            late("A1", "P1", 14_000, 45),
            late("A2", "P1", 7_000, 10),  # P1's worst: 45
            late("A3", "P2", 30_000, 60, advance="2024-03-09"),
            late("A4", "P3", 5_000, 33, waiver="LATE-1"),
            {**late("A5", "P4", 0, 0), "late_cents": 0},  # divergent, not late
        ]
    )
    summary = timeliness_summary(stored)
    assert summary["people"] == 3 and summary["stoppages"] == 4
    assert summary["late_cents"] == 56_000
    assert summary["median_delay_days"] == 45  # of 45, 60, 33
    assert summary["worst_delay_days"] == 60
    assert (summary["advanced"], summary["accepted"]) == (1, 1)
    assert timeliness_line(summary) == (
        "Money paid late: 3 people, 560.00 €, delay median 45 days, worst 60 days "
        "(1 given an advance meanwhile; 1 accepted by a waiver)."
    )


def test_no_late_money_with_dates_on_both_sides_is_said_as_compared() -> None:
    summary = timeliness_summary(run_of([]))
    assert (
        summary["compared"] and timeliness_line(summary) == "Money paid late: none (the payment dates were compared)."
    )


def test_a_side_without_payment_dates_is_said_never_a_silent_zero() -> None:
    engines = {"control": DATED["control"], "candidate": {"name": "reference", "paid_dates": False}}
    summary = timeliness_summary(run_of([], engines))
    assert not summary["compared"]
    assert timeliness_line(summary) == (
        "Money paid late: not compared: the candidate (reference) gives no payment dates."
    )
