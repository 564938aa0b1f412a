"""What the legacy system paid for a chain: PA lines, with legacy habits.

A simplified rendering of docs/RULES.md with exact fractions and one
rounding, as the legacy system would have done it: settlements every 14
days from the first payable day (split where the daily amount, the payee or
the stoppage changes), paid 3 days after the period; an attestation counts
from the day it was received, so a corrected one brings a back payment
(``RA``) for the days already paid; advances (``AC``) are usually settled
later by an ``IN`` line without days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from progres_synth.chains import Attestation, Chain, Stoppage

if TYPE_CHECKING:
    from progres_synth.extract import Person

DAY = dt.timedelta(days=1)
SETTLEMENT_DAYS, PAYMENT_LAG = 14, 3
SMIC_HOURLY = [(dt.date(2022, 1, 1), 1057), (dt.date(2022, 5, 1), 1085), (dt.date(2022, 8, 1), 1107),
               (dt.date(2023, 1, 1), 1127), (dt.date(2023, 5, 1), 1152), (dt.date(2024, 1, 1), 1165),
               (dt.date(2024, 11, 1), 1188), (dt.date(2026, 1, 1), 1202)]
PMSS = {2022: 342_800, 2023: 366_600, 2024: 386_400, 2025: 392_500, 2026: 400_500}
PASS = {2019: 4_052_400, 2020: 4_113_600, 2021: 4_113_600, 2022: 4_113_600, 2023: 4_399_200, 2024: 4_636_800,
        2025: 4_710_000, 2026: 4_806_000}
GAP_TOLERANCE_ENDS = dt.date(2024, 9, 1)  # from then gap days are not paid, and 3 or more make the extension wait
MATERNITY_MINIMUM = [(dt.date(2022, 7, 1), 1016), (dt.date(2023, 1, 1), 1024), (dt.date(2024, 1, 1), 1079),
                     (dt.date(2025, 1, 1), 1102), (dt.date(2026, 1, 1), 1112)]
SICKNESS_DAYS_LIMIT = 360


@dataclass(frozen=True)
class Day:
    """One payable day: for which stoppage, to whom, how much, of which stream."""

    stoppage: str
    day: dt.date
    payee: str  # "" for the insured person, else the employer's SIRET
    cents: int
    base: int
    rate: int
    scheme: str


def legacy_payments(person: Person, chain: Chain, extraction: dt.date, new_id: Callable[[], str]) -> dict[str, list[dict[str, object]]]:
    """PA fields by stoppage number."""
    lines: dict[str, list[dict[str, object]]] = {s.number: [] for s in chain.stoppages}
    settled = _days(person, chain, extraction, as_of=None)
    for payment_date, days in _settlements(settled, chain.initial.first, extraction):
        for run in _runs(days):
            lines[run[0].stoppage].append(_line(new_id(), "IJ", run, payment_date))
    for payment_date, run in _back_payments(person, chain, extraction):
        lines[run[0].stoppage].append(_line(new_id(), "RA", run, payment_date))
    lines[chain.initial.number] += _advance_lines(chain, extraction, new_id)
    return lines


# ---------------------------------------------------------------- the days
def _days(person: Person, chain: Chain, extraction: dt.date, as_of: dt.date | None) -> list[Day]:
    """Every payable day of the chain, with the amount known on ``as_of`` (None: on the day it is paid)."""
    days: list[Day] = []
    paid_sickness = chain_day = 0
    amounts: dict[tuple[object, ...], tuple[int, int, int] | None] = {}  # the amount changes rarely
    for stoppage in chain.stoppages:
        if stoppage.status == "A":
            continue
        for day in _window(chain, stoppage, extraction):
            chain_day += 1
            known = as_of or _settlement_date(chain.initial.first, day)
            if chain.salaried:
                key = (stoppage.number, tuple(map(id, _in_force(chain, known))), _amount_period(stoppage, day, chain_day))
                if key not in amounts:
                    amounts[key] = _salaried_amount(person, chain, stoppage, day, chain_day, known)
                amount = amounts[key]
                # a paid gap day goes to the payee of the day before the gap
                payee_day = day if day >= stoppage.first else stoppage.first - (_gap(chain, stoppage) + 1) * DAY
                if amount is not None:
                    days.append(Day(stoppage.number, day, _payee(chain, payee_day, known), *amount, "SA"))
            cents, base, rate = _self_employed_amount(person, chain)
            if chain.self_employed and cents:  # below the income threshold nothing is paid
                days.append(Day(stoppage.number, day, "", cents, base, rate, "TI"))
            paid_sickness += stoppage.nature == "MAL" and not stoppage.ald
            if paid_sickness == SICKNESS_DAYS_LIMIT:
                stoppage_after = [s for s in chain.stoppages if s.last > day]
                _rights_end(stoppage_after, day + DAY)
                return days
    return days


def _amount_period(stoppage: Stoppage, day: dt.date, chain_day: int) -> object:
    """What, besides the stoppage and the attestations, the daily amount depends on."""
    if stoppage.modality == "TP":
        return day.year, day.month  # the part-time salary of the month
    return stoppage.nature == "ATM" and chain_day > 28  # the work-accident rate rises on day 29


def _rights_end(stoppages: list[Stoppage], day: dt.date) -> None:
    for stoppage in stoppages:
        stoppage.rights_end = max(day, stoppage.first)


def _window(chain: Chain, stoppage: Stoppage, extraction: dt.date) -> Iterator[dt.date]:
    """The stoppage's payable days: a gap before it paid until 2024-08-31, waiting days where they are due."""
    first = stoppage.first
    gap = _gap(chain, stoppage)
    old_tolerance = gap and stoppage.first - gap * DAY < GAP_TOLERANCE_ENDS
    if old_tolerance:
        first -= gap * DAY  # the gap days are days of the chain, on the extension
    waits = stoppage is chain.initial or (gap >= 3 and not old_tolerance)
    if waits and stoppage.nature == "MAL" and stoppage.modality == "TC":
        first = stoppage.first + 3 * DAY  # waiting days
    if stoppage.nature == "ATM" and stoppage.accident is not None:
        first = max(first, stoppage.accident + DAY)
    day = first
    while day <= min(stoppage.last, extraction):
        yield day
        day += DAY


def _gap(chain: Chain, stoppage: Stoppage) -> int:
    """Days between the previous stoppage of the chain and this one (0 for the initial stoppage)."""
    before = [s for s in chain.stoppages if s.first < stoppage.first and s.status != "A"]
    return max(0, (stoppage.first - max(s.last for s in before)).days - 1) if before else 0


def _payee(chain: Chain, day: dt.date, known: dt.date) -> str:
    for attestation in _in_force(chain, known):
        if any(first <= day <= last for first, last in attestation.subrogation):
            return attestation.siret
    return ""


def _in_force(chain: Chain, known: dt.date) -> list[Attestation]:
    """Per employer, the highest version received by ``known`` (the first one if none was), unless it cancels."""
    best: dict[str, Attestation] = {}
    for attestation in chain.initial.attestations:
        current = best.get(attestation.siret)
        if current is None or (attestation.received <= known and attestation.version > current.version):
            best[attestation.siret] = attestation
    return [a for a in best.values() if a.motif != "AN"]  # a cancelled employer has none


# ------------------------------------------------------------- the amounts
def _salaried_amount(person: Person, chain: Chain, stoppage: Stoppage, day: dt.date, chain_day: int,
                     known: dt.date) -> tuple[int, int, int] | None:
    """(daily cents, daily base cents, rate in hundredths of a percent); ``chain_day`` counts from 1."""
    start = chain.initial.first
    reference = start.replace(day=1) - DAY
    salaries = _reference_salaries(person, chain, known)
    if stoppage.nature == "ATM":
        return _work_accident(salaries, reference, chain_day)
    if stoppage.nature in ("MAT", "PAT"):
        base = sum(min(Fraction(s), PMSS[reference.year]) for s in salaries) * Fraction(79, 100) / Fraction(9125, 100)
        return max(_round(base), _dated(MATERNITY_MINIMUM, reference)), _round(base), 10_000
    cap = Fraction(18 if start <= dt.date(2025, 3, 31) else 14, 10) * _monthly_smic(reference)
    base = sum(min(Fraction(s), cap) for s in salaries) / Fraction(9125, 100)
    daily = base / 2
    if stoppage.modality == "TP":
        part_time = _part_time_salaries(chain).get((day.year, day.month))
        if part_time is None:
            return None  # the legacy does not pay a month it has no salary for
        loss = max(Fraction(0), Fraction(sum(salaries), 3) - part_time) * 3 / Fraction(9125, 100)
        daily = min(daily, loss)
    return _round(daily), _round(base), 5_000


def _work_accident(salaries: list[int], reference: dt.date, chain_day: int) -> tuple[int, int, int]:
    daily_salary = Fraction(salaries[-1]) / Fraction(3042, 100)
    capped = min(daily_salary, Fraction(834, 100_000) * PASS[reference.year])
    if chain_day <= 28:
        return _round(capped * Fraction(60, 100)), _round(capped), 6_000
    return _round(min(capped * Fraction(80, 100), daily_salary * Fraction(79, 100))), _round(capped), 8_000


def _self_employed_amount(person: Person, chain: Chain) -> tuple[int, int, int]:
    """Capped at the PASS of the stoppage's start; nothing below 10 % of the 3 previous years' average PASS."""
    year = chain.initial.first.year
    threshold = Fraction(sum(PASS[year - back] for back in (1, 2, 3)), 30)
    if person.self_employed_income < threshold:
        return 0, 0, 10_000
    income = min(Fraction(person.self_employed_income), PASS[year])
    return _round(income / 730), _round(income / 730), 10_000


def _reference_salaries(person: Person, chain: Chain, known: dt.date) -> list[int]:
    """Salaries of the 3 reference months, all employers summed month by month."""
    anchor = (person.contract_end + DAY) if person.keeps_rights and person.contract_end else chain.initial.first
    months = []
    month = anchor.replace(day=1)
    for _ in range(3):
        month = (month - DAY).replace(day=1)
        months.append((month.year, month.month))
    totals = {key: 0 for key in months}
    for attestation in _in_force(chain, known):
        for key, cents in attestation.salaries("R").items():
            if key in totals:
                totals[key] += cents
    return [totals[key] for key in sorted(totals)]


def _part_time_salaries(chain: Chain) -> dict[tuple[int, int], int]:
    months: dict[tuple[int, int], int] = {}
    for stoppage in chain.stoppages[1:]:
        for attestation in stoppage.attestations:
            months.update(attestation.salaries("P"))
    return months


def _monthly_smic(reference: dt.date) -> Fraction:
    return Fraction(_round(Fraction(_dated(SMIC_HOURLY, reference)) * 35 * 52 / 12))


def _dated(values: list[tuple[dt.date, int]], day: dt.date) -> int:
    return [value for start, value in values if start <= day][-1]


def _round(amount: Fraction) -> int:
    """Half up to the cent (amounts are positive here)."""
    return int(amount + Fraction(1, 2))


# -------------------------------------------------------- settlements, lines
def _settlements(days: list[Day], start: dt.date, extraction: dt.date) -> Iterator[tuple[dt.date, list[Day]]]:
    """The days paid together, by payment date, up to the extraction date."""
    by_date: dict[dt.date, list[Day]] = {}
    for day in days:
        by_date.setdefault(_settlement_date(start, day.day), []).append(day)
    for date in sorted(by_date):
        if date <= extraction:
            yield date, by_date[date]


def _settlement_date(start: dt.date, day: dt.date) -> dt.date:
    """Periods of 14 days from the chain's first day, each paid 3 days after it ends."""
    period = (day - start).days // SETTLEMENT_DAYS
    return start + ((period + 1) * SETTLEMENT_DAYS - 1 + PAYMENT_LAG) * DAY


def _runs(days: list[Day]) -> Iterator[list[Day]]:
    """Consecutive days of one stoppage with the same payee, amount, rate and stream."""
    run: list[Day] = []
    for day in sorted(days, key=lambda d: (d.scheme, d.stoppage, d.day)):
        if run and (_key(day) != _key(run[-1]) or day.day != run[-1].day + DAY):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _key(day: Day) -> tuple[object, ...]:
    return day.stoppage, day.payee, day.cents, day.rate, day.scheme


def _line(pa_id: str, nature: str, run: list[Day], payment_date: dt.date) -> dict[str, object]:
    first = run[0]
    return {
        "PA-ID": pa_id, "PA-NATURE": nature, "PA-DATE-DEBUT": first.day, "PA-DATE-FIN": run[-1].day,
        "PA-NB-JOURS": len(run), "PA-IJ-JOURNALIERE": first.cents, "PA-MONTANT": first.cents * len(run),
        "PA-TAUX": first.rate, "PA-SALAIRE-JOURNALIER": first.base, "PA-BENEFICIAIRE": "E" if first.payee else "A",
        "PA-SIRET": first.payee, "PA-DATE-PAIEMENT": payment_date, "PA-REGIME": first.scheme,
    }


def _back_payments(person: Person, chain: Chain, extraction: dt.date) -> Iterator[tuple[dt.date, list[Day]]]:
    """After a corrected attestation: the difference for the days already paid."""
    corrections = [a for a in chain.initial.attestations if a.motif in ("RE", "AN") and a.received <= extraction]
    if not corrections:
        return
    paid_on = max(a.received for a in corrections) + PAYMENT_LAG * DAY
    if paid_on > extraction:
        return
    paid = [d for d in _days(person, chain, extraction, None) if _settlement_date(chain.initial.first, d.day) < paid_on]
    owed = {(d.stoppage, d.day, d.scheme): d for d in _days(person, chain, extraction, extraction)}
    differences = [
        Day(d.stoppage, d.day, d.payee, owed[(d.stoppage, d.day, d.scheme)].cents - d.cents, d.base, d.rate, d.scheme)
        for d in paid
        if owed[(d.stoppage, d.day, d.scheme)].cents != d.cents
    ]
    for run in _runs(differences):
        yield paid_on, run


def _advance_lines(chain: Chain, extraction: dt.date, new_id: Callable[[], str]) -> list[dict[str, object]]:
    if not chain.advance:
        return []
    given = chain.initial.first + 5 * DAY
    if given > extraction:
        return []
    lump = {"PA-NB-JOURS": 0, "PA-IJ-JOURNALIERE": 0, "PA-TAUX": 0, "PA-SALAIRE-JOURNALIER": 0,
            "PA-BENEFICIAIRE": "A", "PA-SIRET": "", "PA-REGIME": "SA", "PA-DATE-DEBUT": None, "PA-DATE-FIN": None}
    lines = [{**lump, "PA-ID": new_id(), "PA-NATURE": "AC", "PA-MONTANT": chain.advance, "PA-DATE-PAIEMENT": given}]
    settled = given + 2 * SETTLEMENT_DAYS * DAY
    if chain.advance_settled and settled <= extraction:
        lines.append({**lump, "PA-ID": new_id(), "PA-NATURE": "IN", "PA-MONTANT": -chain.advance,
                      "PA-DATE-PAIEMENT": settled})
    return lines
