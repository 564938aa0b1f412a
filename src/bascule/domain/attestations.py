"""The attestation in force (docs/RULES.md section 0), as frames and as SQL.

Per stoppage and employer, the attestation with the highest version is in
force, unless it is a cancellation (``AN``): then that employer has **no**
attestation in force on that stoppage; an earlier version never comes back.
:func:`attestations_in_force` states the rule on the model's frames,
:func:`attestations_in_force_query` on the database; a test holds the two
equal on the same rows.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, and_, func, select

from bascule.migrate.codes import AttestationReason
from bascule.migrate.model import SalaryAttestation

CANCELLATION = AttestationReason.CANCELLATION.name  # as the frames and the database hold it
IN_FORCE_COLUMNS = ["record_index", "stoppage_index", "siret", "version", "reason", "return_to_work_on"]


def attestations_in_force(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The attestations in force: per stoppage and employer the highest version, none if it cancels."""
    attestations = rows.get("SA")
    if attestations is None or attestations.empty:
        return pd.DataFrame(columns=IN_FORCE_COLUMNS)
    latest = attestations.sort_values("version", kind="stable").groupby(["stoppage_index", "siret"], sort=False).tail(1)
    return latest[latest["reason"] != CANCELLATION]


def attestations_in_force_query(run_id: int) -> Select[SalaryAttestation]:
    """The same rule in SQL: rank every version, keep the highest unless it is a cancellation."""
    ranked = (
        select(
            SalaryAttestation.run_id,
            SalaryAttestation.record_index,
            SalaryAttestation.reason,
            func.row_number()
            .over(
                partition_by=(SalaryAttestation.stoppage_index, SalaryAttestation.siret),
                order_by=SalaryAttestation.version.desc(),
            )
            .label("rank"),
        )
        .where(SalaryAttestation.run_id == run_id)
        .subquery()
    )
    return (
        select(SalaryAttestation)
        .join(
            ranked,
            and_(SalaryAttestation.run_id == ranked.c.run_id, SalaryAttestation.record_index == ranked.c.record_index),
        )
        .where(ranked.c.rank == 1, ranked.c.reason != AttestationReason.CANCELLATION)
        .order_by(SalaryAttestation.record_index)
    )
