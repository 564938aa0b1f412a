"""Money paid late as the cluster signatures and `explain` show it: hand-written ledgers, dates counted by hand."""

from __future__ import annotations

import pandas as pd

from bascule.compare.clusters import ADVANCE_PAID, signatures
from bascule.compare.explain import _timeline
from tests.compare.ledgers import ledger
from tests.compare.test_late import FORTNIGHT, paid


def test_an_advance_that_stood_in_for_a_late_settlement_has_a_signature_of_its_own() -> None:
    divergences = pd.DataFrame(
        {
            "kinds": [("late",), ("late",)],
            "direction": ["late", "late"],
            "category": ["MAL/TC", "MAL/TC"],
            "streams": ["SA", "SA"],
            "advance_paid_on": pd.to_datetime([None, "2024-03-09"]),
        }
    )
    assert signatures(divergences).tolist() == [
        "late · late · MAL/TC · stream SA",
        f"late · late · MAL/TC · stream SA · {ADVANCE_PAID}",
    ]


def test_explain_shows_the_paid_dates_of_each_engine_that_gives_them_side_by_side() -> None:
    second = ("A1", "2024-03-18", "2024-03-31", 1000)
    control = paid(ledger(FORTNIGHT, second), "2024-03-20", "2024-04-03")
    candidate = paid(ledger(("A1", "2024-03-04", "2024-03-31", 1000)), "2024-05-15")  # one monthly settlement
    referee = ledger(("A1", "2024-03-04", "2024-03-31", 1000))  # says what is owed, not when
    found = _timeline({"control": control, "candidate": candidate, "referee": referee}, pd.NaT.to_numpy())
    assert found[["first_day", "control_paid_on", "candidate_paid_on"]].values.tolist() == [
        [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-20"), pd.Timestamp("2024-05-15")],
        [pd.Timestamp("2024-03-18"), pd.Timestamp("2024-04-03"), pd.Timestamp("2024-05-15")],
    ]
    assert "referee_paid_on" not in found
