"""Rules across records that the new model needs before it takes a chunk.

The reader has already rejected what cannot be read; these rules reject
what reads well but would make a wrong or broken dossier in the new system
(the 2024 pilot lost files exactly there): codes with no meaning, prefixes
that disagree with their person, extensions whose initial stoppage is
missing, overlapping stoppages, attestations with no salary line. A
rejected record takes its dependants with it (reason ``orphan``), as in the
reader, and a rejected stoppage its extensions (``extension_without_initial``,
as when the reader rejected it), so that what is migrated is always whole
families and whole chains.

A subrogation period is never rejected for reaching outside its stoppage
chain (docs/RULES.md section 6: only the chain's days count); one sharing no
day with its chain is migrated and reported (:mod:`bascule.migrate.findings`).

Every rule works within one person, and chunks hold whole persons, so a
chunk is validated on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bascule.legacy_adapters.checks import NIR, STOPPAGE_NO, orphan_problems
from bascule.legacy_adapters.frames import RECORD_INDEX
from bascule.legacy_adapters.problems import Reason, concat_problems, problem_frame
from bascule.legacy_adapters.progres_layout import (
    ATTESTATION,
    HEADER,
    PERSON,
    SALARY_LINE,
    STOPPAGE,
    TRAILER,
)
from bascule.migrate.codes import AttestationReason, StoppageNature, StoppageStatus
from bascule.migrate.translate import (
    TRANSLATIONS,
    parent_indexes,
    unknown_code_problems,
)

Frames = dict[str, pd.DataFrame]
CAISSE, NIR_KEY = "PRG-CAISSE", "PRG-NIR-CLE"


def validation_problems(frames: Frames) -> pd.DataFrame:
    """Every record the model cannot take, with its reasons, dependants included."""
    found = concat_problems(
        [
            unknown_code_problems(frames),
            prefix_problems(frames),
            extension_problems(frames.get(STOPPAGE)),
            overlap_problems(frames.get(STOPPAGE)),
            attestation_problems(frames.get(ATTESTATION), frames.get(SALARY_LINE)),
        ]
    )
    rejected = set(found[RECORD_INDEX].tolist())
    if not rejected:
        return found
    found = concat_problems([found, broken_chain_problems(frames.get(STOPPAGE), rejected)])
    return concat_problems([found, orphan_problems(frames, set(found[RECORD_INDEX].tolist()))])


def accepted(frames: Frames) -> tuple[Frames, pd.DataFrame]:
    """The frames without the records the model cannot take, and the problems of those records."""
    found = validation_problems(frames)
    refused = set(found[RECORD_INDEX].tolist())
    return {code: frame[~frame[RECORD_INDEX].isin(refused)] for code, frame in frames.items()}, found


def prefix_problems(frames: Frames) -> pd.DataFrame:
    """Prefix fields the model derives from elsewhere must agree with it, or be blank."""
    found = []
    for code in (HEADER, TRAILER):
        if code in frames:
            frame = frames[code]
            for field, blank in ((NIR, ""), (NIR_KEY, 0), (STOPPAGE_NO, "")):
                found.append(
                    _where(
                        code, frame, (frame[field] != blank).to_numpy(), Reason.PREFIX_MISMATCH, field, "must be blank"
                    )
                )
    persons = frames.get(PERSON)
    if persons is not None:
        found.append(
            _where(
                PERSON,
                persons,
                (persons[STOPPAGE_NO] != "").to_numpy(),
                Reason.PREFIX_MISMATCH,
                STOPPAGE_NO,
                "must be blank",
            )
        )
        caisse = pd.Series(persons[CAISSE].to_numpy(), index=pd.Index(persons[NIR].to_numpy(dtype=object)))
        for code in TRANSLATIONS:
            if code != PERSON and code in frames:
                frame = frames[code]
                expected = caisse.reindex(frame[NIR].to_numpy(dtype=object)).to_numpy()
                wrong = expected != frame[CAISSE].to_numpy()
                found.append(
                    _where(
                        code, frame, wrong, Reason.PREFIX_MISMATCH, CAISSE, "not the caisse of the person's AS record"
                    )
                )
    return concat_problems(found)


def extension_problems(stoppages: pd.DataFrame | None) -> pd.DataFrame:
    """An extension must name an earlier stoppage of the same person."""
    if stoppages is None:
        return concat_problems([])
    initial = stoppages["AR-ARRET-INITIAL"]
    at = parent_indexes(initial, stoppages, STOPPAGE_NO)
    by_index = stoppages.set_index(RECORD_INDEX)[NIR]
    owner = by_index.reindex(at).to_numpy(dtype=object)
    here = stoppages[RECORD_INDEX].to_numpy()
    wrong = (initial != "").to_numpy() & ((at < 0) | (at >= here) | (owner != stoppages[NIR].to_numpy(dtype=object)))
    return _where(
        STOPPAGE,
        stoppages,
        wrong,
        Reason.EXTENSION_WITHOUT_INITIAL,
        "AR-ARRET-INITIAL",
        "no earlier stoppage of this person has this number",
    )


def broken_chain_problems(stoppages: pd.DataFrame | None, rejected: set[int]) -> pd.DataFrame:
    """Extensions whose initial stoppage a rule rejected, and the extensions of those in turn.

    Without this an extension would be migrated as a stoppage of its own,
    its link lost: the reader's rejects are absent from the frames and
    :func:`extension_problems` sees them, but the rules' rejects are not.
    """
    if stoppages is None or not rejected:
        return concat_problems([])
    initial = parent_indexes(stoppages["AR-ARRET-INITIAL"], stoppages, STOPPAGE_NO)
    here = stoppages[RECORD_INDEX].to_numpy()
    gone = np.isin(here, list(rejected))
    broken = np.zeros(len(here), dtype=bool)
    while True:  # one link of a chain a turn: an extension may extend an extension
        newly = (initial >= 0) & np.isin(initial, here[gone | broken]) & ~gone & ~broken
        if not newly.any():
            break
        broken |= newly
    return _where(
        STOPPAGE,
        stoppages,
        broken,
        Reason.EXTENSION_WITHOUT_INITIAL,
        "AR-ARRET-INITIAL",
        "its initial stoppage was rejected",
    )


def overlap_problems(stoppages: pd.DataFrame | None) -> pd.DataFrame:
    """A stoppage starting before an earlier stoppage of the same person ended (cancelled ones aside).

    Two maternity stoppages may cover the same days: docs/RULES.md section 5
    pays such a day once, and the comparison must see the legacy pay it
    twice, so they reach the engines.
    """
    if stoppages is None:
        return concat_problems([])
    live = stoppages[stoppages["AR-STATUT"] != StoppageStatus.CANCELLED.value].sort_values(RECORD_INDEX)
    maternity = (live["AR-NATURE"] == StoppageNature.MATERNITY.value).to_numpy()
    overlaps = live["AR-DATE-DEBUT"] <= _previous_end(live, live["AR-DATE-FIN"])
    overlaps_other = live["AR-DATE-DEBUT"] <= _previous_end(live, live["AR-DATE-FIN"].where(~maternity))
    overlaps = np.where(maternity, overlaps_other.to_numpy(), overlaps.to_numpy())
    return _where(
        STOPPAGE,
        live,
        overlaps,
        Reason.OVERLAPPING_STOPPAGES,
        "AR-DATE-DEBUT",
        "starts before an earlier stoppage ended",
    )


def _previous_end(stoppages: pd.DataFrame, ends: pd.Series) -> pd.Series:
    """The latest end among each stoppage's earlier stoppages of the same person."""
    latest = ends.groupby(stoppages[NIR], sort=False).cummax()
    return latest.groupby(stoppages[NIR], sort=False).shift(1)


def attestation_problems(attestations: pd.DataFrame | None, lines: pd.DataFrame | None) -> pd.DataFrame:
    """An attestation other than a cancellation needs salary lines to compute anything from."""
    if attestations is None:
        return concat_problems([])
    with_lines = set() if lines is None else set(lines["SL-SA-ID"].tolist())
    cancelled = (attestations["SA-MOTIF"] == AttestationReason.CANCELLATION.value).to_numpy()
    lonely = ~attestations["SA-ID"].isin(with_lines).to_numpy() & ~cancelled
    return _where(
        ATTESTATION,
        attestations,
        lonely,
        Reason.ATTESTATION_WITHOUT_LINES,
        "SA-ID",
        "no SL record names this attestation",
    )


def _where(code: str, frame: pd.DataFrame, hit: np.ndarray, reason: Reason, field: str, detail: str) -> pd.DataFrame:
    shown = [str(v) for v in frame[field].to_numpy()[hit]]
    return problem_frame(frame[RECORD_INDEX].to_numpy()[hit], code, reason, field, shown, detail)
