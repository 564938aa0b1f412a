"""People, their chains, and the records of a whole extract, HD to FT.

Everything comes from one seed: the same options give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

from bascule.legacy_adapters.charsets import CP1147, LATIN1, Charset
from bascule.legacy_adapters.progres_layout import shipped_layout
from bascule.legacy_adapters.writer import encode_record
from progres_synth.cases import build_chain
from progres_synth.chains import Chain, Stoppage
from progres_synth.identities import make_iban, make_nir, make_siret
from progres_synth.payments import legacy_payments

EXTRACTION_DATE = dt.date(2025, 6, 30)
CAISSE, CAISSE_NAME = 441, "CPAM DE LOIRE-ATLANTIQUE"
DEFAULT_SEED, DEFAULT_PERSONS = 2024, 300
ENCODINGS = {"latin1": LATIN1, "cp1147": CP1147}
Record = tuple[str, dict[str, object]]

# The kinds of chains (docs/RULES.md), and how often each is drawn.
CASES = {
    "sickness": 24, "sickness_extended": 12, "sickness_ald": 5, "work_accident": 7, "maternity": 7,
    "paternity": 4, "therapeutic_part_time": 6, "subrogation": 8, "subrogation_alternation": 5,
    "corrected_attestation": 5, "keeping_rights": 4, "several_employers": 4, "long_stoppage": 3,
    "cancelled": 2, "self_employed": 3, "poly_active": 3, "cancelled_attestation": 3, "extension_after_gap": 5,
}
# A person's second chain, if any, is of the same scheme as the first.
FOLLOW_UP = {"self_employed": "self_employed", "poly_active": "poly_active"}
NO_FOLLOW_UP = {"maternity", "paternity", "long_stoppage", "keeping_rights"}


@dataclass
class Person:
    nir: str  # 13 characters and the 2-digit key
    last_name: str
    first_name: str
    sex: str
    birth: dt.date
    scheme: str = "SA"  # SA salaried, TI self-employed, PA both
    children: int = 0
    iban: str = ""
    keeps_rights: bool = False
    contract_end: dt.date | None = None
    self_employed_income: int = 0  # cents a year
    chains: list[Chain] = field(default_factory=list)


class Generator:
    """Draws people, employers and chains from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.faker = Faker("fr_FR")
        self.faker.seed_instance(seed)
        self.employers = [(make_siret(self.random), self.faker.company().upper()[:40], make_iban(self.faker))
                          for _ in range(40)]
        self.counters = {"AR": 0, "SA": 0, "PA": 0}
        self.nirs: set[str] = set()

    def next_id(self, kind: str, prefix: str, width: int) -> str:
        self.counters[kind] += 1
        return f"{prefix}{self.counters[kind]:0{width}d}"

    def employer(self) -> tuple[str, str, str]:
        return self.random.choice(self.employers)

    def person(self, case: str) -> Person:
        sex = "F" if case == "maternity" else "M" if case == "paternity" else self.random.choice("MF")
        birth = dt.date(self.random.randint(1962, 2000), self.random.randint(1, 12), self.random.randint(1, 28))
        first = self.faker.first_name_female() if sex == "F" else self.faker.first_name_male()
        person = Person(make_nir(self.random, sex, birth, self.nirs), self.faker.last_name().upper(), first.upper(),
                        sex, birth, children=self.random.choice([0, 0, 1, 2, 3]), iban=make_iban(self.faker))
        if case in ("self_employed", "poly_active"):
            person.scheme = "TI" if case == "self_employed" else "PA"
            person.self_employed_income = self.random.choice([300_000, 2_500_000, 3_800_000, 4_200_000, 6_000_000])
        person.keeps_rights = case == "keeping_rights"
        return person

    def chains_of(self, person: Person, case: str) -> list[Chain]:
        start = dt.date(2023, 1, 1) + dt.timedelta(days=self.random.randint(0, 850))
        chains = [build_chain(self, person, case, start)]
        later = chains[0].last_day + dt.timedelta(days=self.random.randint(20, 120))
        if case not in NO_FOLLOW_UP and self.random.random() < 0.25 and later < EXTRACTION_DATE:
            chains.append(build_chain(self, person, FOLLOW_UP.get(case, "sickness"), later))
        return chains


def persons(seed: int, count: int) -> Iterator[Person]:
    """The people of an extract, each with their chains, in a fixed order."""
    generator = Generator(seed)
    names, weights = list(CASES), list(CASES.values())
    for _ in range(count):
        case = generator.random.choices(names, weights)[0]
        person = generator.person(case)
        person.chains = generator.chains_of(person, case)
        yield person


def person_records(person: Person, new_payment_id: IdMaker) -> Iterator[Record]:
    """AS, then for each stoppage in date order its AR, EM, SA, SL, SU and PA records."""
    prefix = {"PRG-CAISSE": CAISSE, "PRG-NIR": person.nir[:13], "PRG-NIR-CLE": int(person.nir[13:])}
    yield "AS", {
        **prefix, "AS-NOM": person.last_name[:30], "AS-PRENOM": person.first_name[:20],
        "AS-DATE-NAISSANCE": person.birth, "AS-SEXE": person.sex, "AS-REGIME": person.scheme,
        "AS-NB-ENFANTS": person.children, "AS-IBAN": person.iban,
        "AS-MAINTIEN-DROIT": "O" if person.keeps_rights else "N", "AS-DATE-FIN-CONTRAT": person.contract_end,
        "AS-REVENU-TI": person.self_employed_income,
    }
    for chain in person.chains:
        payments = legacy_payments(person, chain, EXTRACTION_DATE, new_payment_id)
        for stoppage in chain.stoppages:
            yield from stoppage_records(prefix, stoppage, payments[stoppage.number])


def stoppage_records(prefix: dict[str, object], stoppage: Stoppage, payments: list[dict[str, object]]) -> Iterator[Record]:
    own = {**prefix, "PRG-NUM-ARRET": stoppage.number}
    yield "AR", {**own, **stoppage.ar_fields()}
    for siret, name, iban in stoppage.employers:
        yield "EM", {**own, "EM-SIRET": siret, "EM-RAISON-SOCIALE": name, "EM-IBAN": iban}
    for attestation in stoppage.attestations:
        yield "SA", {**own, **attestation.sa_fields()}
        for line in attestation.salary_lines:
            yield "SL", {**own, "SL-SA-ID": attestation.id, **line}
        for first, last in attestation.subrogation:
            yield "SU", {**own, "SU-SA-ID": attestation.id, "SU-SIRET": attestation.siret,
                         "SU-DATE-DEBUT": first, "SU-DATE-FIN": last}
    for payment in payments:
        yield "PA", {**own, **payment}


class IdMaker:
    def __init__(self, prefix: str, width: int) -> None:
        self.prefix, self.width, self.count = prefix, width, 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count:0{self.width}d}"


def extract_records(seed: int, count: int) -> Iterator[Record]:
    """Every record of an extract, HD to FT, with the trailer's control totals."""
    yield "HD", {"PRG-CAISSE": CAISSE, "HD-DATE-EXTRACTION": EXTRACTION_DATE, "HD-VERSION-LAYOUT": 1,
                 "HD-CODE-CAISSE": CAISSE, "HD-LIBELLE-CAISSE": CAISSE_NAME}
    records, people, stoppages, total = 2, 0, 0, 0
    new_payment_id = IdMaker("P", 11)
    for person in persons(seed, count):
        people += 1
        for code, values in person_records(person, new_payment_id):
            records += 1
            stoppages += code == "AR"
            if code == "PA":
                total += int(values["PA-MONTANT"])  # type: ignore[call-overload]
            yield code, values
    yield "FT", {"PRG-CAISSE": CAISSE, "FT-NB-ENREG": records, "FT-NB-ASSURES": people,
                 "FT-NB-ARRETS": stoppages, "FT-TOTAL-MONTANTS": total}


def write_extract(path: Path, seed: int, count: int, charset: Charset) -> int:
    """Write one extract; returns the number of records written."""
    layout = shipped_layout(1)
    written = 0
    with path.open("wb") as out:
        for code, values in extract_records(seed, count):
            out.write(encode_record(layout, code, values, charset))
            written += 1
    return written
