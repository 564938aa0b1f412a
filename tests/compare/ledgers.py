"""Small hand-written ledgers for the comparison's tests."""

from __future__ import annotations

import pandas as pd

from bascule.engines.ledger import COMPUTED, Ledger


def lines(*runs: tuple) -> pd.DataFrame:
    """Runs as (number, first, last, cents a day[, payee SIRET or "" for the insured[, scheme]])."""
    rows = []
    for run in runs:
        number, first, last, cents, *rest = run
        payee = rest[0] if rest else ""
        scheme = rest[1] if len(rest) > 1 else "SA"
        rows.append(
            {
                "number": number,
                "scheme": scheme,
                "payee_kind": "employer" if payee else "insured",
                "payee_id": payee or "2750999350042",
                "first_day": first,
                "last_day": last,
                "daily_cents": cents,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["number", "scheme", "payee_kind", "payee_id", "first_day", "last_day", "daily_cents"]
    )
    return frame.astype({"first_day": "datetime64[s]", "last_day": "datetime64[s]", "daily_cents": "int64"})


def ledger(*runs: tuple, outcomes: list[dict] | None = None, knows_rights_end: bool = True) -> Ledger:
    found = lines(*runs)
    numbers = sorted(set(found["number"]) | {o["number"] for o in outcomes or []})
    given = {(o["number"], o.get("scheme", "SA")): o for o in outcomes or []}
    rows = [
        {
            "number": n,
            "scheme": "SA",
            "status": COMPUTED,
            "reason": None,
            "rights_end": None,
            "advance_cents": 0,
            **given.get((n, "SA"), {}),
        }
        for n in numbers
    ]
    frame = pd.DataFrame(rows, columns=["number", "scheme", "status", "reason", "rights_end", "advance_cents"])
    return Ledger(found, frame.astype({"rights_end": "datetime64[s]"}), knows_rights_end)
