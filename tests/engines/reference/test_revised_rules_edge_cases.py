"""Edge cases of the December 2026 rules that the scenarios S24..S42 miss, found by a review.

Every expected value is computed by hand from docs/RULES.md, not read from the engine.
"""

from __future__ import annotations

import datetime as dt

import yaml

from bascule.engines.reference.conventions import Conventions
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.trace import trace_stoppage
from tests.engines.reference.scenario_rows import rows_of

SIRET = "11111111100011"


def lines_of(scenario: str, conventions: str = "") -> list[tuple]:
    given = yaml.safe_load(scenario)
    ledger = compute_reference(rows_of(given), given["extraction_date"], Conventions.parse(conventions))
    return sorted(
        (line.number, str(line.first_day.date()), str(line.last_day.date()), int(line.daily_cents), line.rules)
        for line in ledger.lines.itertuples()
    )


WORK_ACCIDENT_PART_TIME = """
extraction_date: 2025-12-31
persons:
  - stoppages:
      - number: T1
        nature: WORK_ACCIDENT
        modality: THERAPEUTIC_PART_TIME
        accident: 2025-01-09
        start: 2025-01-10
        end: 2025-01-31
        attestations:
          - siret: '11111111100011'
            reference_months: {2024-10: '20000.00', 2024-11: '20000.00', 2024-12: '20000.00'}
            part_time_pay: {2025-01: '1000.00'}
"""


def test_convention_p_applies_to_a_work_accident_in_therapeutic_part_time() -> None:
    """IJ-RULES 3, 4 (convention P `stoppage_start`): the part-time allowance is min(the chain's own allowance, loss).

    SJR = 20,000 / 30.42 = 657.462; PASS on 2025-01-10 = 47,100, cap 0.834 % = 392.814; 60 % = 235.6884.
    Loss = (20,000 - 1,000) x 3 / 91.25 = 624.66. min = 235.6884 -> 235.69.
    (With the default `reference_date`, PASS 2024-12-31 = 46,368: 386.709 x 60 % = 232.0255 -> 232.03.)
    """
    default = lines_of(WORK_ACCIDENT_PART_TIME)
    assert [(first, last, cents) for _, first, last, cents, _ in default] == [("2025-01-10", "2025-01-31", 23203)]
    start = lines_of(WORK_ACCIDENT_PART_TIME, "pass_date=stoppage_start")
    assert [(first, last, cents) for _, first, last, cents, _ in start] == [("2025-01-10", "2025-01-31", 23569)]


EXTENSION_OF_AN_EXTENSION = """
extraction_date: 2024-12-31
persons:
  - stoppages:
      - number: A
        start: 2024-10-07
        end: 2024-10-18
        attestations:
          - siret: '11111111100011'
            reference_months: {2024-07: '2000.00', 2024-08: '2000.00', 2024-09: '2000.00'}
      - number: B
        initial: A
        start: 2024-10-19
        end: 2024-10-25
        attestations:
          - siret: '11111111100011'
            reference_months: {2024-07: '2000.00', 2024-08: '2000.00', 2024-09: '2000.00'}
      - number: C
        initial: B
        start: 2024-10-30
        end: 2024-11-08
"""


def test_an_extension_of_an_extension_belongs_to_the_initial_chain() -> None:
    """IJ-RULES 0: A, its extension B and B's extension C (validate.py accepts any earlier stoppage) are one chain.

    32.88 (6,000 / 91.25 x 50 %). A waits 07-09, pays 10-10..10-18; B pays 10-19..10-25 (no gap). C's gap is
    Sat 10-26 .. Tue 10-29, 4 days from 2024-09-01 (>= 3, convention G): C serves 3 waiting days (10-30, 10-31,
    11-01) and pays 11-02..11-08. The engine keys C's chain on B, finds no earlier stoppage, no gap: pays from 10-30.
    """
    found = [(number, first, last, cents) for number, first, last, cents, _ in lines_of(EXTENSION_OF_AN_EXTENSION)]
    assert found == [
        ("A", "2024-10-10", "2024-10-18", 3288),
        ("B", "2024-10-19", "2024-10-25", 3288),
        ("C", "2024-11-02", "2024-11-08", 3288),
    ]


GAP_OF_TWO_WORKING_DAYS = """
extraction_date: 2024-12-31
persons:
  - stoppages:
      - number: W1
        start: 2024-10-07
        end: 2024-10-16
        attestations:
          - siret: '11111111100011'
            reference_months: {2024-07: '2000.00', 2024-08: '2000.00', 2024-09: '2000.00'}
      - number: W2
        initial: W1
        start: 2024-10-21
        end: 2024-10-31
"""


def test_the_trace_names_the_working_days_parameter_under_gap_working_days() -> None:
    """docs/RULES.md 0, convention G: with `gap=working_days` the parameter read is extension_gap_waiting_working_days.

    Gap Thu 10-17 .. Sun 10-20: 2 working days >= 2, so W2 waits (10-21..10-23); the trace must show the
    parameter the engine read (2 working days on 2024-10-17), not the calendar one (3 days).
    """
    given = yaml.safe_load(GAP_OF_TWO_WORKING_DAYS)
    trace = trace_stoppage(rows_of(given), "W2", given["extraction_date"], Conventions.parse("gap=working_days"))
    read = {p["parameter"]: (p["at"], str(p["value"])) for p in trace.parameters}
    assert read.get("extension_gap_waiting_working_days") == (dt.date(2024, 10, 17), "2")
    assert "extension_gap_waiting_days" not in read


PART_TIME_AND_ALD_AFTER_A_LONG_GAP = """
extraction_date: 2024-12-31
persons:
  - stoppages:
      - number: P1
        modality: THERAPEUTIC_PART_TIME
        start: 2024-10-07
        end: 2024-10-16
        attestations:
          - siret: '11111111100011'
            reference_months: {2024-07: '2000.00', 2024-08: '2000.00', 2024-09: '2000.00'}
            part_time_pay: {2024-10: '1100.00'}
      - number: P2
        initial: P1
        modality: THERAPEUTIC_PART_TIME
        start: 2024-10-21
        end: 2024-10-31
  - nir: '2800175123456'
    stoppages:
      - number: L1
        ald: true
        start: 2024-10-07
        end: 2024-10-16
        attestations:
          - siret: '11111111100011'
            reference_months: {2024-07: '2000.00', 2024-08: '2000.00', 2024-09: '2000.00'}
      - number: L2
        ald: true
        initial: L1
        start: 2024-10-21
        end: 2024-10-31
"""


def test_a_line_names_the_gap_waiting_rule_only_when_it_served_waiting_days() -> None:
    """docs/RULES.md 0, 2, 3: a 4-day gap from 2024-09-01 changes nothing for a part-time chain (no waiting days)
    nor for an ALD extension in its ALD period (it does not open one): both pay from 10-21, and their lines
    must not claim the rule `extension_gap_waiting_days` (nor the trace list its parameters)."""
    found = {number: (first, rules) for number, first, _, _, rules in lines_of(PART_TIME_AND_ALD_AFTER_A_LONG_GAP)}
    assert found["P2"][0] == "2024-10-21" and found["L2"][0] == "2024-10-21"
    assert "extension_gap_waiting_days" not in found["P2"][1]
    assert "extension_gap_waiting_days" not in found["L2"][1]
