"""The reference engine: the ledger of what every stoppage is owed under docs/RULES.md.

For each stoppage and stream (salaried ``SA``, self-employed ``TI``; a
poly-active person has both), the payable window is cut into runs of days
sharing one daily amount and one payee, and each run becomes a ledger
line, with the identifiers of the rules that shaped it. Beside the lines,
one outcome per stoppage and stream: ``computed``, or ``unsupported`` with
the reason (docs/RULES.md section 11, a missing input, a parameter with no
value, or a rule this version does not implement yet): never a silent zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bascule.domain.attestations import attestations_in_force
from bascule.domain.chains import chain_of_stoppages
from bascule.domain.subrogation import subrogation_periods
from bascule.engines.ledger import Ledger
from bascule.engines.reference import amounts, days, inputs, limits
from bascule.engines.reference.conventions import Conventions, PassDate
from bascule.engines.reference.gaps import Gaps, gaps_before_extensions
from bascule.engines.reference.parameters import Parameter

SCOPE = (np.datetime64("2022-01-01"), np.datetime64("2026-12-31"))
SALARY_COLUMNS = ["salary_1", "salary_2", "salary_3"]  # the reference months' salaries in cents, -1 when missing
DEFAULT_CONVENTIONS = Conventions()
PART_TIME_LIMIT_REACHED = (
    "self-employed therapeutic part-time is paid for at most 90 days a chain (270 for an ALD): "
    "the later days are refused (D622-10)"
)
LINE_COLUMNS = [
    "stoppage",
    "number",
    "nir",
    "scheme",
    "payee_kind",
    "payee_id",
    "first_day",
    "last_day",
    "daily_cents",
    "daily_base_cents",
    "rate_pct",
    "rules",
]


def compute_reference(
    rows: inputs.Rows,
    extraction_date: dt.date,
    conventions: Conventions = DEFAULT_CONVENTIONS,
    table: dict[str, Parameter] | None = None,
) -> Ledger:
    """Compute every stoppage of the model's rows, as owed on ``extraction_date``, under ``conventions``.

    ``table`` replaces the shipped parameters of the amounts (a what-if, or a simulation).
    """
    stoppages = inputs.stoppages_with_references(rows)
    in_force = attestations_in_force(rows)
    streams = _streams(stoppages)
    streams[SALARY_COLUMNS] = inputs.reference_salaries(streams, rows, in_force)
    lookups = amounts.Lookups(len(streams), table)
    window = _payable_days(streams, rows, in_force, lookups, conventions, np.datetime64(extraction_date, "D"))
    refused = _refusals(streams, rows, window.periods, window.first, window.last)
    daily = _daily_amounts(streams, lookups, conventions)
    refused = np.where(refused == None, lookups.refused, refused)  # noqa: E711
    lines = _lines(streams, rows, in_force, window, daily, refused, lookups.table, conventions)
    return Ledger(lines, _outcomes(streams, window, refused))


@dataclass(frozen=True)
class Window:
    """Where each stream's payable days lie, and what cuts them into runs."""

    first: np.ndarray  # the first payable day (a paid gap's first day included)
    last: np.ndarray
    gaps: Gaps
    periods: pd.DataFrame  # subrogation periods that count: row, siret, day (first), end
    rights_ended: pd.DataFrame  # days the 360-day and ALD limits refuse: row, day
    unpaid: pd.DataFrame  # every refused day (the limits', the births' entitlements): row, day
    part_time_capped: np.ndarray  # self-employed part-time streams that reached their days (D622-10)


def _payable_days(
    streams: pd.DataFrame,
    rows: inputs.Rows,
    in_force: pd.DataFrame,
    lookups: amounts.Lookups,
    conventions: Conventions,
    extraction: np.datetime64,
) -> Window:
    """Each stream's payable window: gap, waiting days, the limits that refuse days, subrogation periods."""
    gaps = gaps_before_extensions(streams, lookups, conventions.gap)
    start = streams["start_date"].to_numpy(dtype="datetime64[D]")
    opens = np.where(gaps.paid, gaps.first_day, start)
    first, last = days.payable_window(streams, extraction, inputs.chain_return_dates(streams, in_force), opens)
    waiting = lookups.value("waiting_days", start, 1).num
    ald_period_start, opens_ald = days.ald_periods(streams, lookups)
    first, streams["waits"] = days.waiting_days_end(streams, first, waiting, gaps.serves_waiting, opens_ald)
    last, part_time_capped = _self_employed_part_time_limit(streams, lookups, first, last)
    rights_ended = pd.concat(
        [
            limits.sickness_360_days(streams, first, last),
            limits.ald_limit(streams, first, last, ald_period_start, lookups),
        ]
    )
    unpaid = pd.concat([rights_ended, limits.birth_entitlement(streams, first, last)], ignore_index=True)
    periods = _subrogation_periods(streams, rows, in_force)
    return Window(first, last, gaps, periods, rights_ended, unpaid, part_time_capped)


def _outcomes(streams: pd.DataFrame, window: Window, refused: np.ndarray) -> pd.DataFrame:
    """One outcome a stream: computed (with its rights end date) or unsupported with the reason."""
    computed = refused == None  # noqa: E711
    ended = window.rights_ended.groupby("row")["day"].min()
    rights_end = ended.reindex(range(len(streams))).to_numpy(dtype="datetime64[D]")
    return pd.DataFrame(
        {
            "stoppage": streams["record_index"],
            "number": streams["number"],
            "nir": streams["nir"],
            "scheme": streams["scheme_stream"],
            "status": np.where(computed, "computed", "unsupported"),
            "reason": np.where(computed & window.part_time_capped, PART_TIME_LIMIT_REACHED, refused),
            "rights_end": np.where(computed, rights_end, np.datetime64("NaT")),
        }
    )


def _streams(stoppages: pd.DataFrame) -> pd.DataFrame:
    """One row per stoppage and stream: salaried, self-employed, or both for a poly-active person."""
    salaried = stoppages[stoppages["scheme"].isin(["SALARIED", "BOTH"])].assign(scheme_stream="SA")
    self_employed = stoppages[stoppages["scheme"].isin(["SELF_EMPLOYED", "BOTH"])].assign(scheme_stream="TI")
    return pd.concat([salaried, self_employed], ignore_index=True)


# ------------------------------------------------------------- refusals
def _refusals(
    streams: pd.DataFrame, rows: inputs.Rows, periods: pd.DataFrame, first: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """Why each stoppage and stream cannot be computed (None where it can): the first reason found."""
    nature, modality = streams["nature"].to_numpy(), streams["modality"].to_numpy()
    salaried = (streams["scheme_stream"] == "SA").to_numpy()
    chain_start = streams["chain_start"].to_numpy(dtype="datetime64[D]")
    months = streams[SALARY_COLUMNS].to_numpy(dtype=np.int64)
    checks = [
        (
            (chain_start < SCOPE[0]) | (chain_start > SCOPE[1]),
            "stoppages starting before 2022-01-01 or after 2026-12-31 are out of scope (docs/RULES.md 11)",
        ),
        (
            ~salaried & (nature != "SICKNESS"),
            "the self-employed allowance is defined for sickness only (docs/RULES.md 10, 11)",
        ),
        (
            salaried & (nature != "WORK_ACCIDENT") & (months < 0).any(axis=1),
            "fewer than 3 reference months of salary: R323-8 reconstitution is out of scope (docs/RULES.md 11)",
        ),
        (
            salaried & (nature == "WORK_ACCIDENT") & (months[:, 2] < 0),
            "no salary for the month before the work accident's stoppage (docs/RULES.md 4)",
        ),
        (
            salaried & (nature == "WORK_ACCIDENT") & (modality == "THERAPEUTIC_PART_TIME") & (months < 0).any(axis=1),
            "fewer than 3 reference months of salary: the part-time loss of earnings needs them (docs/RULES.md 3)",
        ),
        (
            salaried & _subrogation_with_several_employers(streams, rows, periods),
            "subrogation on a stoppage with more than one employer is out of scope (docs/RULES.md 6)",
        ),
        (
            (nature == "WORK_ACCIDENT") & (first <= last) & (last >= _three_months_after(chain_start)),
            "the revaluation of work-accident allowances after 3 months is out of scope (docs/RULES.md 4, 11)",
        ),
    ]
    refused = np.full(len(streams), None, dtype=object)
    for hit, reason in checks:
        refused[hit & (refused == None)] = reason  # noqa: E711
    return refused


def _three_months_after(day: np.ndarray) -> np.ndarray:
    return limits.months_later(day, 3)


def _self_employed_part_time_limit(
    streams: pd.DataFrame, lookups: amounts.Lookups, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Self-employed therapeutic part-time is paid for at most 90 days a chain, 270 for an ALD (D622-10).

    Returns the last payable day once the later days are refused, and which streams reached the limit.
    """
    which = ((streams["scheme_stream"] == "TI") & (streams["modality"] == "THERAPEUTIC_PART_TIME")).to_numpy()
    if not which.any():
        return last, np.zeros(len(streams), dtype=bool)
    start = streams["chain_start"].to_numpy(dtype="datetime64[D]")
    ald = streams["long_term_illness"].to_numpy(dtype=bool)
    most = np.where(
        ald,
        lookups.value("self_employed_part_time_days_ald", start, 1, where=which & ald).num,
        lookups.value("self_employed_part_time_days", start, 1, where=which & ~ald).num,
    ).astype(np.int64)
    counted = np.where(which, last, first - days.DAY)  # only the chain's part-time days count
    beyond = days.chain_day(streams, first, counted, most + 1)
    reached = which & (first <= last) & (beyond <= last)
    return np.where(reached, np.minimum(last, beyond - days.DAY), last), reached


def _subrogation_with_several_employers(streams: pd.DataFrame, rows: inputs.Rows, periods: pd.DataFrame) -> np.ndarray:
    """Streams with subrogation in force on a chain that has more than one employer."""
    employers = rows.get("EM")
    if employers is None or periods.empty:
        return np.zeros(len(streams), dtype=bool)
    count = employers.groupby(employers["stoppage_index"].map(chain_of_stoppages(streams)))["siret"].nunique()
    subrogated = np.isin(np.arange(len(streams)), periods["row"].to_numpy())
    return subrogated & (streams["chain"].map(count).fillna(0) > 1).to_numpy()


# -------------------------------------------------------------- amounts
@dataclass
class DailyAmounts:
    """Per stoppage and stream: the daily amount (and the later one of a work accident), in cents."""

    first: np.ndarray  # cents a day (work accident: days 1-28)
    later: np.ndarray  # cents a day from the 29th day of a work-accident chain (= first otherwise)
    base: np.ndarray  # the daily base or reference salary, rounded to the cent for reading
    rate_pct: np.ndarray  # the rate applied, in percent (text), "" for flat amounts
    rule: np.ndarray  # the rule that gave the amount


def _daily_amounts(streams: pd.DataFrame, lookups: amounts.Lookups, conventions: Conventions) -> DailyAmounts:
    count = len(streams)
    found = DailyAmounts(
        np.zeros(count, np.int64),
        np.zeros(count, np.int64),
        np.zeros(count, np.int64),
        np.full(count, "", dtype=object),
        np.full(count, "", dtype=object),
    )
    salaried = (streams["scheme_stream"] == "SA").to_numpy()
    nature = streams["nature"].to_numpy()
    part_time = (streams["modality"] == "THERAPEUTIC_PART_TIME").to_numpy()
    groups = {
        "sickness_daily": salaried & (nature == "SICKNESS"),
        "work_accident_daily": salaried & (nature == "WORK_ACCIDENT"),
        "maternity_daily": salaried & np.isin(nature, ["MATERNITY", "PATERNITY"]),
        "self_employed_daily": ~salaried & (nature == "SICKNESS") & ~part_time,
        "self_employed_part_time_daily": ~salaried & (nature == "SICKNESS") & part_time,
    }
    for rule, mask in groups.items():
        at = np.flatnonzero(mask)
        if not len(at):
            continue
        group = ChainGroup(amounts.Lookups(len(at), lookups.table), streams, at, conventions)
        _compute_group(rule, group, at, found)
        _keep_refusals(lookups, group.lookups, at)
    return found


@dataclass(frozen=True)
class ChainGroup:
    """The streams one amount rule computes (``streams`` at the positions ``at``), with what the rule reads of them."""

    lookups: amounts.Lookups
    streams: pd.DataFrame
    at: np.ndarray
    conventions: Conventions

    # The arrays are annotated: numpy's stubs type indexing by an untyped array (``at``) Any.
    @property
    def months(self) -> np.ndarray:
        salaries: np.ndarray = np.maximum(self.streams[SALARY_COLUMNS].to_numpy(dtype=np.int64)[self.at], 0)
        return salaries.astype(object)

    @property
    def start(self) -> np.ndarray:
        """The chain's initial stoppage's first day."""
        day: np.ndarray = self.streams["chain_start"].to_numpy(dtype="datetime64[D]")[self.at]
        return day

    @property
    def reference(self) -> np.ndarray:
        day: np.ndarray = self.streams["reference_date"].to_numpy(dtype="datetime64[D]")[self.at]
        return day

    @property
    def pass_day(self) -> np.ndarray:
        """Where the work-accident cap reads the PASS (convention P)."""
        return self.start if self.conventions.pass_date is PassDate.STOPPAGE_START else self.reference

    @property
    def income(self) -> np.ndarray:
        income: np.ndarray = self.streams["self_employed_income_cents"].to_numpy()[self.at]
        return income


def _compute_group(rule: str, group: ChainGroup, at: np.ndarray, found: DailyAmounts) -> None:
    lookups, rounding, months = group.lookups, group.conventions.rounding, group.months
    if rule == "sickness_daily":
        base = amounts.sickness_daily_base(lookups, months, group.reference, group.start)
        exact = amounts.sickness_daily(lookups, months, group.reference, group.start, base)
        found.first[at] = found.later[at] = exact.cents(rounding)
        found.base[at] = base.cents()
        found.rate_pct[at] = "50"
    elif rule == "work_accident_daily":
        first, later = amounts.work_accident_daily(lookups, months[:, 2], group.pass_day, group.start)
        found.first[at], found.later[at] = first.cents(rounding), later.cents(rounding)
        salary = amounts.work_accident_reference_salary(lookups, months[:, 2], group.start)
        found.base[at] = amounts.work_accident_capped_salary(lookups, salary, group.pass_day).cents()
        found.rate_pct[at] = "60/80"
    elif rule == "maternity_daily":
        found.first[at] = found.later[at] = amounts.maternity_daily(lookups, months, group.reference, rounding)
    elif rule == "self_employed_daily":
        exact = amounts.self_employed_daily(lookups, group.income, group.start)
        found.first[at] = found.later[at] = exact.cents(rounding)
    else:
        exact = amounts.self_employed_part_time_daily(lookups, group.income, group.start)
        found.first[at] = found.later[at] = exact.cents(rounding)
        found.rate_pct[at] = "50"
    found.rule[at] = rule


def _keep_refusals(lookups: amounts.Lookups, part: amounts.Lookups, at: np.ndarray) -> None:
    for position, reason in zip(at, part.refused, strict=True):
        if reason is not None and lookups.refused[position] is None:
            lookups.refused[position] = reason


# ---------------------------------------------------------------- lines
def _lines(
    streams: pd.DataFrame,
    rows: inputs.Rows,
    in_force: pd.DataFrame,
    window: Window,
    daily: DailyAmounts,
    refused: np.ndarray,
    table: dict[str, Parameter],
    conventions: Conventions,
) -> pd.DataFrame:
    """The runs of days of every computed stoppage, each with its amount, payee and rules.

    Refusals found here (a part-time month with no salary line) are written into ``refused``.
    """
    computed = refused == None  # noqa: E711
    first, periods = window.first, window.periods
    last = np.where(computed, window.last, first - days.DAY)
    salaried_part_time = (
        (streams["modality"] == "THERAPEUTIC_PART_TIME") & (streams["scheme_stream"] == "SA")
    ).to_numpy()
    later_from = table["work_accident_later_from_day"].scaled(streams["chain_start"].to_numpy(dtype="datetime64[D]"), 1)
    switch = days.chain_day(streams, first, last, later_from[0].astype(np.int64))
    work_accident = daily.rule == "work_accident_daily"
    start = streams["start_date"].to_numpy(dtype="datetime64[D]")
    cuts = pd.concat(
        [
            pd.DataFrame({"row": np.flatnonzero(work_accident), "day": switch[work_accident]}),
            pd.DataFrame({"row": np.flatnonzero(window.gaps.paid), "day": start[window.gaps.paid]}),
            periods[["row", "day"]],
            periods.assign(day=periods["end"] + days.DAY)[["row", "day"]],
            _month_starts(first, last, salaried_part_time),
            _bounds_of(window.unpaid),
        ],
        ignore_index=True,
    )
    runs = _paid(days.runs(first, last, cuts), window.unpaid)
    row = runs["row"].to_numpy()
    runs["daily_cents"] = np.where(
        work_accident[row] & (runs["first_day"].to_numpy() >= switch[row]), daily.later[row], daily.first[row]
    )
    runs["in_gap"] = runs["first_day"].to_numpy() < start[row]
    runs["rules"] = _rules(streams, daily, row, runs, switch, window.gaps)
    runs = _part_time_amounts(streams, rows, in_force, runs, salaried_part_time, switch, refused, table, conventions)
    runs = _payees(streams, runs, periods, window.gaps)
    row = runs["row"].to_numpy()
    return pd.DataFrame(
        {
            "stoppage": streams["record_index"].to_numpy()[row],
            "number": streams["number"].to_numpy()[row],
            "nir": streams["nir"].to_numpy()[row],
            "scheme": streams["scheme_stream"].to_numpy()[row],
            "payee_kind": runs["payee_kind"],
            "payee_id": runs["payee_id"],
            "first_day": runs["first_day"],
            "last_day": runs["last_day"],
            "daily_cents": runs["daily_cents"],
            "daily_base_cents": daily.base[row],
            "rate_pct": daily.rate_pct[row],
            "rules": runs["rules"],
        },
        columns=LINE_COLUMNS,
    )


def _bounds_of(unpaid: pd.DataFrame) -> pd.DataFrame:
    """Where runs of refused days begin and end: the windows are cut there."""
    unpaid = unpaid.sort_values(["row", "day"], kind="stable")
    day = unpaid["day"].to_numpy(dtype="datetime64[D]")
    row = unpaid["row"].to_numpy()
    starts = np.ones(len(unpaid), dtype=bool)
    starts[1:] = (row[1:] != row[:-1]) | (day[1:] != day[:-1] + days.DAY)
    ends = np.roll(starts, -1)
    ends[-1:] = True
    return pd.DataFrame(
        {"row": np.concatenate([row[starts], row[ends]]), "day": np.concatenate([day[starts], day[ends] + days.DAY])}
    )


def _paid(runs: pd.DataFrame, unpaid: pd.DataFrame) -> pd.DataFrame:
    """The runs whose days are paid: a run starting on a refused day is wholly refused (it was cut so)."""
    if unpaid.empty:
        return runs
    refused = pd.MultiIndex.from_arrays([unpaid["row"].to_numpy(), unpaid["day"].to_numpy(dtype="datetime64[D]")])
    starts = pd.MultiIndex.from_arrays([runs["row"].to_numpy(), runs["first_day"].to_numpy(dtype="datetime64[D]")])
    return runs[~starts.isin(refused)].reset_index(drop=True)


def _month_starts(first: np.ndarray, last: np.ndarray, which: np.ndarray) -> pd.DataFrame:
    """The first day of every month inside each selected window: a part-time month's amount is its own."""
    rows = np.flatnonzero(which & (first <= last))
    spans = [np.arange(first[r].astype("datetime64[M]") + 1, last[r].astype("datetime64[M]") + 1) for r in rows]
    counts = [len(s) for s in spans]
    months = np.concatenate(spans) if spans else np.array([], dtype="datetime64[M]")
    return pd.DataFrame({"row": np.repeat(rows, counts), "day": months.astype("datetime64[D]")})


def _rules(
    streams: pd.DataFrame, daily: DailyAmounts, row: np.ndarray, runs: pd.DataFrame, switch: np.ndarray, gaps: Gaps
) -> np.ndarray:
    """The rules of each run, written once a distinct combination (a few dozen) and taken for every run."""
    rule, rule_names = pd.factorize(daily.rule[row])
    later = (daily.rule[row] == "work_accident_daily") & (runs["first_day"].to_numpy() >= switch[row])
    waits = streams["waits"].to_numpy()[row]
    flags = np.stack([later, waits, gaps.serves_waiting[row] & waits, runs["in_gap"].to_numpy()], axis=1)
    combination = rule * 16 + flags.astype(np.int64) @ np.array([8, 4, 2, 1])
    distinct, at = np.unique(combination, return_inverse=True)
    bits = (distinct[:, None] >> np.array([3, 2, 1, 0])) & 1 == 1
    return _rules_text(np.asarray(rule_names, dtype=object)[distinct // 16], *bits.T)[at]


def _rules_text(
    rule: np.ndarray, later: np.ndarray, waits: np.ndarray, gap_waits: np.ndarray, in_gap: np.ndarray
) -> np.ndarray:
    rules = np.where(later, "payable_window,work_accident_daily,later_days", "payable_window," + rule)
    rules = np.where(waits, rules + ",waiting_days", rules)
    rules = np.where(gap_waits, rules + ",extension_gap_waiting_days", rules)
    return np.where(in_gap, rules + ",extension_gap_paid_days", rules)


def _part_time_amounts(
    streams: pd.DataFrame,
    rows: inputs.Rows,
    in_force: pd.DataFrame,
    runs: pd.DataFrame,
    part_time: np.ndarray,
    switch: np.ndarray,
    refused: np.ndarray,
    table: dict[str, Parameter],
    conventions: Conventions,
) -> pd.DataFrame:
    """Each therapeutic part-time month pays min(allowance, that month's loss of earnings) (docs/RULES.md 3).

    The allowance is the chain's own before rounding: sickness, or a work
    accident's at the rate of the run's day of the chain (its cap's PASS
    read on the day convention P names).
    """
    row = runs["row"].to_numpy()
    selected = part_time[row]
    if not selected.any():
        return runs
    pay = inputs.part_time_pay(streams, rows, in_force)
    tp = runs[selected]
    keys = pd.MultiIndex.from_arrays(
        [streams["chain"].to_numpy()[tp["row"]], tp["first_day"].to_numpy(dtype="datetime64[M]")]
    )
    month_pay = pay.reindex(keys).to_numpy()
    missing = np.isnan(month_pay)
    for position in tp["row"].to_numpy()[missing]:
        refused[position] = "a therapeutic part-time month has no P salary line: the loss cannot be computed"
    tp_rows = tp["row"].to_numpy()
    group = ChainGroup(amounts.Lookups(len(tp), table), streams, tp_rows, conventions)
    lookups, months, start = group.lookups, group.months, group.start
    pay_of_month = np.nan_to_num(month_pay).astype(np.int64)
    first, later = amounts.work_accident_daily(lookups, months[:, 2], group.pass_day, start)
    accident = streams["nature"].to_numpy()[tp_rows] == "WORK_ACCIDENT"
    late = accident & (tp["first_day"].to_numpy(dtype="datetime64[D]") >= switch[tp_rows])
    sickness = amounts.sickness_daily(lookups, months, group.reference, start)
    normal = later.where(late, first).where(accident, sickness)
    exact = amounts.part_time_daily(lookups, normal, months, pay_of_month, start)
    runs.loc[selected, "daily_cents"] = exact.cents(conventions.rounding)
    runs.loc[selected, "rules"] = runs.loc[selected, "rules"] + ",part_time_daily"
    dropped = np.isin(row, np.flatnonzero(refused != None))  # noqa: E711
    return runs[~dropped].reset_index(drop=True)


def _subrogation_periods(streams: pd.DataFrame, rows: inputs.Rows, in_force: pd.DataFrame) -> pd.DataFrame:
    """The subrogation periods that count (:mod:`bascule.domain.subrogation`), per salaried stream: row, siret, days."""
    found = subrogation_periods(streams, rows, in_force)
    salaried = pd.DataFrame(
        {
            "row": np.flatnonzero(streams["scheme_stream"] == "SA"),
            "chain": streams["chain"].to_numpy()[streams["scheme_stream"] == "SA"],
        }
    )
    periods = salaried.merge(found.assign(chain=found["chain"].astype(np.int64)), on="chain")
    return pd.DataFrame(
        {
            "row": periods["row"].to_numpy(dtype=np.int64),
            "siret": periods["siret"].to_numpy(dtype=object),
            "day": periods["start_date"].to_numpy(dtype="datetime64[D]"),
            "end": periods["end_date"].to_numpy(dtype="datetime64[D]"),
        }
    )


def _payees(streams: pd.DataFrame, runs: pd.DataFrame, periods: pd.DataFrame, gaps: Gaps) -> pd.DataFrame:
    """A run inside a subrogation period is paid to that employer, any other to the insured (R323-11).

    Paid gap days go to the payee of the day before the gap (docs/RULES.md section 0).
    """
    runs = runs.reset_index(drop=True)
    row = runs["row"].to_numpy()
    kind = np.full(len(runs), "insured", dtype=object)
    payee = streams["nir"].to_numpy()[row]
    rules = runs["rules"].to_numpy(dtype=object).copy()
    if not periods.empty:
        before_gap = gaps.first_day[row] - days.DAY
        payee_day = np.where(runs["in_gap"].to_numpy(), before_gap, runs["first_day"].to_numpy(dtype="datetime64[D]"))
        matched = pd.DataFrame({"run": np.arange(len(runs)), "row": row, "payee_day": payee_day}).merge(
            periods, on="row"
        )
        inside = matched[(matched["payee_day"] >= matched["day"]) & (matched["payee_day"] <= matched["end"])]
        at = inside["run"].to_numpy()
        kind[at], payee[at], rules[at] = "employer", inside["siret"].to_numpy(), rules[at] + ",subrogation"
    return runs.drop(columns="in_gap").assign(payee_kind=kind, payee_id=payee, rules=rules)
