"""Daily amounts: the expert cases (YAML, tolerance 0 cents) and an independent decimal rendering.

The cases in ``cases/`` are docs/RULES.md's worked examples and our own, each
with its computation by hand; the hypothesis tests hold the vectorised
engine equal to :mod:`decimal_rules` on thousands of random chains.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bascule.engines.reference import amounts
from bascule.engines.reference.exact import Rounding
from tests.engines.reference import decimal_rules

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def cents(amount: str | Decimal) -> int:
    return int(Decimal(amount) * 100)


def compute(case: dict, rounding: Rounding = Rounding.HALF_UP) -> dict[str, int]:
    """The engine's amounts for one case, in cents."""
    start = np.array([case["start"]], dtype="datetime64[D]")
    reference = amounts.reference_date(start)
    lookups = amounts.Lookups(1)
    months = np.array([[cents(m) for m in case.get("months", ["0", "0", "0"])]], dtype=object)
    nature = case["nature"]
    if nature == "sickness":
        found = {"daily": amounts.sickness_daily(lookups, months, reference, start).cents(rounding)}
    elif nature == "part_time":
        pay = np.array([cents(case["part_time_pay"])], dtype=object)
        normal = amounts.sickness_daily(lookups, months, reference, start)
        found = {"daily": amounts.part_time_daily(lookups, normal, months, pay, start).cents(rounding)}
    elif nature == "work_accident":
        first, later = amounts.work_accident_daily(lookups, months[:, 2], reference, start)
        found = {"first_days": first.cents(rounding), "later_days": later.cents(rounding)}
    elif nature == "maternity":
        found = {"daily": amounts.maternity_daily(lookups, months, reference, rounding)}
    elif nature == "self_employed":
        income = np.array([cents(case["income"])], dtype=object)
        found = {"daily": amounts.self_employed_daily(lookups, income, start).cents(rounding)}
    else:
        raise ValueError(nature)
    assert lookups.refused[0] is None, lookups.refused[0]
    return {name: int(value[0]) for name, value in found.items()}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_expert_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert case["rule"] and case["computation"], "a case says what it illustrates and how it was computed"
    expected = case["expected"]
    rounded = {name: cents(value) for name, value in expected.items() if not name.endswith("_truncated")}
    assert compute(case) == rounded
    truncated = {
        name.removesuffix("_truncated"): cents(v) for name, v in expected.items() if name.endswith("_truncated")
    }
    if truncated:
        found = compute(case, Rounding.TRUNCATE)
        assert {name: found[name] for name in truncated} == truncated


def test_a_stoppage_whose_parameters_are_unknown_is_refused_with_the_reason() -> None:
    """The look-up window opens on 2021-10-01: a January 2022 stoppage reads 2021-12-31, an October 2021 one cannot."""
    start = np.array(["2021-10-10", "2022-01-10"], dtype="datetime64[D]")
    lookups = amounts.Lookups(2)
    amounts.sickness_daily(lookups, np.full((2, 3), 200000, dtype=object), amounts.reference_date(start), start)
    assert "smic_hourly is only known from 2021-10-01 to 2026-12-31 (looked up at 2021-09-30)" in lookups.refused[0]
    assert lookups.refused[1] is None


def test_a_value_declared_missing_is_refused_with_its_reason() -> None:
    """No published maternity minimum before 2022-07-01: a June 2022 maternity stoppage is refused, an August one not."""
    start = np.array(["2022-06-15", "2022-08-15"], dtype="datetime64[D]")
    lookups = amounts.Lookups(2)
    amounts.maternity_daily(lookups, np.full((2, 3), 300000, dtype=object), amounts.reference_date(start))
    assert lookups.refused[0].startswith("maternity_minimum_daily on 2022-05-31: no published value found")
    assert lookups.refused[1] is None


# --------------------------------------------------------- against decimal
# Dates where a parameter changes, and any other day of the scope.
EDGES = [
    dt.date(2025, 3, 31),
    dt.date(2025, 4, 1),
    dt.date(2024, 11, 30),
    dt.date(2024, 12, 1),
    dt.date(2024, 12, 2),
    dt.date(2022, 1, 1),
    dt.date(2022, 1, 31),
    dt.date(2023, 1, 1),
    dt.date(2023, 2, 1),
    dt.date(2026, 1, 31),
    dt.date(2026, 2, 1),
]
STARTS = st.sampled_from(EDGES) | st.dates(dt.date(2022, 1, 1), dt.date(2026, 12, 31))
SALARY = st.integers(0, 2_000_000).map(lambda c: Decimal(c) / 100)  # up to 20,000.00 € a month
BATCH = 300  # chains per example: the engine is vectorised, so it is tested on batches
BATCHES = [HealthCheck.large_base_example, HealthCheck.data_too_large, HealthCheck.too_slow]
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]  # shrinking batches takes minutes; same() names the chain


def same(engine: list[int], expected: list[Decimal], chains: list) -> None:
    """The engine equals decimal on every chain; a difference names the first chain that differs."""
    for found, wanted, chain in zip(engine, expected, chains, strict=True):
        assert found == cents(wanted), f"{chain}: engine {found} cents, decimal {wanted}"


def as_cents(values: list[Decimal]) -> np.ndarray:
    return np.array([int(v * 100) for v in values], dtype=object)


@settings(max_examples=30, deadline=None, suppress_health_check=BATCHES, phases=NO_SHRINK)
@given(st.lists(st.tuples(STARTS, st.lists(SALARY, min_size=3, max_size=3)), min_size=BATCH // 2, max_size=BATCH))
def test_sickness_matches_decimal(chains: list) -> None:
    start = np.array([s for s, _ in chains], dtype="datetime64[D]")
    months = np.array([[int(m * 100) for m in ms] for _, ms in chains], dtype=object)
    for rounding in Rounding:
        engine = amounts.sickness_daily(amounts.Lookups(len(chains)), months, amounts.reference_date(start), start)
        expected = [decimal_rules.sickness(s, ms, rounding is Rounding.TRUNCATE) for s, ms in chains]
        same(engine.cents(rounding).tolist(), expected, chains)


@settings(max_examples=30, deadline=None, suppress_health_check=BATCHES, phases=NO_SHRINK)
@given(st.lists(st.tuples(STARTS, SALARY), min_size=BATCH // 2, max_size=BATCH))
def test_work_accident_matches_decimal(chains: list) -> None:
    start = np.array([s for s, _ in chains], dtype="datetime64[D]")
    last_month = as_cents([m for _, m in chains])
    for pass_on_start, pass_day in ((False, amounts.reference_date(start)), (True, start)):  # convention P
        first, later = amounts.work_accident_daily(amounts.Lookups(len(chains)), last_month, pass_day, start)
        expected = [decimal_rules.work_accident(s, m, pass_on_start=pass_on_start) for s, m in chains]
        same(first.cents().tolist(), [f for f, _ in expected], chains)
        same(later.cents().tolist(), [later for _, later in expected], chains)


@settings(max_examples=30, deadline=None, suppress_health_check=BATCHES, phases=NO_SHRINK)
@given(
    st.lists(
        st.tuples(st.dates(dt.date(2022, 8, 1), dt.date(2026, 12, 31)), st.lists(SALARY, min_size=3, max_size=3)),
        min_size=BATCH // 2,
        max_size=BATCH,
    )
)
def test_maternity_matches_decimal(chains: list) -> None:
    start = np.array([s for s, _ in chains], dtype="datetime64[D]")
    months = np.array([[int(m * 100) for m in ms] for _, ms in chains], dtype=object)
    engine = amounts.maternity_daily(amounts.Lookups(len(chains)), months, amounts.reference_date(start))
    same(engine.tolist(), [decimal_rules.maternity(s, ms) for s, ms in chains], chains)


@settings(max_examples=30, deadline=None, suppress_health_check=BATCHES, phases=NO_SHRINK)
@given(
    st.lists(st.tuples(STARTS, st.lists(SALARY, min_size=3, max_size=3), SALARY), min_size=BATCH // 2, max_size=BATCH)
)
def test_part_time_matches_decimal(chains: list) -> None:
    start = np.array([s for s, _, _ in chains], dtype="datetime64[D]")
    months = np.array([[int(m * 100) for m in ms] for _, ms, _ in chains], dtype=object)
    lookups = amounts.Lookups(len(chains))
    normal = amounts.sickness_daily(lookups, months, amounts.reference_date(start), start)
    engine = amounts.part_time_daily(lookups, normal, months, as_cents([p for _, _, p in chains]), start)
    same(engine.cents().tolist(), [decimal_rules.part_time(s, ms, p) for s, ms, p in chains], chains)


@settings(max_examples=30, deadline=None, suppress_health_check=BATCHES, phases=NO_SHRINK)
@given(
    st.lists(
        st.tuples(STARTS, st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100)),
        min_size=BATCH // 2,
        max_size=BATCH,
    )
)
def test_self_employed_matches_decimal(chains: list) -> None:
    start = np.array([s for s, _ in chains], dtype="datetime64[D]")
    income = as_cents([i for _, i in chains])
    engine = amounts.self_employed_daily(amounts.Lookups(len(chains)), income, start)
    same(engine.cents().tolist(), [decimal_rules.self_employed(s, i) for s, i in chains], chains)
    part_time = amounts.self_employed_part_time_daily(amounts.Lookups(len(chains)), income, start)
    same(part_time.cents().tolist(), [decimal_rules.self_employed_part_time(s, i) for s, i in chains], chains)
