"""Plain words from signatures written by hand (compare/clusters.py's format), and the decision in one line."""

from __future__ import annotations

from collections import Counter

import pytest

from bascule.compare.clusters import signatures
from bascule.reports.headlines import (
    Signature,
    cases,
    cluster_verdict,
    criterion_value,
    decision_reason,
    headline,
    parse_signature,
)


@pytest.mark.parametrize(
    ("signature", "parsed"),
    [
        ("missing · underpayment · MAL/TP · stream SA", Signature(("missing",), "underpayment", "MAL/TP", ("SA",), ())),
        (
            "payee · payee · MAL/TC subrogation-alternating",
            Signature(("payee",), "payee", "MAL/TC subrogation-alternating", (), ()),
        ),
        (
            "missing+amount · underpayment · MAL/TC PA · stream SA+TI",
            Signature(("missing", "amount"), "underpayment", "MAL/TC PA", ("SA", "TI"), ()),
        ),
        (
            "unsupported · none · ATM/TC · no rate for 2031",
            Signature(("unsupported",), "none", "ATM/TC", (), ("no rate for 2031",)),
        ),
        (
            "amount · overpayment · MAL/TC · stream SA · R-ATM-CAP",
            Signature(("amount",), "overpayment", "MAL/TC", ("SA",), ("R-ATM-CAP",)),
        ),
    ],
)
def test_a_signature_is_read_back_into_its_parts(signature: str, parsed: Signature) -> None:
    assert parse_signature(signature) == parsed


def test_the_parts_are_those_the_clusters_write() -> None:
    """The reader follows the writer: a signature made by compare/clusters.py reads back into what it was made of."""
    import pandas as pd

    made = signatures(
        pd.DataFrame(
            {
                "kinds": [("missing", "amount")],
                "direction": ["underpayment"],
                "category": ["MAL/TC PA ald"],
                "streams": ["TI"],
                "unsupported_reason": [""],
                "rules_differing": ["R-IJ-TP"],
            }
        )
    ).iloc[0]
    assert parse_signature(made) == Signature(
        ("missing", "amount"), "underpayment", "MAL/TC PA ald", ("TI",), ("R-IJ-TP",)
    )


@pytest.mark.parametrize(
    ("category", "words"),
    [
        ("MAL/TC", "Sickness stoppages"),
        ("MAL/TP", "Therapeutic part-time sickness stoppages"),
        ("ATM/TC", "Work-accident stoppages"),
        ("MAT/TC TI", "Maternity stoppages of self-employed people"),
        ("MAL/TC ald keeps-rights", "Sickness stoppages in long-term illness and keeping rights after a job loss"),
        (
            "PAT/TC corrected-attestation several-employers subrogation-whole",
            "Paternity stoppages with a corrected attestation, with several employers and with the employer subrogated",
        ),
        ("XYZ/QQ odd-flag", "QQ XYZ stoppages odd-flag"),  # unknown parts are shown, not dropped
    ],
)
def test_a_case_category_in_words(category: str, words: str) -> None:
    assert cases(category) == words


@pytest.mark.parametrize(
    ("signature", "people", "cents", "pays_nothing", "line"),
    [
        (
            "missing · underpayment · MAL/TP · stream SA",
            9,
            2316361,
            True,
            "Therapeutic part-time sickness stoppages: the new system pays nothing — 9 people, 23,163.61 € at stake",
        ),
        (
            "missing · underpayment · ATM/TC · stream SA",
            12,
            100,
            False,
            "Work-accident stoppages: the new system leaves days unpaid — 12 people, 1.00 € at stake",
        ),
        (
            "amount · underpayment · MAL/TC keeps-rights · stream SA",
            1,
            42682,
            False,
            "Sickness stoppages keeping rights after a job loss: the new system pays less a day — 1 person, "
            "426.82 € at stake",
        ),
        (
            "amount · overpayment · MAL/TC · stream SA",
            2,
            5,
            False,
            "Sickness stoppages: the new system pays more a day — 2 people, 0.05 € at stake",
        ),
        (
            "payee · payee · MAL/TC subrogation-alternating",
            16,
            539147,
            False,
            "Sickness stoppages with alternating subrogation: the new system pays another party than the legacy — "
            "16 people, 5,391.47 € at stake",
        ),
        (
            "missing+extra · underpayment · MAL/TC PA · stream TI",
            1234,
            123456789,
            False,
            "Sickness stoppages of people both salaried and self-employed, on their self-employed stream: the new "
            "system leaves days unpaid and pays days the legacy does not — 1,234 people, 1,234,567.89 € at stake",
        ),
        (
            "rights_end+advance · none · MAL/TC ald",
            3,
            0,
            False,
            "Sickness stoppages in long-term illness: the new system ends the rights on another date and settles the "
            "advances differently — 3 people, 0.00 € at stake",
        ),
        (
            "unsupported · none · ATM/TC · no rate for 2031",
            4,
            0,
            False,
            "Work-accident stoppages: an engine cannot compute them (no rate for 2031) — 4 people, 0.00 € at stake",
        ),
    ],
)
def test_a_headline_says_which_cases_what_goes_wrong_how_many_and_how_much(
    signature: str, people: int, cents: int, pays_nothing: bool, line: str
) -> None:
    assert headline(signature, people, cents, pays_nothing) == line


def test_a_late_cluster_says_the_money_paid_late_and_the_worst_delay_not_a_zero_at_stake() -> None:
    assert headline("late · late · PAT/TC · stream SA", 13, 0, late=(1_234_567, 74)) == (
        "Paternity stoppages: the new system pays later than the legacy — 13 people, 12,345.67 € paid late, "
        "up to 74 days"
    )
    advanced = "late · late · MAL/TC · stream SA · advance paid, settlement late"
    assert headline(advanced, 1, 0, late=(14_000, 45)) == (
        "Sickness stoppages: the new system pays an advance, then settles later than the legacy — 1 person, "
        "140.00 € paid late, up to 45 days"
    )
    both = headline("missing+late · underpayment · PAT/TC · stream SA", 2, 7_000, late=(7_000, 30))
    assert both.endswith("— 2 people, 70.00 € at stake, 70.00 € paid late, up to 30 days")


@pytest.mark.parametrize(
    ("unresolved", "accepted", "fixed", "verdict"),
    [
        (Counter({"regression": 3}), 0, 0, "regression"),
        (Counter({"unexplained": 1}), 2, 0, "unexplained"),
        (Counter({"regression": 1, "unexplained": 1}), 0, 0, "mixed"),
        (Counter(), 2, 0, "accepted"),
        (Counter(), 0, 2, "legacy defect fixed"),
        (Counter(), 1, 1, "accepted or fixed"),
    ],
)
def test_a_cluster_verdict_is_that_of_what_is_left_or_why_nothing_is(
    unresolved: Counter[str], accepted: int, fixed: int, verdict: str
) -> None:
    assert cluster_verdict(unresolved, accepted, fixed) == verdict


@pytest.mark.parametrize(
    ("decision", "passed", "left", "reason"),
    [
        (
            "NO-GO",
            [True, False, False, True, False, True, True],
            ["regression"] * 6,
            "NO-GO: 3 of 7 criteria fail; 6 clusters of regressions block",
        ),
        ("NO-GO", [False], ["unexplained"], "NO-GO: 1 of 1 criteria fail; 1 cluster of unexplained divergences blocks"),
        (
            "NO-GO",
            [True, False],
            ["regression", "unexplained", "regression", "mixed"],
            "NO-GO: 1 of 2 criteria fail; 4 clusters (2 of regressions, 1 of unexplained divergences, "
            "1 of mixed verdicts) block",
        ),
        ("NO-GO", [False, True], [], "NO-GO: 1 of 2 criteria fail; no cluster is left unresolved"),
        ("GO", [True] * 8, [], "GO: all 8 criteria pass; no cluster is left unresolved"),
        (
            "GO",
            [True, True],
            ["regression"],
            "GO: all 2 criteria pass; 1 cluster of regressions within the policy's thresholds",
        ),
    ],
)
def test_the_decision_in_one_line(decision: str, passed: list[bool], left: list[str], reason: str) -> None:
    assert decision_reason(decision, passed, left) == reason


@pytest.mark.parametrize(
    ("name", "value", "threshold", "shown"),
    [
        ("max_underpayment_cents_per_person", 100, True, "1.00 €"),
        ("max_underpayment_cents_per_person", 431872, False, "4,318.72 €"),
        ("max_unresolved_share", 0.001, True, "0.10 %"),
        ("max_unresolved_share_per_category", 0.125984, False, "12.60 %"),
        ("max_rejected_records", 1, False, "1 record"),
        ("max_rejected_records", 2500, False, "2,500 records"),
        ("min_stoppages_per_category", 5, True, "5 stoppages"),
        ("migration_balanced", True, True, "required"),
        ("migration_balanced", False, False, "not balanced"),
        ("no_expired_waiver_in_use", 0, False, "0 expired waivers in use"),
        ("detection_power", None, False, "not measured"),
    ],
)
def test_a_criterion_value_has_its_unit(name: str, value: object, threshold: bool, shown: str) -> None:
    assert criterion_value(name, value, threshold) == shown
