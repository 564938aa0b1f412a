"""Money paid late: hand-written ledgers with payment dates, every figure counted by hand.

A day's stake is its money times the days of delay (cent-days); the worst delay is in days.
"""

from __future__ import annotations

import pandas as pd

from bascule.compare.diff import Comparison, Tolerance, compare, timeliness
from bascule.engines.ledger import Ledger
from tests.compare.ledgers import ledger

NO_HORIZON = Comparison(pd.Series(dtype="datetime64[s]"))
FORTNIGHT = ("A1", "2024-03-04", "2024-03-17", 1000)  # 14 days of 10 €


def paid(book: Ledger, *days: str | None) -> Ledger:
    """The ledger with each line paid on the day given (None: a line whose payment day is not known)."""
    lines = book.lines.assign(paid_on=pd.to_datetime(pd.Series(days, dtype=object)).astype("datetime64[s]"))
    return Ledger(lines, book.outcomes, book.knows_rights_end)


def only(found: pd.DataFrame) -> dict:
    assert len(found) == 1, found
    return found.iloc[0].to_dict()


def within(days: int) -> Comparison:
    return Comparison(NO_HORIZON.horizon, {"late": Tolerance(0, "monthly settlement", days=days)})


def test_the_same_days_paid_on_the_same_day_are_on_time() -> None:
    control = paid(ledger(FORTNIGHT), "2024-03-20")
    assert compare(control, paid(ledger(FORTNIGHT), "2024-03-20"), NO_HORIZON).empty
    assert compare(control, paid(ledger(FORTNIGHT), "2024-03-12"), NO_HORIZON).empty  # earlier is never late


def test_a_delay_within_the_tolerance_is_accepted_and_one_day_more_is_late() -> None:
    control = paid(ledger(FORTNIGHT), "2024-03-20")
    assert compare(control, paid(ledger(FORTNIGHT), "2024-03-27"), within(7)).empty  # 7 days: accepted
    found = only(compare(control, paid(ledger(FORTNIGHT), "2024-03-28"), within(7)))
    assert found["kinds"] == ("late",) and found["worst_delay_days"] == 8
    assert found["late_cent_days"] == 14_000 * 8  # the whole delay is the stake, not the days above the tolerance


def test_a_monthly_settlement_against_a_fortnightly_one_is_late_by_the_first_fortnight() -> None:
    control = paid(ledger(FORTNIGHT, ("A1", "2024-03-18", "2024-03-31", 1000)), "2024-03-20", "2024-04-03")
    candidate = paid(ledger(("A1", "2024-03-04", "2024-03-31", 1000)), "2024-04-03")
    found = only(compare(control, candidate, NO_HORIZON))
    assert (found["late_cents"], found["late_cent_days"], found["worst_delay_days"]) == (14_000, 14_000 * 14, 14)
    assert (found["first_day"], found["last_day"]) == (pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-17"))
    assert compare(control, candidate, within(14)).empty


def test_days_paid_45_days_later_are_late_with_their_money_times_the_delay_at_stake() -> None:
    found = only(compare(paid(ledger(FORTNIGHT), "2024-03-20"), paid(ledger(FORTNIGHT), "2024-05-04"), NO_HORIZON))
    assert found["kinds"] == ("late",)
    assert found["direction"] == "late"
    assert found["late_cents"] == 14_000  # 14 days of 10 €
    assert found["late_cent_days"] == 630_000  # 14,000 cents × 45 days
    assert found["worst_delay_days"] == 45
    assert (found["control_paid_on"], found["candidate_paid_on"]) == (
        pd.Timestamp("2024-03-20"),
        pd.Timestamp("2024-05-04"),
    )
    assert found["at_stake_cents"] == found["under_cents"] == found["over_cents"] == 0  # no money is lost
    assert found["streams"] == "SA"
    assert (found["first_day"], found["last_day"]) == (pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-17"))


def test_the_worst_delay_is_the_longest_and_the_stake_sums_every_run() -> None:
    second = ("A1", "2024-03-18", "2024-03-24", 2000)  # 7 days of 20 €
    control = paid(ledger(FORTNIGHT, second), "2024-03-20", "2024-03-27")
    candidate = paid(ledger(FORTNIGHT, second), "2024-03-30", "2024-05-06")  # 10 and 40 days late
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["late_cents"] == 14_000 + 14_000
    assert found["late_cent_days"] == 14_000 * 10 + 14_000 * 40
    assert found["worst_delay_days"] == 40
    assert found["candidate_paid_on"] == pd.Timestamp("2024-05-06")  # the dates of the worst delay


def test_a_day_paid_by_the_control_and_never_by_the_candidate_stays_missing() -> None:
    control = paid(ledger(FORTNIGHT), "2024-03-20")
    found = only(compare(control, paid(ledger(("A1", "2024-01-01", "2024-01-02", 0)), None), NO_HORIZON))
    assert found["kinds"] == ("missing",) and found["late_cents"] == 0 and found["under_cents"] == 14_000
    half = paid(ledger(("A1", "2024-03-04", "2024-03-10", 1000)), "2024-04-19")  # 7 days, 30 days late; 7 never
    found = only(compare(control, half, NO_HORIZON))
    assert found["kinds"] == ("missing", "late")
    assert (found["under_cents"], found["late_cents"], found["late_cent_days"]) == (7_000, 7_000, 7_000 * 30)
    assert found["direction"] == "underpayment"  # money never paid weighs more than money paid late


def test_an_advance_that_stands_in_for_a_late_settlement_is_shown() -> None:
    control = paid(ledger(FORTNIGHT), "2024-03-20")
    advanced = paid(ledger(FORTNIGHT), "2024-05-04")
    advanced.outcomes["advance_paid_on"] = pd.to_datetime(["2024-03-09"]).astype("datetime64[s]")
    found = only(compare(control, advanced, NO_HORIZON))
    assert found["kinds"] == ("late",)  # the advance was settled (balance 0): only the settlement is late
    assert found["advance_paid_on"] == pd.Timestamp("2024-03-09")
    assert (found["late_cents"], found["worst_delay_days"]) == (14_000, 45)
    after = paid(ledger(FORTNIGHT), "2024-05-04")
    after.outcomes["advance_paid_on"] = pd.to_datetime(["2024-05-10"]).astype("datetime64[s]")
    assert pd.isna(only(compare(control, after, NO_HORIZON))["advance_paid_on"])  # after it: it stood in for nothing


def test_a_day_paid_twice_is_dated_by_the_mean_of_its_payments_weighted_by_their_cents() -> None:
    back_payment = ("A1", "2024-03-04", "2024-03-17", 500)
    control = paid(ledger(FORTNIGHT, back_payment), "2024-03-20", "2024-04-19")  # 1000 on day 0, 500 on day 30
    candidate = paid(ledger(("A1", "2024-03-04", "2024-03-17", 1500)), "2024-04-09")  # all on day 20
    found = only(compare(control, candidate, NO_HORIZON))
    # control: (1000 × 0 + 500 × 30) / 1500 = day 10, the 30th of March; the candidate is 10 days later
    assert found["control_paid_on"] == pd.Timestamp("2024-03-30")
    assert (found["worst_delay_days"], found["late_cents"], found["late_cent_days"]) == (10, 21_000, 210_000)


def test_without_payment_dates_on_a_side_timeliness_is_not_compared_and_says_why() -> None:
    control = paid(ledger(FORTNIGHT), "2024-03-20")
    undated = ledger(FORTNIGHT)
    assert compare(control, undated, NO_HORIZON).empty
    assert timeliness(control, undated) == "the candidate gives no payment dates"
    assert timeliness(ledger(FORTNIGHT), undated) == "the control and the candidate give no payment dates"
    assert timeliness(control, paid(ledger(FORTNIGHT), "2024-03-20")) is None


def test_a_line_whose_payment_day_is_not_known_is_not_compared() -> None:
    second = ("A1", "2024-03-18", "2024-03-31", 1000)
    control = paid(ledger(FORTNIGHT, second), "2024-03-20", "2024-04-03")
    candidate = paid(ledger(FORTNIGHT, second), None, "2024-05-03")  # first fortnight: unknown; second: 30 late
    found = only(compare(control, candidate, NO_HORIZON))
    assert (found["late_cents"], found["worst_delay_days"]) == (14_000, 30)
    assert found["first_day"] == pd.Timestamp("2024-03-18")


def test_days_not_yet_due_are_not_late() -> None:
    second = ("A1", "2024-03-18", "2024-03-31", 1000)
    control = paid(ledger(FORTNIGHT, second), "2024-03-20", "2024-04-03")
    candidate = paid(ledger(FORTNIGHT, second), "2024-03-20", "2024-06-03")
    due_to_17th = Comparison(pd.Series([pd.Timestamp("2024-03-17")], index=["A1"]))
    assert compare(control, candidate, due_to_17th).empty
    assert only(compare(control, candidate, NO_HORIZON))["worst_delay_days"] == 61
