"""The vectorised limits against a plain walk written here, one stoppage and one day at a time (hypothesis).

Each oracle below reads the rule as docs/RULES.md states it, with Python
dates and loops, and shares no code with the engine but the parameter
files: the 360-day limit (sections 1 and 2), the ALD period's 3 years,
maternity and paternity days of one birth (section 5), and the calendar
arithmetic "the same date n years later" (29 February → 28 February).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import deque

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.engines.reference import limits
from bascule.engines.reference.day_cap import refused_over_cap
from bascule.engines.reference.parameters import parameters

DAY = dt.timedelta(days=1)


def same_date_later(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later, or that month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def walk_cap(group: list[int], day: list[int], since: list[int], limit: list[int]) -> list[bool]:
    """Day by day: refused when ``limit`` days already paid lie in (since, day); refused days are not paid."""
    refused, paid = [], {}
    for g, d, s, cap in zip(group, day, since, limit, strict=True):
        window = paid.setdefault(g, deque())
        while window and window[0] <= s:
            window.popleft()
        refused.append(len(window) >= cap)
        if len(window) < cap:
            window.append(d)
    return refused


@st.composite
def capped_days(draw: st.DrawFn) -> tuple[list[int], list[int], list[int], list[int]]:
    """Days of a few groups in order (ties allowed), a window length, a limit that changes on a date."""
    group, day, since, limit = [], [], [], []
    width = draw(st.integers(1, 20))
    change, before, after = draw(st.integers(0, 60)), draw(st.integers(-1, 5)), draw(st.integers(0, 8))
    for g in range(draw(st.integers(0, 4))):
        days = sorted(draw(st.lists(st.integers(0, 60), max_size=50)))
        group += [g] * len(days)
        day += days
        since += [d - width for d in days]
        limit += [before if d < change else after for d in days]
    return group, day, since, limit


@settings(max_examples=400, deadline=None)
@given(capped_days())
def test_the_cap_refuses_the_days_a_walk_refuses(case: tuple[list[int], list[int], list[int], list[int]]) -> None:
    group, day, since, limit = case
    found = refused_over_cap(np.array(group), np.array(day), np.array(since), np.array(limit))
    assert found.tolist() == walk_cap(group, day, since, limit)


def test_the_cap_refuses_from_the_limit_until_a_paid_day_leaves_the_window() -> None:
    """Limit 2, window (d − 4, d): 0 and 1 paid; 2 and 3 refused (0 and 1 in it); 4 paid (0 left), 5 paid (1 left);
    6 refused (4 and 5 in it)."""
    day = np.arange(7)
    refused = refused_over_cap(np.zeros(7), day, day - 4, np.full(7, 2))
    assert refused.tolist() == [False, False, True, True, False, False, True]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dates(dt.date(2019, 1, 1), dt.date(2029, 12, 31)), max_size=30), st.integers(-40, 40))
def test_months_later_is_the_calendar_s(days: list[dt.date], months: int) -> None:
    found = limits.months_later(np.array(days + [None], dtype="datetime64[D]"), months)
    assert found[:-1].tolist() == [same_date_later(d, months) for d in days] and np.isnat(found[-1])


# ------------------------------------------------------------------ the 360-day limit, stoppage by stoppage
@st.composite
def sickness_streams(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Stoppage streams of a few persons and schemes: long sickness stoppages, some ALD, some of other natures."""
    rows = []
    for person in range(draw(st.integers(1, 3))):
        for scheme in draw(st.sampled_from([["SA"], ["TI"], ["SA", "TI"]])):
            day = draw(st.dates(dt.date(2021, 10, 1), dt.date(2023, 6, 1)))  # the limit's values start 2021-10-01
            for _ in range(draw(st.integers(1, 6))):  # stoppages may overlap: a day may count twice
                day += dt.timedelta(days=draw(st.integers(0, 200)))
                length = draw(st.integers(0, 420))
                rows.append(
                    {
                        "nir": f"1{person:012d}",
                        "scheme_stream": scheme,
                        "nature": draw(st.sampled_from(["SICKNESS"] * 4 + ["WORK_ACCIDENT"])),
                        "long_term_illness": draw(st.sampled_from([False] * 4 + [True])),
                        "first": day,
                        "last": day + dt.timedelta(days=length - 1),
                    }
                )
    order = draw(st.permutations(range(len(rows))))
    streams = pd.DataFrame([rows[k] for k in order])
    first = streams.pop("first").to_numpy(dtype="datetime64[D]")
    last = streams.pop("last").to_numpy(dtype="datetime64[D]")
    return streams, first, last


def walk_360_days(streams: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> set[tuple[int, dt.date]]:
    """Per person and scheme, day after day: refused when the limit's days were paid in (day − 3 years, day)."""
    limit = parameters()["sickness_day_limit"]
    refused, paid = set(), {}
    days = []
    for row, stream in enumerate(streams.itertuples()):
        if stream.nature != "SICKNESS" or stream.long_term_illness:
            continue
        day, end = first[row].astype(dt.date), last[row].astype(dt.date)
        while day <= end:
            days.append(((stream.nir, stream.scheme_stream), day, row))
            day += DAY
    for person, day, row in sorted(days):
        window = paid.setdefault(person, deque())
        while window and window[0] <= same_date_later(day, -36):
            window.popleft()
        if len(window) >= int(limit.value_at(day).value):
            refused.add((row, day))
        else:
            window.append(day)
    return refused


def pairs(found: pd.DataFrame) -> set[tuple[int, dt.date]]:
    return {(int(r), d.date()) for r, d in zip(found["row"], pd.to_datetime(found["day"]), strict=True)}


@settings(max_examples=60, deadline=None)
@given(sickness_streams())
def test_the_360_day_limit_refuses_what_a_walk_refuses(case: tuple[pd.DataFrame, np.ndarray, np.ndarray]) -> None:
    streams, first, last = case
    assert pairs(limits.sickness_360_days(streams, first, last)) == walk_360_days(streams, first, last)


# ------------------------------------------------------------------ births: each day once, at most the entitlement
@st.composite
def birth_streams(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Maternity and paternity stoppages of a few births, overlapping, some with a birth date and no presumed one."""
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        birth = draw(st.dates(dt.date(2022, 3, 1), dt.date(2026, 6, 1)))
        start = birth + dt.timedelta(days=draw(st.integers(-60, 20)))
        presumed = draw(st.sampled_from([birth, None]))
        rows.append(
            {
                "nir": draw(st.sampled_from(["2000000000001", "2000000000002"])),
                "nature": draw(st.sampled_from(["MATERNITY", "PATERNITY", "SICKNESS"])),
                "presumed_birth_date": presumed,
                "birth_date": birth if presumed is None else draw(st.sampled_from([birth, None])),
                "children_born": draw(st.integers(1, 3)),
                "birth_rank": draw(st.integers(1, 4)),
                "start_date": start,
                "first": start,
                "last": start + dt.timedelta(days=draw(st.integers(-1, 200))),
            }
        )
    streams = pd.DataFrame(rows)
    for column in ("presumed_birth_date", "birth_date", "start_date"):
        streams[column] = pd.to_datetime(streams[column])
    first = streams.pop("first").to_numpy(dtype="datetime64[D]")
    last = streams.pop("last").to_numpy(dtype="datetime64[D]")
    return streams, first, last


def entitled(stream: object) -> int:
    """docs/RULES.md 5: the days of one birth, read at the stoppage's start."""
    if stream.nature == "MATERNITY":
        name = {3: "maternity_days_triplets", 2: "maternity_days_twins"}.get(min(stream.children_born, 3))
        name = name or ("maternity_days_third_child" if stream.birth_rank >= 3 else "maternity_days")
    else:
        name = "paternity_days_multiple_birth" if stream.children_born >= 2 else "paternity_days"
    return int(parameters()[name].value_at(stream.start_date.date()).value)


def walk_births(streams: pd.DataFrame, first: np.ndarray, last: np.ndarray) -> set[tuple[int, dt.date]]:
    """Per birth, day after day (then file order): a day paid once, and no more days than the entitlement."""
    days = []
    for row, stream in enumerate(streams.itertuples()):
        if stream.nature not in ("MATERNITY", "PATERNITY"):
            continue
        birth = stream.presumed_birth_date if pd.notna(stream.presumed_birth_date) else stream.birth_date
        day, end = first[row].astype(dt.date), last[row].astype(dt.date)
        while day <= end:
            days.append(((stream.nir, stream.nature, str(birth)), day, row, entitled(stream)))
            day += DAY
    refused, paid = set(), {}
    for birth, day, row, most in sorted(days, key=lambda d: d[:3]):
        seen = paid.setdefault(birth, set())
        if day in seen or len(seen) + 1 > most:
            refused.add((row, day))
        seen.add(day)
    return refused


@settings(max_examples=150, deadline=None)
@given(birth_streams())
def test_birth_entitlement_refuses_what_a_walk_refuses(case: tuple[pd.DataFrame, np.ndarray, np.ndarray]) -> None:
    streams, first, last = case
    assert pairs(limits.birth_entitlement(streams, first, last)) == walk_births(streams, first, last)
