"""The case features of each stoppage: what a divergence's signature is made of.

They describe the case, not the money: nature and modality, whether it extends an earlier stoppage, long-term
illness, the subrogation pattern of its chain, a corrected attestation on
its chain, keeping rights after losing one's job, several employers, the
person's scheme. They also give the case categories of the corpus.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bascule.domain.attestations import attestations_in_force
from bascule.domain.chains import chain_of_stoppages, stoppages_with_chains
from bascule.domain.subrogation import subrogation_periods

NATURE = {"SICKNESS": "MAL", "WORK_ACCIDENT": "ATM", "MATERNITY": "MAT", "PATERNITY": "PAT"}
MODALITY = {"FULL_TIME": "TC", "THERAPEUTIC_PART_TIME": "TP"}
SCHEME = {"SALARIED": "SA", "SELF_EMPLOYED": "TI", "BOTH": "PA"}
FLAGS = ("ald", "corrected_attestation", "keeps_rights", "several_employers")


def case_features(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per stoppage: ``stoppage`` (record index), ``number``, ``nir`` and its features."""
    stoppages = stoppages_with_chains(rows)
    chain = stoppages["chain"]
    return pd.DataFrame(
        {
            "stoppage": stoppages["record_index"].to_numpy(),
            "number": stoppages["number"].to_numpy(),
            "nir": stoppages["nir"].to_numpy(),
            "nature": stoppages["nature"].map(NATURE).to_numpy(),
            "modality": stoppages["modality"].map(MODALITY).to_numpy(),
            "scheme": stoppages["scheme"].map(SCHEME).to_numpy(),
            "subrogation": _subrogation_pattern(stoppages, rows).reindex(chain).fillna("none").to_numpy(),
            "extension": stoppages["initial_stoppage_index"].notna().to_numpy(),
            "ald": stoppages["long_term_illness"].to_numpy(dtype=bool),
            "corrected_attestation": _chains_with_corrections(stoppages, rows)
            .reindex(chain)
            .fillna(False)
            .to_numpy(dtype=bool),
            "keeps_rights": stoppages["keeps_rights"].to_numpy(dtype=bool),
            "several_employers": (_employers(stoppages, rows).reindex(chain).fillna(0) > 1).to_numpy(),
        }
    )


def _owner_chain(stoppages: pd.DataFrame, stoppage_index: pd.Series) -> np.ndarray:
    return stoppage_index.map(chain_of_stoppages(stoppages)).to_numpy()


def _subrogation_pattern(stoppages: pd.DataFrame, rows: dict[str, pd.DataFrame]) -> pd.Series:
    """Per chain: ``none``, ``whole`` (one period) or ``alternating`` (several) of the periods that count."""
    periods = subrogation_periods(stoppages, rows, attestations_in_force(rows))
    count = periods.groupby("chain").size()
    return pd.Series(np.where(count > 1, "alternating", "whole"), index=count.index.astype(np.int64))


def _chains_with_corrections(stoppages: pd.DataFrame, rows: dict[str, pd.DataFrame]) -> pd.Series:
    attestations = rows.get("SA")
    if attestations is None or attestations.empty:
        return pd.Series(dtype=bool)
    corrected = attestations["reason"] != "INITIAL"
    return corrected.groupby(_owner_chain(stoppages, attestations["stoppage_index"])).any()


def _employers(stoppages: pd.DataFrame, rows: dict[str, pd.DataFrame]) -> pd.Series:
    employers = rows.get("EM")
    if employers is None or employers.empty:
        return pd.Series(dtype=np.int64)
    return employers["siret"].groupby(_owner_chain(stoppages, employers["stoppage_index"])).nunique()


def category(features: pd.DataFrame) -> pd.Series:
    """The case category of each stoppage (docs/RULES.md's sections): what a corpus must cover."""
    name = features["nature"] + "/" + features["modality"]
    name = name.where(features["scheme"] == "SA", name + " " + features["scheme"])
    for flag in FLAGS:
        name = name.where(~features[flag], name + " " + flag.replace("_", "-"))
    return name.where(features["subrogation"] == "none", name + " subrogation-" + features["subrogation"])
