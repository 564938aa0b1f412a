"""The FT trailer's control totals against what was actually read.

``FT-NB-ENREG`` counts every record of the file, ``HD`` and ``FT``
included; ``FT-NB-ASSURES`` the ``AS`` records; ``FT-NB-ARRETS`` the
``AR`` records; ``FT-TOTAL-MONTANTS`` the sum of every ``PA-MONTANT``.
Counts are of the records in the file, rejected or not: the trailer
guards the transfer, the rejects say what could not be used. A total
that cannot be computed (a payment amount that does not decode) cannot
match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bascule.legacy_adapters.frames import RECORD_INDEX
from bascule.legacy_adapters.problems import Reason, concat_problems, problem_frame
from bascule.legacy_adapters.progres_layout import TRAILER

CONTROLS = {
    "FT-NB-ENREG": "records",
    "FT-NB-ASSURES": "persons",
    "FT-NB-ARRETS": "stoppages",
    "FT-TOTAL-MONTANTS": "payments_total_cents",
}


@dataclass(frozen=True)
class Control:
    field: str
    declared: int | None  # what the trailer says (None: unreadable)
    found: int | None  # what was read (None: cannot be computed)

    @property
    def matches(self) -> bool:
        return self.declared is not None and self.declared == self.found

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "declared": self.declared, "found": self.found, "matches": self.matches}


@dataclass(frozen=True)
class TrailerCheck:
    present: bool
    controls: tuple[Control, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def balanced(self) -> bool:
        return self.present and all(c.matches for c in self.controls)

    def to_dict(self) -> dict[str, object]:
        return {
            "present": self.present,
            "balanced": self.balanced,
            "note": self.note,
            "controls": [c.to_dict() for c in self.controls],
        }


def check_trailer(
    trailers: pd.DataFrame | None,
    last_index: int,
    field_problems: pd.DataFrame,
    counts: dict[str, int],
    payments_total: int | None,
) -> tuple[TrailerCheck, pd.DataFrame]:
    """Compare the last record's control totals with the counts read.

    Returns the check and, when the totals do not match, the problem that
    rejects the trailer record.
    """
    found = {**counts, "payments_total_cents": payments_total}
    trailer = None if trailers is None else trailers[trailers[RECORD_INDEX] == last_index]
    if trailer is None or trailer.empty:
        note = "the last record is not an FT trailer: the file may have been cut short"
        controls = tuple(Control(name, None, found[key]) for name, key in CONTROLS.items())
        return TrailerCheck(False, controls, note), concat_problems([])
    row = trailer.iloc[0]
    unreadable = set(field_problems.loc[field_problems[RECORD_INDEX] == last_index, "field"])
    controls = tuple(
        Control(name, None if name in unreadable else int(row[name]), found[key]) for name, key in CONTROLS.items()
    )
    wrong = [c for c in controls if not c.matches and c.field not in unreadable]
    problems = [
        problem_frame(
            [last_index],
            TRAILER,
            Reason.TRAILER_MISMATCH,
            c.field,
            [str(c.declared)],
            f"read {'an unreadable amount' if c.found is None else c.found}",
        )
        for c in wrong
    ]
    return TrailerCheck(True, controls), concat_problems(problems)
