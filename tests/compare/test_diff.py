"""Each kind of divergence on hand-written ledgers, with the money at stake counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from bascule.compare.diff import Comparison, Tolerance, compare
from tests.compare.ledgers import ledger

SIRET = "73282932000074"
NO_HORIZON = Comparison(pd.Series(dtype="datetime64[s]"))


def only(found: pd.DataFrame) -> dict:
    assert len(found) == 1, found
    return found.iloc[0].to_dict()


def test_identical_money_chunked_differently_is_no_divergence() -> None:
    legacy = ledger(("A1", "2024-03-04", "2024-03-17", 3288), ("A1", "2024-03-18", "2024-03-31", 3288))
    new = ledger(("A1", "2024-03-04", "2024-03-31", 3288))
    assert compare(legacy, new, NO_HORIZON).empty


def test_a_lower_daily_amount_is_an_underpayment_of_the_difference_times_the_days() -> None:
    found = only(
        compare(
            ledger(("A1", "2024-03-04", "2024-03-13", 3288)),
            ledger(("A1", "2024-03-04", "2024-03-13", 3200)),
            NO_HORIZON,
        )
    )
    assert found["kinds"] == ("amount",)
    assert found["direction"] == "underpayment"
    assert (found["control_cents"], found["candidate_cents"]) == (32_880, 32_000)
    assert found["at_stake_cents"] == found["under_cents"] == 880  # 88 cents × 10 days


def test_days_the_candidate_does_not_pay_are_missing_and_days_it_adds_are_extra() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-13", 1000))
    candidate = ledger(("A1", "2024-03-09", "2024-03-16", 1000))
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("missing", "extra")
    assert (found["under_cents"], found["over_cents"]) == (5_000, 3_000)  # 4-8 March missing, 14-16 extra
    assert found["at_stake_cents"] == 8_000
    assert found["direction"] == "underpayment"
    assert (found["first_day"], found["last_day"]) == (pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-16"))


def test_the_same_money_to_the_employer_instead_of_the_insured_is_a_payee_divergence() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000, SIRET), ("A1", "2024-03-11", "2024-03-17", 1000))
    candidate = ledger(("A1", "2024-03-04", "2024-03-17", 1000, SIRET))
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("payee",)
    assert found["direction"] == "payee"
    assert found["at_stake_cents"] == 7_000  # 7 days of 10 € went to the employer
    assert found["under_cents"] == found["over_cents"] == 0


def test_the_insured_payee_is_the_same_whatever_id_an_engine_writes() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    candidate = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    candidate.lines["payee_id"] = ""  # an external system need not know the NIR
    assert compare(control, candidate, NO_HORIZON).empty


def test_streams_are_compared_apart() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000), ("A1", "2024-03-04", "2024-03-10", 6026, "", "TI"))
    candidate = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("missing",) and found["streams"] == "TI" and found["under_cents"] == 42_182


def test_days_after_the_horizon_are_not_yet_due() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-17", 1000))
    candidate = ledger(("A1", "2024-03-04", "2024-03-30", 1000))
    due_to_17th = Comparison(pd.Series([pd.Timestamp("2024-03-17")], index=["A1"]))
    assert compare(control, candidate, due_to_17th).empty
    assert only(compare(control, candidate, NO_HORIZON))["kinds"] == ("extra",)


def test_another_rights_end_date_is_a_divergence_unless_an_engine_gives_none() -> None:
    ended = [{"number": "A1", "rights_end": "2024-03-11"}]
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000), outcomes=ended)
    candidate = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("rights_end",) and found["at_stake_cents"] == 0
    silent = ledger(("A1", "2024-03-04", "2024-03-10", 1000), knows_rights_end=False)
    assert compare(control, silent, NO_HORIZON).empty


def test_an_advance_balance_counts_once_every_day_is_due() -> None:
    advanced = [{"number": "A1", "advance_cents": 30_000}]
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000), outcomes=advanced)
    candidate = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("advance",) and found["at_stake_cents"] == 30_000 and found["direction"] == "none"
    still_open = Comparison(pd.Series([pd.Timestamp("2024-03-10")], index=["A1"]))
    assert compare(control, candidate, still_open).empty


def test_a_stream_an_engine_cannot_compute_is_unsupported_and_its_money_is_not_compared() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    refused = [{"number": "A1", "status": "unsupported", "reason": "out of scope"}]
    candidate = ledger(outcomes=refused)
    found = only(compare(control, candidate, NO_HORIZON))
    assert found["kinds"] == ("unsupported",) and found["at_stake_cents"] == 0


@pytest.mark.parametrize(("tolerance", "divergent"), [(70, False), (69, True)])
def test_a_tolerance_accepts_a_kind_up_to_its_cents_a_stoppage(tolerance: int, divergent: bool) -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000))
    candidate = ledger(("A1", "2024-03-04", "2024-03-10", 1010))  # 7 days × 10 cents = 70 cents at stake
    how = Comparison(NO_HORIZON.horizon, {"amount": Tolerance(tolerance, "rounding of each settlement")})
    assert (not compare(control, candidate, how).empty) is divergent


def test_people_are_compared_stoppage_by_stoppage() -> None:
    control = ledger(("A1", "2024-03-04", "2024-03-10", 1000), ("A2", "2024-03-04", "2024-03-10", 500))
    candidate = ledger(("A1", "2024-03-04", "2024-03-10", 1000), ("A2", "2024-03-04", "2024-03-10", 400))
    assert list(compare(control, candidate, NO_HORIZON)["number"]) == ["A2"]
