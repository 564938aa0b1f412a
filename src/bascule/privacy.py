"""Pseudonymise personal data in what bascule shows people.

Reports and exports show identifiers masked unless asked otherwise
(DESIGN.md, principle 9). Masking keeps a value's length and its first
character, enough to tell values apart in a meeting, not to identify
anyone.
"""

from __future__ import annotations

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
