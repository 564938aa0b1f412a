"""Valid identifiers for invented people and employers.

The keys are computed by python-stdnum (NIR key, Luhn), never by hand.
"""

from __future__ import annotations

import datetime as dt
import random

from faker import Faker
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

# Départements of Loire-Atlantique and Vendée mostly, and Corsica now and then
# (its 2A/2B codes are the classic trap of NIR keys).
DEPARTEMENTS = ["44"] * 6 + ["85"] * 3 + ["49", "56", "75", "2A", "2B"]


def make_nir(rng: random.Random, sex: str, birth: dt.date, taken: set[str]) -> str:
    """A 15-character NIR (13 + key) not in ``taken``, for this sex and birth month."""
    while True:
        body = (
            ("1" if sex == "M" else "2")
            + f"{birth.year % 100:02d}{birth.month:02d}"
            + rng.choice(DEPARTEMENTS)
            + f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
        )
        number = body + stdnum_nir.calc_check_digits(body)
        if number not in taken:
            taken.add(number)
            return number


def make_siret(rng: random.Random) -> str:
    """A SIRET: a SIREN with its Luhn digit, then an establishment number keyed over all 14 digits."""
    siren = f"{rng.randint(10_000_000, 99_999_999)}"
    siren += luhn.calc_check_digit(siren)
    nic = f"{rng.randint(1, 999):04d}"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def make_iban(faker: Faker) -> str:
    return faker.iban()
