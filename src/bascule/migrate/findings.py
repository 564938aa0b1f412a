"""What the migration finds in records it migrates: reported, counted, never rejected.

A rejected record cannot be paid; a finding is about a record the new model
took as it is, that a migration engineer should still hear about. Findings
are kept with the chunk that migrated their records (table
``migration_finding``), so that the books of a run say them the same way
for the run that loaded it and for anyone who asks later. They change
neither the books nor the exit code of ``bascule migrate``.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from bascule.domain.chains import chain_of_attestations, chain_spans, stoppages_with_chains
from bascule.domain.subrogation import shares_a_day
from bascule.legacy_adapters.progres_layout import ATTESTATION, STOPPAGE, SUBROGATION

Rows = dict[str, pd.DataFrame]
FINDING_COLUMNS = ["record_index", "finding", "record_type", "facts"]


class Finding(StrEnum):
    """Finding codes, each with what it means (part of the JSON output of ``bascule migrate``)."""

    # The code was a reject reason until docs/RULES.md section 6 was revised:
    # the records it names now stay, and are said.
    SUBROGATION_OUTSIDE_CHAIN = "subrogation_outside_chain"

    @property
    def meaning(self) -> str:
        return _MEANING[self]


_MEANING = {
    Finding.SUBROGATION_OUTSIDE_CHAIN: "an SU period shares no day with its stoppage chain (the stoppages not "
    "cancelled): migrated, it changes nothing, since only the chain's days count (docs/RULES.md section 6)",
}


def findings(rows: Rows) -> pd.DataFrame:
    """The findings on one chunk's model rows (:func:`bascule.migrate.translate.to_rows`), one row each."""
    return subrogation_findings(rows)


def subrogation_findings(rows: Rows) -> pd.DataFrame:
    """The SU periods that share no day with their chain, with what finds them again.

    The rule is :func:`bascule.domain.subrogation.shares_a_day` over
    :func:`bascule.domain.chains.chain_spans`, the one the engines apply; a
    chain whose stoppages are all cancelled has no day, so no period shares
    one with it. ``facts`` hold the period's attestation (``SU-SA-ID``), the
    attestation's stoppage number, the period and the chain's span.
    """
    periods = rows.get(SUBROGATION)
    if periods is None or periods.empty:
        return _none()
    stoppages = stoppages_with_chains(rows)
    attestations = rows[ATTESTATION].set_index("record_index")
    chain = periods["attestation_index"].map(chain_of_attestations(stoppages, rows[ATTESTATION]))
    periods = periods.assign(chain=chain)[chain.notna().to_numpy()]  # whole families: every chain is found
    periods = periods.assign(chain=periods["chain"].astype(np.int64))
    spans = chain_spans(stoppages)
    outside = periods[~shares_a_day(periods, spans)]
    if outside.empty:
        return _none()
    numbers = rows[STOPPAGE].set_index("record_index")["number"]
    stoppage_index = outside["attestation_index"].map(attestations["stoppage_index"])
    facts = pd.DataFrame(
        {
            "attestation_id": outside["attestation_index"].map(attestations["attestation_id"]).to_numpy(),
            "stoppage": stoppage_index.map(numbers).to_numpy(),
            "start_date": _days(outside["start_date"]),
            "end_date": _days(outside["end_date"]),
            "chain_first_day": _days(spans["first"].reindex(outside["chain"])),
            "chain_last_day": _days(spans["last"].reindex(outside["chain"])),
        }
    )
    return pd.DataFrame(
        {
            "record_index": outside["record_index"].to_numpy(dtype=np.int64),
            "finding": str(Finding.SUBROGATION_OUTSIDE_CHAIN),
            "record_type": SUBROGATION,
            "facts": facts.to_dict("records"),
        },
        columns=FINDING_COLUMNS,
    )


def _days(values: pd.Series) -> list[str | None]:
    """Days as ISO text, None for no day (a chain with no stoppage left)."""
    days = values.to_numpy(dtype="datetime64[D]")
    return [None if np.isnat(d) else str(d) for d in days]


def _none() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=object) for column in FINDING_COLUMNS})
