"""Three-way verdicts on hand-written ledgers (docs/DESIGN.md, "Verdicts").

The rule, for each stoppage on which the control and the candidate diverge:

- the referee agrees with the control (not the candidate): ``regression``;
- the referee agrees with the candidate (not the control): ``legacy_defect_fixed``;
- anything else: ``unexplained`` (the referee agrees with neither, cannot compute
  the stoppage, cannot tell them apart, or there is no referee).

"Agrees" is the comparison's own: the money of every due day of every stream,
the payee, the rights end date and the advances. Every expected verdict
below is written from that rule and the hand-made amounts, never read off
the code's output.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bascule.compare.diff import Comparison, Tolerance, compare
from bascule.compare.due import horizons
from bascule.compare.verdicts import FIXED, REGRESSION, UNEXPLAINED, VERDICTS, verdicts
from bascule.engines.ledger import COMPUTED, UNSUPPORTED, Ledger
from tests.compare.ledgers import lines

NO_HORIZON = Comparison(pd.Series(dtype="datetime64[s]"))
SIRET = "73282932000074"
MARCH = ("2024-03-04", "2024-03-13")  # 10 days


def book(
    *runs: tuple,
    refused: tuple[tuple[str, str], ...] = (),
    rights_end: dict[str, str] | None = None,
    advances: dict[str, int] | None = None,
    knows_rights_end: bool = True,
) -> Ledger:
    """A ledger of runs (as tests.compare.ledgers.lines takes them): every stream of a run computed,
    the ``refused`` (number, scheme) streams unsupported; rights ends and advances by stoppage number."""
    found = lines(*runs)
    streams = {(n, s) for n, s in zip(found["number"], found["scheme"], strict=True)} | set(refused)
    rows = [
        {
            "number": number,
            "scheme": scheme,
            "status": UNSUPPORTED if (number, scheme) in refused else COMPUTED,
            "reason": "out of the referee's scope" if (number, scheme) in refused else None,
            "rights_end": (rights_end or {}).get(number),
            "advance_cents": (advances or {}).get(number, 0) if scheme == "SA" else 0,
        }
        for number, scheme in sorted(streams)
    ]
    outcomes = pd.DataFrame(rows, columns=["number", "scheme", "status", "reason", "rights_end", "advance_cents"])
    return Ledger(found, outcomes.astype({"rights_end": "datetime64[s]"}), knows_rights_end)


def judged(control: Ledger, candidate: Ledger, referee: Ledger | None, how: Comparison = NO_HORIZON) -> dict:
    """Each stoppage the control and the candidate diverge on, with its verdict."""
    divergent = compare(control, candidate, how)["number"]
    found = verdicts(divergent, control, candidate, referee, how)
    assert len(found) == len(divergent) and set(found) <= set(VERDICTS)
    return dict(zip(divergent, found, strict=True))


# One stoppage each: (control, candidate, referee) runs, and the verdict the rule gives.
CASES = {
    "the referee pays what the control pays": (
        [("A1", *MARCH, 1000)],
        [("A1", *MARCH, 900)],
        [("A1", *MARCH, 1000)],
        REGRESSION,
    ),
    "the referee pays what the candidate pays": (
        [("A1", *MARCH, 1000)],
        [("A1", *MARCH, 900)],
        [("A1", *MARCH, 900)],
        FIXED,
    ),
    "the referee pays a third amount": (
        [("A1", *MARCH, 1000)],
        [("A1", *MARCH, 900)],
        [("A1", *MARCH, 950)],
        UNEXPLAINED,
    ),
    "the referee pays nothing, as the candidate": (
        [("A1", *MARCH, 1000)],
        [],
        [],
        FIXED,
    ),
    "the candidate pays days the control and the referee do not": (
        [("A1", "2024-03-04", "2024-03-10", 1000)],
        [("A1", *MARCH, 1000)],
        [("A1", "2024-03-04", "2024-03-10", 1000)],
        REGRESSION,
    ),
    "the referee pays the employer, as the control (subrogation)": (
        [("A1", *MARCH, 1000, SIRET)],
        [("A1", *MARCH, 1000)],
        [("A1", *MARCH, 1000, SIRET)],
        REGRESSION,
    ),
    "the referee pays the insured, as the candidate": (
        [("A1", *MARCH, 1000, SIRET)],
        [("A1", *MARCH, 1000)],
        [("A1", *MARCH, 1000)],
        FIXED,
    ),
    # Per day, whatever the chunking: 14-day settlements, one monthly run, weekly runs.
    "chunked otherwise, the referee's money of each day is the control's": (
        [("A1", "2024-03-04", "2024-03-17", 1000), ("A1", "2024-03-18", "2024-03-31", 1000)],
        [("A1", "2024-03-04", "2024-03-31", 990)],
        [("A1", f"2024-03-{d:02}", f"2024-03-{d + 6:02}", 1000) for d in (4, 11, 18, 25)],
        REGRESSION,
    ),
    "chunked otherwise, the referee's money of each day is the candidate's": (
        [("A1", "2024-03-04", "2024-03-17", 1000), ("A1", "2024-03-18", "2024-03-31", 1000)],
        [("A1", "2024-03-04", "2024-03-31", 990)],
        [("A1", f"2024-03-{d:02}", f"2024-03-{d + 6:02}", 990) for d in (4, 11, 18, 25)],
        FIXED,
    ),
    "the referee agrees with the control's first days and the candidate's last ones": (
        [("A1", "2024-03-04", "2024-03-17", 1000), ("A1", "2024-03-18", "2024-03-31", 1000)],
        [("A1", "2024-03-04", "2024-03-31", 990)],
        [("A1", "2024-03-04", "2024-03-17", 1000), ("A1", "2024-03-18", "2024-03-31", 990)],
        UNEXPLAINED,
    ),
    "the same total, but not on the same days as the control": (
        [("A1", "2024-03-04", "2024-03-13", 1000)],
        [("A1", "2024-03-04", "2024-03-13", 900)],
        [("A1", "2024-03-04", "2024-03-08", 1100), ("A1", "2024-03-09", "2024-03-13", 900)],
        UNEXPLAINED,
    ),
    # Several streams of one stoppage: the referee must agree on all of them.
    "SA differs, TI is the same everywhere, the referee's SA is the control's": (
        [("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")],
        [("A1", *MARCH, 900), ("A1", *MARCH, 600, "", "TI")],
        [("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")],
        REGRESSION,
    ),
    "SA and TI differ, the referee's both are the candidate's": (
        [("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")],
        [("A1", *MARCH, 900), ("A1", *MARCH, 500, "", "TI")],
        [("A1", *MARCH, 900), ("A1", *MARCH, 500, "", "TI")],
        FIXED,
    ),
    "the referee's SA is the control's, its TI the candidate's": (
        [("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")],
        [("A1", *MARCH, 900), ("A1", *MARCH, 500, "", "TI")],
        [("A1", *MARCH, 1000), ("A1", *MARCH, 500, "", "TI")],
        UNEXPLAINED,
    ),
    "the candidate forgets TI, the referee pays it as the control": (
        [("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")],
        [("A1", *MARCH, 1000)],
        [("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")],
        REGRESSION,
    ),
}


@pytest.mark.parametrize(("control", "candidate", "referee", "verdict"), CASES.values(), ids=CASES.keys())
def test_whom_the_referee_agrees_with(control: list, candidate: list, referee: list, verdict: str) -> None:
    assert judged(book(*control), book(*candidate), book(*referee)) == {"A1": verdict}


def test_each_stoppage_gets_its_own_verdict_in_the_order_given() -> None:
    """The one-stoppage cases together, each under its own number, judged in one call."""
    numbered = {f"S{i:02}": case for i, case in enumerate(CASES.values())}

    def renumbered(side: int) -> Ledger:
        runs = [(number, *run[1:]) for number, case in numbered.items() for run in case[side]]
        return book(*runs)

    control, candidate, referee = renumbered(0), renumbered(1), renumbered(2)
    assert judged(control, candidate, referee) == {number: case[3] for number, case in numbered.items()}
    backwards = pd.Series(sorted(numbered, reverse=True))
    expected = [numbered[number][3] for number in backwards]
    assert list(verdicts(backwards, control, candidate, referee, NO_HORIZON)) == expected


def test_without_a_referee_every_divergence_is_unexplained() -> None:
    control = book(("A1", *MARCH, 1000), ("B1", *MARCH, 1000))
    candidate = book(("A1", *MARCH, 900), ("B1", *MARCH, 1100))
    assert judged(control, candidate, None) == {"A1": UNEXPLAINED, "B1": UNEXPLAINED}


def test_no_divergence_no_verdict() -> None:
    control = book(("A1", *MARCH, 1000))
    found = verdicts(pd.Series([], dtype=object), control, control, control, NO_HORIZON)
    assert isinstance(found, np.ndarray) and len(found) == 0
    assert len(verdicts(pd.Series([], dtype=object), control, control, None, NO_HORIZON)) == 0


def test_a_referee_that_cannot_compute_the_stoppage_explains_nothing() -> None:
    control = book(("A1", *MARCH, 1000), ("B1", *MARCH, 1000))
    candidate = book(("A1", *MARCH, 900), ("B1", *MARCH, 900))
    referee = book(("B1", *MARCH, 900), refused=(("A1", "SA"),))
    assert judged(control, candidate, referee) == {"A1": UNEXPLAINED, "B1": FIXED}


def test_an_unsupported_stream_of_the_referee_is_not_read_even_when_it_has_lines() -> None:
    """Lines beside an unsupported outcome are not an answer: the referee could not compute the stream."""
    control, candidate = book(("A1", *MARCH, 1000)), book(("A1", *MARCH, 900))
    for paid in (900, 1000):
        referee = book(("A1", *MARCH, paid), refused=(("A1", "SA"),))
        assert judged(control, candidate, referee) == {"A1": UNEXPLAINED}


def test_a_referee_that_cannot_compute_one_stream_explains_nothing_of_the_stoppage() -> None:
    """verdicts.py: "cannot compute the stoppage" — a stoppage is judged whole, over all its streams.

    The referee's SA is the candidate's, but it refuses TI: the stoppage stays unexplained (the cautious
    reading: a defect fixed is never claimed on a stoppage the referee did not compute whole).
    """
    control = book(("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI"))
    candidate = book(("A1", *MARCH, 900), ("A1", *MARCH, 600, "", "TI"))
    referee = book(("A1", *MARCH, 900), refused=(("A1", "TI"),))
    assert judged(control, candidate, referee) == {"A1": UNEXPLAINED}


def test_a_stream_the_control_cannot_compute_is_judged_on_what_the_referee_computes() -> None:
    """The control refuses SA, the candidate pays it: fixed if the referee pays what the candidate pays."""
    control = book(refused=(("A1", "SA"), ("B1", "SA")))
    candidate = book(("A1", *MARCH, 900), ("B1", *MARCH, 900))
    referee = book(("A1", *MARCH, 900), ("B1", *MARCH, 1000))
    assert judged(control, candidate, referee) == {"A1": FIXED, "B1": UNEXPLAINED}


def test_a_stream_the_candidate_cannot_compute_is_a_regression_if_the_referee_pays_as_the_control() -> None:
    control = book(("A1", *MARCH, 1000), ("B1", *MARCH, 1000))
    candidate = book(refused=(("A1", "SA"), ("B1", "SA")))
    referee = book(("A1", *MARCH, 1000), ("B1", *MARCH, 1100))
    assert judged(control, candidate, referee) == {"A1": REGRESSION, "B1": UNEXPLAINED}


def test_only_the_due_days_are_judged() -> None:
    """Open on 2024-03-17: the referee pays later days the control has not settled yet; they are not due."""
    control = book(("A1", "2024-03-04", "2024-03-17", 1000))
    candidate = book(("A1", "2024-03-04", "2024-03-17", 900))
    referee = book(("A1", "2024-03-04", "2024-03-31", 1000))
    due = Comparison(pd.Series([pd.Timestamp("2024-03-17")], index=["A1"]))
    assert judged(control, candidate, referee, due) == {"A1": REGRESSION}
    assert judged(control, candidate, referee) == {"A1": UNEXPLAINED}  # all due: the referee pays more


def test_rights_end_dates_are_judged_like_money() -> None:
    runs = [("A1", *MARCH, 1000), ("B1", *MARCH, 1000)]
    control = book(*runs, rights_end={"A1": "2024-12-31", "B1": "2024-12-31"})
    candidate = book(*runs, rights_end={"A1": "2025-01-31", "B1": "2025-01-31"})
    referee = book(*runs, rights_end={"A1": "2024-12-31", "B1": "2025-01-31"})
    assert judged(control, candidate, referee) == {"A1": REGRESSION, "B1": FIXED}


def test_advances_are_judged_like_money() -> None:
    runs = [("A1", *MARCH, 1000), ("B1", *MARCH, 1000)]
    control = book(*runs, advances={"A1": 30_000, "B1": 30_000})
    candidate = book(*runs)
    referee = book(*runs, advances={"A1": 30_000})
    assert judged(control, candidate, referee) == {"A1": REGRESSION, "B1": FIXED}


def test_a_referee_that_cannot_tell_them_apart_explains_nothing() -> None:
    """The referee agrees with both sides: it says nothing about who is right.

    A1: the divergence is only a rights end date and the referee knows no rights end dates.
    B1: the referee is within the tolerance of both (control 10.00 €, candidate 10.08 €, referee 10.04 €
    for one day, 5 cents tolerated), while the control and the candidate are 8 cents apart.
    """
    runs = [("A1", *MARCH, 1000)]
    control = book(*runs, ("B1", "2024-03-04", "2024-03-04", 1000), rights_end={"A1": "2024-12-31"})
    candidate = book(*runs, ("B1", "2024-03-04", "2024-03-04", 1008), rights_end={"A1": "2025-01-31"})
    referee = book(*runs, ("B1", "2024-03-04", "2024-03-04", 1004), knows_rights_end=False)
    how = Comparison(NO_HORIZON.horizon, {"amount": Tolerance(5, "rounding")})
    assert judged(control, candidate, referee, how) == {"A1": UNEXPLAINED, "B1": UNEXPLAINED}


def test_a_tolerance_applies_to_the_referee_too() -> None:
    """4 cents off the control and 5 cents tolerated: the referee agrees with the control."""
    control = book(("A1", "2024-03-04", "2024-03-04", 1000))
    candidate = book(("A1", "2024-03-04", "2024-03-04", 1020))
    referee = book(("A1", "2024-03-04", "2024-03-04", 1004))
    how = Comparison(NO_HORIZON.horizon, {"amount": Tolerance(5, "rounding")})
    assert judged(control, candidate, referee, how) == {"A1": REGRESSION}
    assert judged(control, candidate, referee) == {"A1": UNEXPLAINED}


def test_the_referee_is_read_only_for_the_stoppages_judged() -> None:
    """What the referee says of other stoppages (here, one it cannot compute) changes nothing."""
    control, candidate = book(("A1", *MARCH, 1000)), book(("A1", *MARCH, 900))
    referee = book(("A1", *MARCH, 1000), ("Z9", *MARCH, 5), refused=(("Z9", "TI"),))
    assert judged(control, candidate, referee) == {"A1": REGRESSION}


# What "agrees" means: the comparison a verdict is made of (compare() of each side with the referee).
# Each test below pins a rule of it that a verdict would silently inherit if it broke.


def only(found: pd.DataFrame) -> dict:
    assert len(found) == 1, found
    return found.iloc[0].to_dict()


def test_a_stream_the_control_cannot_compute_is_unsupported_and_no_money_of_it_is_counted() -> None:
    control = book(refused=(("A1", "SA"),))
    candidate = book(("A1", *MARCH, 900))
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("unsupported",)
    assert (found["control_cents"], found["candidate_cents"], found["at_stake_cents"]) == (0, 0, 0)
    assert found["streams"] == "" and found["direction"] == "none"


def test_one_cent_is_a_divergence_when_no_tolerance_is_given() -> None:
    day = ("2024-03-04", "2024-03-04")
    under = only(compare(book(("A1", *day, 1000)), book(("A1", *day, 999)), NO_HORIZON))
    assert (under["kinds"], under["direction"], under["under_cents"], under["at_stake_cents"]) == (
        ("amount",),
        "underpayment",
        1,
        1,
    )
    over = only(compare(book(("A1", *day, 1000)), book(("A1", *day, 1001)), NO_HORIZON))
    assert (over["kinds"], over["direction"], over["over_cents"]) == (("amount",), "overpayment", 1)


def test_one_cent_gone_to_another_payee_is_a_payee_divergence() -> None:
    day = ("2024-03-04", "2024-03-04")
    found = only(compare(book(("A1", *day, 1, SIRET)), book(("A1", *day, 1)), NO_HORIZON))
    assert (found["kinds"], found["at_stake_cents"], found["direction"]) == (("payee",), 1, "payee")


def test_as_much_underpaid_as_overpaid_is_an_underpayment_the_worst_first() -> None:
    control = book(("A1", "2024-03-04", "2024-03-08", 1000), ("A1", "2024-03-09", "2024-03-13", 1000))
    candidate = book(("A1", "2024-03-04", "2024-03-08", 900), ("A1", "2024-03-09", "2024-03-13", 1100))
    found = only(compare(control, candidate, NO_HORIZON))
    assert (found["under_cents"], found["over_cents"], found["direction"]) == (500, 500, "underpayment")


def test_another_advance_balance_is_at_stake_by_the_difference() -> None:
    runs = [("A1", *MARCH, 1000)]
    found = only(compare(book(*runs, advances={"A1": 30_000}), book(*runs, advances={"A1": 10_000}), NO_HORIZON))
    assert (found["kinds"], found["at_stake_cents"]) == (("advance",), 20_000)


def test_no_tolerance_hides_a_rights_end_or_an_unsupported_stream() -> None:
    every_kind = {kind: Tolerance(1_000_000, "wide") for kind in ("rights_end", "unsupported", "amount")}
    how = Comparison(NO_HORIZON.horizon, every_kind)
    runs = [("A1", *MARCH, 1000)]
    ended = compare(book(*runs, rights_end={"A1": "2024-12-31"}), book(*runs, rights_end={"A1": "2025-01-31"}), how)
    assert only(ended)["kinds"] == ("rights_end",)
    refused = compare(book(*runs), book(refused=(("A1", "SA"),)), how)
    assert only(refused)["kinds"] == ("unsupported",)


def test_the_streams_that_differ_are_named_and_none_for_a_divergence_without_money() -> None:
    both = compare(
        book(("A1", *MARCH, 1000), ("A1", *MARCH, 600, "", "TI")),
        book(("A1", *MARCH, 900), ("A1", *MARCH, 500, "", "TI")),
        NO_HORIZON,
    )
    assert only(both)["streams"] == "SA+TI"
    runs = [("A1", *MARCH, 1000)]
    ended = compare(book(*runs, rights_end={"A1": "2024-12-31"}), book(*runs), NO_HORIZON)
    assert only(ended)["streams"] == ""


def test_no_divergence_has_the_columns_of_divergences() -> None:
    same = book(("A1", *MARCH, 1000))
    found = compare(same, same, NO_HORIZON)
    differs = compare(same, book(("A1", *MARCH, 900)), NO_HORIZON)
    assert found.empty and list(found.columns) == list(differs.columns)


def test_the_horizon_day_itself_is_due_and_no_paid_run_is_stretched_to_it() -> None:
    """Open, due to 17 March: a difference on the 17th alone counts; runs ending before it keep their days."""
    due = Comparison(pd.Series([pd.Timestamp("2024-03-17")], index=["A1"]))
    control = book(("A1", "2024-03-04", "2024-03-17", 1000))
    last_day_less = book(("A1", "2024-03-04", "2024-03-16", 1000), ("A1", "2024-03-17", "2024-03-17", 900))
    assert only(compare(control, last_day_less, due))["at_stake_cents"] == 100
    referee = book(("A1", "2024-03-04", "2024-03-17", 1000))
    assert judged(control, last_day_less, referee, due) == {"A1": REGRESSION}
    week = book(("A1", "2024-03-04", "2024-03-10", 1000))
    found = only(compare(week, book(("A1", "2024-03-04", "2024-03-10", 900)), due))
    assert (found["control_cents"], found["at_stake_cents"]) == (7_000, 700)


def test_the_days_judged_end_at_each_pending_stoppages_horizon() -> None:
    """Extraction on 2024-03-20, 17 days of settlement lag: 2024-03-03 is the last day surely settled.

    O1 is open (whatever its planned end), R1 ended after 03-03, E1 ended on 03-03 exactly, C1 long before;
    P1 is open and already paid past 03-03; Z1 is open and its only line pays nothing (not a payment).
    """
    stoppages = pd.DataFrame(
        {
            "number": ["O1", "R1", "E1", "C1", "P1", "Z1"],
            "status": ["OPEN", "CLOSED", "CLOSED", "CLOSED", "OPEN", "OPEN"],
            "end_date": pd.to_datetime(
                ["2024-01-31", "2024-03-10", "2024-03-03", "2024-01-31", "2024-04-30", "2024-04-30"]
            ),
        }
    )
    control = book(
        ("O1", "2024-01-01", "2024-01-20", 1000),
        ("R1", "2024-02-01", "2024-02-29", 1000),
        ("E1", "2024-02-01", "2024-03-03", 1000),
        ("C1", "2024-01-01", "2024-01-31", 1000),
        ("P1", "2024-03-01", "2024-03-15", 1000),
        ("Z1", "2024-03-01", "2024-03-18", 0),
    )
    found = horizons(stoppages, control, dt.date(2024, 3, 20), 17)
    settled, paid = "2024-03-03", "2024-03-15"
    expected = pd.Series(pd.to_datetime([settled, settled, None, None, paid, settled]), index=list(stoppages["number"]))
    pd.testing.assert_series_equal(found.astype("datetime64[s]"), expected.astype("datetime64[s]"))
