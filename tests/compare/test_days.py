"""Day-grain pieces computed on runs, checked against an independent day-by-day expansion."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.compare.days import clip, pieces
from tests.compare.ledgers import lines

START = dt.date(2024, 1, 1)


def per_day(found: pd.DataFrame, side: str) -> dict[tuple[str, dt.date], int]:
    """Expand pieces into days (what the runs are there to avoid, fine for a test)."""
    days: dict[tuple[str, dt.date], int] = {}
    for row in found.itertuples():
        day = pd.Timestamp(row.first_day).date()
        while day <= pd.Timestamp(row.last_day).date():
            if getattr(row, side):
                days[(row.number, day)] = getattr(row, side)
            day += dt.timedelta(days=1)
    return days


def expanded(runs: list[tuple]) -> dict[tuple[str, dt.date], int]:
    days: dict[tuple[str, dt.date], int] = defaultdict(int)
    for number, first, last, cents in runs:
        day = first
        while day <= last:
            days[(number, day)] += cents
            day += dt.timedelta(days=1)
    return {key: cents for key, cents in days.items() if cents}


def test_a_fortnightly_and_a_monthly_settlement_of_the_same_days_are_equal_every_day() -> None:
    fortnightly = lines(
        ("A1", "2024-01-01", "2024-01-14", 4096),
        ("A1", "2024-01-15", "2024-01-28", 4096),
        ("A1", "2024-01-29", "2024-01-31", 4096),
    )
    monthly = lines(("A1", "2024-01-01", "2024-01-31", 4096))
    found = pieces({"legacy": fortnightly, "new": monthly}, ["number"])
    assert (found["legacy"] == found["new"]).all()
    assert found["first_day"].min() == pd.Timestamp("2024-01-01") and found["last_day"].max() == pd.Timestamp(
        "2024-01-31"
    )


def test_overlapping_runs_add_up_and_a_recovery_takes_off() -> None:
    settled = lines(("A1", "2024-01-01", "2024-01-10", 3000))
    back_payment = lines(("A1", "2024-01-06", "2024-01-10", 200))
    recovery = lines(("A1", "2024-01-01", "2024-01-02", -3000))
    found = pieces({"paid": pd.concat([settled, back_payment, recovery])}, ["number"])
    assert per_day(found, "paid") == {
        **{("A1", dt.date(2024, 1, d)): 3000 for d in (3, 4, 5)},
        **{("A1", dt.date(2024, 1, d)): 3200 for d in range(6, 11)},
    }


run = st.tuples(st.sampled_from(["A1", "A2"]), st.integers(0, 60), st.integers(0, 20), st.integers(-5000, 9000)).map(
    lambda r: (r[0], START + dt.timedelta(days=r[1]), START + dt.timedelta(days=r[1] + r[2]), r[3])
)


@settings(max_examples=150, deadline=None)
@given(st.lists(run, max_size=12), st.lists(run, max_size=12))
def test_pieces_give_each_side_its_money_of_every_day(left: list[tuple], right: list[tuple]) -> None:
    found = pieces({"left": lines(*left), "right": lines(*right)}, ["number"])
    assert per_day(found, "left") == expanded(left)
    assert per_day(found, "right") == expanded(right)
    assert not ((found["left"] == 0) & (found["right"] == 0)).any()


def test_clip_cuts_at_the_horizon_and_leaves_stoppages_without_one_whole() -> None:
    found = pieces(
        {"paid": lines(("A1", "2024-01-01", "2024-01-31", 100), ("A2", "2024-01-01", "2024-01-31", 100))}, ["number"]
    )
    horizon = pd.Series([pd.Timestamp("2024-01-20"), pd.NaT], index=["A1", "A2"])
    clipped = clip(found, horizon).set_index("number")
    assert clipped.loc["A1", "last_day"] == pd.Timestamp("2024-01-20")
    assert clipped.loc["A2", "last_day"] == pd.Timestamp("2024-01-31")
