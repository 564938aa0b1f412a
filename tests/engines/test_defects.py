"""Defect injectors: each breaks the referee's ledger the way the 2024 pilot did, on its stoppages only.

Expected lines come from the scenarios' hand computations (tests/engines/reference/scenarios) and
from the defect's own description, not from the injector's output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from bascule.engines.defects import INJECTORS, injected
from bascule.engines.interface import EngineError, EngineSpec, load_engine
from bascule.engines.reference.engine import compute_reference
from tests.compare.ledgers import ledger
from tests.engines.reference.scenario_rows import rows_of

SCENARIOS = Path(__file__).parent / "reference" / "scenarios"


def scenario(name: str) -> tuple[dict, object]:
    given = yaml.safe_load(next(SCENARIOS.glob(f"{name}_*.yaml")).read_text(encoding="utf-8"))
    return rows_of(given), given["extraction_date"]


def runs(ledger) -> list[tuple]:
    lines = ledger.lines
    return sorted(
        (n, str(pd.Timestamp(f).date()), str(pd.Timestamp(la).date()), int(c))
        for n, f, la, c in zip(
            lines["number"], lines["first_day"], lines["last_day"], lines["daily_cents"], strict=True
        )
    )


def test_waiting_days_on_an_extension_take_its_first_three_days() -> None:
    rows, extraction = scenario("S01")  # A2 extends A1 from 2024-04-01, paid 32.88 a day
    broken = INJECTORS["waiting_days_on_extension"](compute_reference(rows, extraction), rows, extraction)
    assert runs(broken) == [("A1", "2024-03-13", "2024-03-31", 3288), ("A2", "2024-04-04", "2024-04-15", 3288)]


def test_prenatal_rest_paid_twice_pays_the_days_both_maternity_stoppages_cover() -> None:
    rows, extraction = scenario("S16")  # Q1 pays 05-06..06-30; Q2 from 07-01, its 20-30 June being Q1's
    broken = INJECTORS["prenatal_rest_paid_twice"](compute_reference(rows, extraction), rows, extraction)
    q2 = [r for r in runs(broken) if r[0] == "Q2"]
    assert q2[0][1] == "2024-06-20"  # the shared days are paid again on Q2
    assert ("Q1", "2024-05-06", "2024-06-30", 10036) in runs(broken)


def test_rights_end_too_early_moves_every_rights_end_a_month_earlier() -> None:
    rows, extraction = scenario("S14")  # the 360th day is 2023-02-26: rights end 2023-02-27
    broken = INJECTORS["rights_end_too_early"](compute_reference(rows, extraction), rows, extraction)
    assert str(broken.outcomes.set_index("number").loc["M1", "rights_end"].date()) == "2023-01-28"


def test_paternity_paid_late_settles_each_month_45_days_after_it_ends_and_dates_nothing_else() -> None:
    rows, extraction = scenario("S17")  # R1 is a paternity stoppage
    correct = ledger(("R1", "2024-05-20", "2024-06-10", 5195), ("X1", "2024-05-20", "2024-06-10", 1000))
    broken = INJECTORS["paternity_paid_late"](correct, rows, extraction)
    paid = {
        (n, str(pd.Timestamp(f).date()), str(pd.Timestamp(la).date()), int(c)): d
        for n, f, la, c, d in broken.lines[["number", "first_day", "last_day", "daily_cents", "paid_on"]].to_numpy()
    }
    assert set(paid) == {
        ("R1", "2024-05-20", "2024-05-31", 5195),
        ("R1", "2024-06-01", "2024-06-10", 5195),
        ("X1", "2024-05-20", "2024-06-10", 1000),
    }
    assert paid[("R1", "2024-05-20", "2024-05-31", 5195)] == pd.Timestamp("2024-07-15")  # 31 May + 45 days
    assert paid[("R1", "2024-06-01", "2024-06-10", 5195)] == pd.Timestamp("2024-08-14")  # 30 June + 45 days
    assert pd.isna(paid[("X1", "2024-05-20", "2024-06-10", 1000)])  # what is owed, not when: not known


def test_the_april_2025_cap_before_its_date_lowers_a_capped_allowance() -> None:
    given = {
        "extraction_date": "2025-12-31",
        "person": {
            "stoppages": [
                {
                    "number": "K1",
                    "start": "2025-02-15",
                    "end": "2025-02-28",
                    "attestations": [
                        {
                            "siret": "11111111100011",
                            "reference_months": {"2024-11": "3500", "2024-12": "3500", "2025-01": "3500"},
                        }
                    ],
                }
            ]
        },
    }
    rows, extraction = rows_of(given), pd.Timestamp("2025-12-31").date()
    correct = compute_reference(rows, extraction)
    broken = INJECTORS["april_2025_cap_early"](correct, rows, extraction)
    # W5: 1.8 × 1,801.80 → 53.31 a day; with 1.4 (W4's cap, 2,522.52): 3 × 2,522.52 / 91.25 × 50 % = 41.4661
    assert runs(correct) == [("K1", "2025-02-18", "2025-02-28", 5331)]
    assert runs(broken) == [("K1", "2025-02-18", "2025-02-28", 4147)]


def test_injectors_compose_and_leave_other_stoppages_alone() -> None:
    rows, extraction = scenario("S01")
    correct = compute_reference(rows, extraction)
    both = injected(correct, rows, extraction, ("part_time_unpaid", "work_accident_unsettled"))
    assert runs(both) == runs(correct)  # S01 has neither part-time nor a work accident


def test_the_defect_engine_is_named_like_any_engine() -> None:
    engine = load_engine(EngineSpec.parse("defect:part_time_unpaid,advances_unregularised"))
    assert engine.defects == ("part_time_unpaid", "advances_unregularised")
    assert "Therapeutic part-time" in engine.describe("part_time_unpaid")
    with pytest.raises(EngineError, match="no defect named tpyo: the catalogue holds part_time_unpaid"):
        load_engine(EngineSpec.parse("defect:tpyo"))
    with pytest.raises(EngineError, match="name the defect"):
        load_engine(EngineSpec.parse("defect"))


def test_inject_puts_the_defects_into_a_correct_ledger_given_as_compute_does_and_leaves_it_as_it_was() -> None:
    from pandas.testing import assert_frame_equal

    from bascule.engines.inputs import rows_from_extract
    from bascule.engines.interface import Batch
    from tests.conftest import SAMPLE

    rows, extraction = rows_from_extract(SAMPLE / "progres_441_latin1.dat")  # every injector finds stoppages there
    batch = Batch(rows, extraction)
    engine = load_engine(EngineSpec.parse("defect:all"))
    correct = load_engine(engine.correct).compute(batch)
    kept = (correct.lines.copy(), correct.outcomes.copy())
    for name in INJECTORS:  # each alone, on the same correct ledger: none may change it in place
        load_engine(EngineSpec("defect", name)).inject(correct, batch)
        assert_frame_equal(correct.lines, kept[0])
        assert_frame_equal(correct.outcomes, kept[1])
    given, computed = engine.inject(correct, batch), engine.compute(batch)
    assert_frame_equal(given.lines, computed.lines)
    assert_frame_equal(given.outcomes, computed.outcomes)


def test_waiting_days_on_extension_change_nothing_where_there_is_no_extension() -> None:
    rows, extraction = scenario("S16")  # two maternity stoppages: no sickness extension (a part may have none)
    correct = compute_reference(rows, extraction)
    assert runs(INJECTORS["waiting_days_on_extension"](correct, rows, extraction)) == runs(correct)
