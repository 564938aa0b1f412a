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
# cross-reference), and nobody without the key can go back to the NIR.
KEY_ENV = "BASCULE_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"


def pseudonym_key(folder: Path) -> bytes:
    """The key: ``BASCULE_PSEUDONYM_KEY``, else the run store's own, made at first use, readable by its owner only."""
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode()
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonym(nir: str, key: bytes) -> str:
    """``"2750999350042"`` → ``"P-3f9a0c1b2d4e"``: HMAC-SHA256 of the NIR under the key, shortened."""
    return "P-" + hmac.new(key, nir.encode(), hashlib.sha256).hexdigest()[:12]


def person_names(nirs: pd.Series, key: bytes | None) -> pd.Series:
    """How reports name people: pseudonyms, or the NIRs themselves when ``key`` is None (identities shown)."""
    if key is None:
        return nirs.astype(str)
    unique = nirs.astype(str).unique()
    return nirs.astype(str).map(dict(zip(unique, (pseudonym(n, key) for n in unique), strict=True)))
