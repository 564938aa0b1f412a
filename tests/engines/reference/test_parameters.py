"""Parameters: a strict format, and exactly one value (or a declared gap) on every day of the window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from bascule.engines.reference.parameters import WINDOW, ParameterError, load_parameter, parameters

GOOD = """
description: "a test parameter"
unit: "EUR"
lookup: "the reference date"
values:
  2022-01-01:
    value: '1.5'
    reference: {title: "Article 1", url: "https://example.org/1"}
  2023-01-01:
    value: '2'
    reference: {title: "Article 2", url: "https://example.org/2"}
"""


def test_values_hold_on_half_open_intervals() -> None:
    parameter = load_parameter("test", GOOD)
    days = np.array(["2022-01-01", "2022-12-31", "2023-01-01", "2026-12-31"], dtype="datetime64[D]")
    values, missing = parameter.scaled(days, 10)
    assert list(values) == [15, 15, 20, 20] and not missing.any()
    assert parameter.value_at(dt.date(2022, 12, 31)).reference.title == "Article 1"


def test_outside_the_window_the_engine_refuses_and_says_why() -> None:
    parameter = load_parameter("test", GOOD)
    _, missing = parameter.scaled(np.array(["2021-12-31", "2027-01-01"], dtype="datetime64[D]"), 10)
    assert missing.all()
    with pytest.raises(ParameterError, match="only known from 2022-01-01 to 2026-12-31"):
        parameter.value_at(dt.date(2021, 12, 31))


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace("2023-01-01", "2022-01-01"), "given twice"),
        (GOOD.replace("2023-01-01", "january 2023"), "is not a date"),
        (
            GOOD.replace('reference: {title: "Article 2", url: "https://example.org/2"}', "reference: {}"),
            "reference with a title and a url is mandatory",
        ),
        (GOOD.replace("value: '2'", "value: 2.0"), "written as text"),
        (GOOD.replace("value: '2'", "value: null"), "must say why"),
        (GOOD.replace('unit: "EUR"\n', ""), "'unit' is missing"),
    ],
    ids=["duplicate date", "not a date", "no reference", "float value", "unexplained gap", "no unit"],
)
def test_the_loader_is_strict(broken: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        load_parameter("test", broken)


@pytest.mark.parametrize("name", sorted(parameters()))
def test_every_shipped_parameter_covers_every_day_of_the_window_once(name: str) -> None:
    parameter = parameters()[name]
    starts = [v.start for v in parameter.values]
    assert starts == sorted(set(starts)), "one value per start date, in order"
    assert starts[0] <= WINDOW[0], "a value from the window's first day (older ones may be kept)"
    days = np.arange(np.datetime64(WINDOW[0]), np.datetime64(WINDOW[1]) + 1)
    at = parameter.positions(days)
    assert (at >= 0).all()
    # exactly one value a day: the one whose interval holds it
    starts_of_day = np.array(starts, dtype="datetime64[D]")[at]
    assert (starts_of_day <= days).all()
    following = np.array([*starts[1:], dt.date(9999, 12, 31)], dtype="datetime64[D]")[at]
    assert (days < following).all()
    for value in parameter.values:
        assert value.reference.title and value.reference.url.startswith("https://")
        assert value.value is None or isinstance(value.value, Decimal)


def test_the_smic_of_ij_rules_is_shipped() -> None:
    smic = parameters()["smic_hourly"]
    assert [(str(v.start), str(v.value)) for v in smic.values] == [
        ("2021-10-01", "10.48"),
        ("2022-01-01", "10.57"),
        ("2022-05-01", "10.85"),
        ("2022-08-01", "11.07"),
        ("2023-01-01", "11.27"),
        ("2023-05-01", "11.52"),
        ("2024-01-01", "11.65"),
        ("2024-11-01", "11.88"),
        ("2026-01-01", "12.02"),
    ]


def test_the_ceilings_of_ij_rules_are_shipped_from_the_window_s_first_day() -> None:
    """docs/RULES.md section 1: PMSS 3,428 and PASS 41,136 from 2021-10-01, each rising from 1 January."""
    pmss, pass_ = parameters()["pmss"], parameters()["pass"]
    by_year = {year: dt.date(year, 1, 1) for year in range(2022, 2027)}
    assert str(pmss.value_at(WINDOW[0]).value) == "3428" and str(pass_.value_at(WINDOW[0]).value) == "41136"
    assert [str(pmss.value_at(day).value) for day in by_year.values()] == ["3428", "3666", "3864", "3925", "4005"]
    assert [str(pass_.value_at(day).value) for day in by_year.values()] == ["41136", "43992", "46368", "47100", "48060"]


def test_the_pass_is_known_back_to_2019_for_the_self_employed_threshold() -> None:
    """The threshold of a 2022 stoppage averages the PASS of 2019-2021 (40,524, 41,136, 41,136)."""
    pass_ = parameters()["pass"]
    assert [str(pass_.value_at(dt.date(year, 6, 1)).value) for year in (2019, 2020, 2021)] == [
        "40524",
        "41136",
        "41136",
    ]
    with pytest.raises(ParameterError, match="pass is only known from 2019-01-01"):
        pass_.value_at(dt.date(2018, 12, 31))


@pytest.mark.parametrize(
    ("name", "day", "expected"),
    [
        ("extension_gap_paid_days", dt.date(2024, 8, 31), "3"),
        ("extension_gap_paid_days", dt.date(2024, 9, 1), "0"),
        ("extension_gap_waiting_days", dt.date(2024, 8, 31), None),
        ("extension_gap_waiting_days", dt.date(2024, 9, 1), "3"),
        ("extension_gap_waiting_working_days", dt.date(2024, 8, 31), None),
        ("extension_gap_waiting_working_days", dt.date(2024, 9, 1), "2"),
    ],
)
def test_the_gap_before_an_extension_changes_on_1_september_2024(name: str, day: dt.date, expected: str | None) -> None:
    """docs/RULES.md 0: gap days paid up to 3 until 2024-08-31; from 2024-09-01 none, and waiting from 3 days."""
    value = parameters()[name].value_at(day)
    assert (None if value.value is None else str(value.value)) == expected
    assert value.value is not None or "2024-09-01" in value.unsupported
