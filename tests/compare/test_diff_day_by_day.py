"""The comparison on random ledgers against a day-by-day reading written here (hypothesis).

The comparison works on integer codes and runs of days; this oracle works on
text and single days, with dictionaries: the money of each stream and day
(runs that overlap add up, negative runs take off), the streams an engine
could not compute left out, the days after a stoppage's horizon not due,
and per stoppage its money kinds, the stakes, the cents of both sides, the
under- and overpayment, and the money moved to another payee.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.compare.diff import Comparison, compare
from tests.compare.ledgers import ledger

START = dt.date(2024, 1, 1)
NUMBERS = ["B7", "A10", "A9", "Z1"]  # text order is not the order of first appearance
SIRET = "73282932000074"

run = st.tuples(
    st.sampled_from(NUMBERS),
    st.integers(0, 40),
    st.integers(0, 15),
    st.sampled_from([1000, 1000, 2500, -400]),
    st.sampled_from(["", "", SIRET]),
    st.sampled_from(["SA", "SA", "TI"]),
).map(lambda r: (r[0], START + dt.timedelta(days=r[1]), START + dt.timedelta(days=r[1] + r[2]), *r[3:]))
refusal = st.tuples(st.sampled_from(NUMBERS), st.just("SA"))  # tests.compare.ledgers writes SA outcomes


def unsupported(refused: list[tuple[str, str]]) -> list[dict]:
    return [{"number": n, "scheme": s, "status": "unsupported", "reason": "not covered"} for n, s in refused]


def money(runs: list[tuple], refused: set, horizon: dict) -> tuple[dict, dict]:
    """Cents of each (number, scheme, day) and of each (number, scheme, payee, day), on due days."""
    per_stream: dict = defaultdict(int)
    per_payee: dict = defaultdict(int)
    for number, first, last, cents, payee, scheme in runs:
        day = first
        while day <= last:
            if (number, scheme) not in refused and (number not in horizon or day <= horizon[number]):
                per_stream[(number, scheme, day)] += cents
                per_payee[(number, scheme, payee, day)] += cents
            day += dt.timedelta(days=1)
    return per_stream, per_payee


def day_by_day(control: list[tuple], candidate: list[tuple], refused: set, horizon: dict) -> dict:
    (a, a_payee), (b, b_payee) = money(control, refused, horizon), money(candidate, refused, horizon)
    found: dict = defaultdict(lambda: defaultdict(int))
    for number, _ in refused:
        found[number]["control"] += 0  # a stoppage refused on every stream is still listed
    for key in a.keys() | b.keys():
        c, d, number = a.get(key, 0), b.get(key, 0), key[0]
        mine = found[number]
        mine["control"] += c
        mine["candidate"] += d
        mine["under"] += max(c - d, 0)
        mine["over"] += max(d - c, 0)
        mine["net"] += abs(d - c)
        if c != d:
            mine["missing" if d == 0 else "extra" if c == 0 else "amount"] += abs(d - c)
    for key in a_payee.keys() | b_payee.keys():
        found[key[0]]["gross"] += abs(b_payee.get(key, 0) - a_payee.get(key, 0))
    expected = {}
    for number, mine in found.items():
        stakes = {kind: mine[kind] for kind in ("missing", "amount", "extra") if mine[kind]}
        if (mine["gross"] - mine["net"]) // 2 > 0:
            stakes["payee"] = (mine["gross"] - mine["net"]) // 2
        if number in {n for n, _ in refused}:
            stakes["unsupported"] = 0
        if stakes:
            sums = (mine["control"], mine["candidate"], mine["under"], mine["over"])
            expected[number] = (set(stakes), sum(stakes.values()), sums)
    return expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(run, max_size=10),
    st.lists(run, max_size=10),
    st.lists(refusal, max_size=2),
    st.dictionaries(st.sampled_from(NUMBERS), st.integers(0, 50), max_size=2),
)
def test_the_comparison_finds_what_a_day_by_day_reading_finds(
    control: list[tuple], candidate: list[tuple], refused: list[tuple[str, str]], pending: dict[str, int]
) -> None:
    horizon = {number: START + dt.timedelta(days=days) for number, days in pending.items()}
    how = Comparison(pd.Series({n: pd.Timestamp(d) for n, d in horizon.items()}, dtype="datetime64[s]"))
    found = compare(ledger(*control), ledger(*candidate, outcomes=unsupported(refused)), how)
    assert list(found["number"]) == sorted(found["number"])
    got = {
        row.number: (
            set(row.kinds),
            row.at_stake_cents,
            (row.control_cents, row.candidate_cents, row.under_cents, row.over_cents),
        )
        for row in found.itertuples()
    }
    assert got == day_by_day(control, candidate, set(refused), horizon)
