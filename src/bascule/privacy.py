"""Pseudonymise personal data in what bascule shows people.

Reports and exports show identifiers masked unless asked otherwise
(docs/DESIGN.md, principle 9). Masking keeps a value's length and its first
character, enough to tell values apart in a meeting, not to identify
anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from bascule.files import made_once, private_folder

# Fields of the PROGRES layout that identify a person or their bank account.
PERSONAL_FIELDS = frozenset(
    {"PRG-NIR", "PRG-NIR-CLE", "AS-NOM", "AS-PRENOM", "AS-DATE-NAISSANCE", "AS-IBAN", "EM-IBAN"}
)
MASK = "•"


def mask(value: str) -> str:
    """``"2750999350042"`` → ``"2••••••••••••"``."""
    return value[:1] + MASK * (len(value) - 1) if value else value


def shown_value(field: str, value: str, reveal: bool) -> str:
    """A raw value as a report may show it."""
    return value if reveal or field not in PERSONAL_FIELDS else mask(value)


# ------------------------------------------------------- pseudonyms of persons
# Reports of runs name a person by a keyed hash of their NIR: the same person
# has the same pseudonym in every report of one installation (case workers can
# cross-reference), and nobody without the key can go back to the NIR. The key
# is the run store's (one per database, wherever bascule is run from), or a
# file named by BASCULE_PSEUDONYM_KEY_FILE (shared by several databases), or
# the key itself in BASCULE_PSEUDONYM_KEY.
KEY_ENV = "BASCULE_PSEUDONYM_KEY"
KEY_FILE_ENV = "BASCULE_PSEUDONYM_KEY_FILE"
KEY_FILE = "pseudonym.key"

# Pseudonyms must not collide: two people with one pseudonym would be one person in a worklist.
# Birthday bound: among n people, P(some collision) <= n(n-1)/2 / 2^bits. For n = 10^8 people and
# P < 10^-6: 2^bits > 10^16 / (2 * 10^-6) = 5 * 10^21, bits > log2(5 * 10^21) = 72.1, so 73 bits at
# least; 20 hexadecimal characters are 80 bits (P <= 4.1 * 10^-9 at 10^8 people).
PSEUDONYM_HEX = 20


def pseudonym_key(folder: Path) -> bytes:
    """The key: ``BASCULE_PSEUDONYM_KEY``, else the file ``BASCULE_PSEUDONYM_KEY_FILE`` or the run store's own.

    A key file is made at first use, readable by its owner only, by exactly one of the processes that
    may race to make it (:func:`bascule.files.made_once`): every one of them reads the same key.
    """
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode()
    named = os.environ.get(KEY_FILE_ENV, "").strip()
    path = Path(named) if named else folder / KEY_FILE
    if not path.parent.is_dir():
        private_folder(path.parent)
    return made_once(path, lambda: secrets.token_hex(32).encode()).strip()


def pseudonym(nir: str, key: bytes) -> str:
    """``"2750999350042"`` → ``"P-3f9a0c1b2d4e5f607182"``: HMAC-SHA256 of the NIR under the key, shortened."""
    return "P-" + hmac.new(key, nir.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]


def person_names(nirs: pd.Series, key: bytes | None) -> pd.Series:
    """How reports name people: pseudonyms, or the NIRs themselves when ``key`` is None (identities shown)."""
    if key is None:
        return nirs.astype(str)
    unique = nirs.astype(str).unique()
    return nirs.astype(str).map(dict(zip(unique, (pseudonym(n, key) for n in unique), strict=True)))
