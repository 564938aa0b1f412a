"""Recipes: one kind of chain of docs/RULES.md each."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from progres_synth.chains import Attestation, Chain, Stoppage

if TYPE_CHECKING:
    from progres_synth.extract import Generator, Person

DAY = dt.timedelta(days=1)


def build_chain(g: Generator, person: Person, case: str, start: dt.date) -> Chain:
    recipe = RECIPES[case]
    chain = recipe(g, person, start)
    chain.case = case
    _close_or_leave_open(g, chain)
    if g.random.random() < 0.06 and chain.salaried and chain.initial.status != "A":
        chain.advance = g.random.choice([20_000, 30_000, 50_000])
        chain.advance_settled = g.random.random() < 0.8
    return chain


# ----------------------------------------------------------------- helpers
def stoppages(g: Generator, nature: str, start: dt.date, lengths: list[int], **ar: object) -> list[Stoppage]:
    """An initial stoppage and its extensions, back to back."""
    found: list[Stoppage] = []
    first = start
    for length in lengths:
        number = g.next_id("AR", "A", 9)
        initial = found[0].number if found else ""
        found.append(Stoppage(number, nature, first, first + (length - 1) * DAY, initial=initial, **ar))  # type: ignore[arg-type]
        first += length * DAY
    return found


def reference_lines(g: Generator, before: dt.date, monthly: int) -> list[dict[str, object]]:
    """R salary lines for the 3 calendar months before the month of ``before``."""
    lines = []
    month = dt.date(before.year, before.month, 1)
    for _ in range(3):
        month = (month - DAY).replace(day=1)
        end = (month.replace(day=28) + 4 * DAY).replace(day=1) - DAY
        gross = monthly + g.random.randint(-5_000, 5_000)
        lines.append({"SL-NATURE": "R", "SL-PERIODE-DEBUT": month, "SL-PERIODE-FIN": end,
                      "SL-SALAIRE-BRUT": gross, "SL-HEURES": 15_167})
    return sorted(lines, key=lambda line: line["SL-PERIODE-DEBUT"])  # type: ignore[arg-type, return-value]


def monthly_salary(g: Generator) -> int:
    return g.random.choice([160_000, 190_000, 210_000, 250_000, 300_000, 380_000, 520_000, 700_000])


def attest(g: Generator, stoppage: Stoppage, siret: str, lines: list[dict[str, object]], version: int = 0,
           motif: str = "IN", received: dt.date | None = None) -> Attestation:
    attestation = Attestation(g.next_id("SA", "S", 11), siret, version, motif,
                              received or stoppage.first + g.random.randint(1, 6) * DAY, salary_lines=lines)
    stoppage.attestations.append(attestation)
    return attestation


def salaried(g: Generator, nature: str, start: dt.date, lengths: list[int], employers: int = 1,
             reference_before: dt.date | None = None, **ar: object) -> Chain:
    """A chain with one attestation per employer on its initial stoppage."""
    chain = Chain("", stoppages(g, nature, start, lengths, **ar))
    initial = chain.initial
    for _ in range(employers):
        employer = g.employer()
        while employer in initial.employers:
            employer = g.employer()
        initial.employers.append(employer)
        attest(g, initial, employer[0], reference_lines(g, reference_before or start, monthly_salary(g)))
    for extension in chain.stoppages[1:]:
        extension.employers = list(initial.employers)
    return chain


def _close_or_leave_open(g: Generator, chain: Chain) -> None:
    from progres_synth.extract import EXTRACTION_DATE

    for stoppage in chain.stoppages:
        if stoppage.status != "A":
            stoppage.status = "E" if stoppage.last >= EXTRACTION_DATE else "C"
        if stoppage.nature == "MAT" and stoppage.presumed_birth and stoppage.presumed_birth < EXTRACTION_DATE:
            stoppage.birth = stoppage.presumed_birth + g.random.randint(-5, 5) * DAY


# ----------------------------------------------------------------- recipes
def sickness(g: Generator, person: Person, start: dt.date) -> Chain:
    return salaried(g, "MAL", start, [g.random.randint(3, 21)])


def sickness_extended(g: Generator, person: Person, start: dt.date) -> Chain:
    return salaried(g, "MAL", start, [g.random.randint(7, 15) for _ in range(g.random.randint(2, 4))])


def sickness_ald(g: Generator, person: Person, start: dt.date) -> Chain:
    return salaried(g, "MAL", start, [g.random.randint(30, 90) for _ in range(g.random.randint(2, 5))], ald=True)


def long_stoppage(g: Generator, person: Person, start: dt.date) -> Chain:
    start = min(start, dt.date(2024, 1, 15))
    return salaried(g, "MAL", start, [g.random.randint(45, 60) for _ in range(g.random.randint(6, 9))])


def work_accident(g: Generator, person: Person, start: dt.date) -> Chain:
    lengths = [g.random.randint(10, 45)] + [g.random.randint(10, 30) for _ in range(g.random.randint(0, 2))]
    return salaried(g, "ATM", start, lengths, accident=start - g.random.randint(0, 1) * DAY)


def maternity(g: Generator, person: Person, start: dt.date) -> Chain:
    kind = g.random.choice(["single", "single", "single", "third_child", "twins", "stillbirth"])
    days, prenatal, born, rank = {"single": (112, 42, 1, 1), "stillbirth": (112, 42, 1, 1),
                                  "third_child": (182, 56, 1, 3), "twins": (238, 84, 2, 1)}[kind]
    presumed = start + prenatal * DAY
    return salaried(g, "MAT", start, [days], presumed_birth=presumed, born=born, rank=rank,
                    stillbirth=kind == "stillbirth")


def paternity(g: Generator, person: Person, start: dt.date) -> Chain:
    multiple = g.random.random() < 0.15
    chain = salaried(g, "PAT", start, [32 if multiple else 25], born=2 if multiple else 1, rank=1)
    chain.initial.birth = start - 4 * DAY
    return chain


def therapeutic_part_time(g: Generator, person: Person, start: dt.date) -> Chain:
    """Full-time sickness, then a part-time return for therapeutic reasons, with P lines."""
    chain = salaried(g, "MAL", start, [g.random.randint(20, 50), g.random.randint(30, 75)])
    part_time = chain.stoppages[1]
    part_time.modality = "TP"
    reference = chain.initial.attestations[0]
    monthly = sum(reference.salaries("R").values()) // 3
    lines, month = [], part_time.first.replace(day=1)
    while month <= part_time.last:
        end = (month.replace(day=28) + 4 * DAY).replace(day=1) - DAY
        lines.append({"SL-NATURE": "P", "SL-PERIODE-DEBUT": month, "SL-PERIODE-FIN": end,
                      "SL-SALAIRE-BRUT": monthly * g.random.randint(40, 60) // 100, "SL-HEURES": 7_583})
        month = end + DAY
    attest(g, part_time, reference.siret, lines)
    return chain


def subrogation(g: Generator, person: Person, start: dt.date) -> Chain:
    chain = sickness_extended(g, person, start)
    attestation = chain.initial.attestations[0]
    attestation.subrogation.append((chain.initial.first, chain.last_day))
    return chain


def subrogation_alternation(g: Generator, person: Person, start: dt.date) -> Chain:
    """Subrogation, then none, then subrogation again, on one chain."""
    chain = salaried(g, "MAL", start, [g.random.randint(20, 30), g.random.randint(20, 40)])
    first, last = chain.initial.first, chain.last_day
    gap_start = first + g.random.randint(8, 14) * DAY
    gap_end = gap_start + g.random.randint(5, 10) * DAY
    chain.initial.attestations[0].subrogation += [(first, gap_start - DAY), (gap_end + DAY, last)]
    return chain


def corrected_attestation(g: Generator, person: Person, start: dt.date) -> Chain:
    """The employer corrects its attestation after payments began: a back payment follows."""
    chain = salaried(g, "MAL", start, [g.random.randint(25, 40), g.random.randint(15, 30)])
    first = chain.initial.attestations[0]
    raised = [{**line, "SL-SALAIRE-BRUT": int(line["SL-SALAIRE-BRUT"]) + 40_000} for line in first.salary_lines]  # type: ignore[call-overload]
    attest(g, chain.initial, first.siret, raised, version=1, motif="RE",
           received=chain.initial.first + g.random.randint(18, 24) * DAY)
    return chain


def cancelled_attestation(g: Generator, person: Person, start: dt.date) -> Chain:
    """One of two employers cancels its attestation (AN) after payments began: only the other's salaries count."""
    chain = salaried(g, "MAL", start, [g.random.randint(25, 40)], employers=2)
    cancelled = chain.initial.attestations[1]
    attest(g, chain.initial, cancelled.siret, [], version=1, motif="AN",
           received=chain.initial.first + g.random.randint(18, 24) * DAY)
    return chain


def extension_after_gap(g: Generator, person: Person, start: dt.date) -> Chain:
    """An extension starting a few days after its stoppage ends (a weekend, a holiday, or longer)."""
    chain = salaried(g, "MAL", start, [g.random.randint(8, 20), g.random.randint(8, 20)])
    extension = chain.stoppages[1]
    gap_start = chain.initial.last + DAY
    longest = 3 if gap_start < dt.date(2024, 9, 1) else 5  # before, a longer gap is out of scope
    gap = g.random.randint(1, longest) * DAY
    extension.first, extension.last = extension.first + gap, extension.last + gap
    return chain


def keeping_rights(g: Generator, person: Person, start: dt.date) -> Chain:
    """Sick after losing one's job: salaries from before the contract ended."""
    person.contract_end = start - g.random.randint(30, 240) * DAY
    return salaried(g, "MAL", start, [g.random.randint(10, 30)], reference_before=person.contract_end + DAY)


def several_employers(g: Generator, person: Person, start: dt.date) -> Chain:
    return salaried(g, "MAL", start, [g.random.randint(10, 25)], employers=2)


def cancelled(g: Generator, person: Person, start: dt.date) -> Chain:
    chain = salaried(g, "MAL", start, [g.random.randint(5, 15)])
    chain.initial.status = "A"
    return chain


def self_employed(g: Generator, person: Person, start: dt.date) -> Chain:
    chain = Chain("", stoppages(g, "MAL", start, [g.random.randint(10, 40)]), salaried=False, self_employed=True)
    return chain


def poly_active(g: Generator, person: Person, start: dt.date) -> Chain:
    chain = salaried(g, "MAL", start, [g.random.randint(10, 30)])
    chain.self_employed = True
    return chain


RECIPES = {
    "sickness": sickness,
    "sickness_extended": sickness_extended,
    "sickness_ald": sickness_ald,
    "work_accident": work_accident,
    "maternity": maternity,
    "paternity": paternity,
    "therapeutic_part_time": therapeutic_part_time,
    "subrogation": subrogation,
    "subrogation_alternation": subrogation_alternation,
    "corrected_attestation": corrected_attestation,
    "cancelled_attestation": cancelled_attestation,
    "extension_after_gap": extension_after_gap,
    "keeping_rights": keeping_rights,
    "several_employers": several_employers,
    "long_stoppage": long_stoppage,
    "cancelled": cancelled,
    "self_employed": self_employed,
    "poly_active": poly_active,
}
