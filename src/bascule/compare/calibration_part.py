"""One part of an extract calibrated by one worker: each engine computed once, every A/A pair and defect compared.

A worker reads its part alone (as a shadow run's worker does), computes
the control's, the referee's and the correct ledger once, and then, for
each defect of the catalogue, puts it into that correct ledger
(``defect:NAME``'s ``inject``: the reference is not computed again) and
compares exactly as a shadow run of ``defect:NAME`` would: the
divergences control against injected with the referee's verdicts, and
correct against injected for the stoppages the defect touches. The A/A
pairs are compared the same way. A defect's divergences go to the
calibration's scratch folder (they are stored as its run, for the judge);
only counts come back, so memory follows the part, not the extract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bascule.compare.diff import Comparison, compare
from bascule.compare.due import horizons
from bascule.compare.partition import (
    CANDIDATE,
    CONTROL,
    REFEREE,
    _described,
    _traces,
    engine_for,
    money_due,
    unsupported_streams,
)
from bascule.compare.verdicts import verdicts
from bascule.domain.features import case_features, category
from bascule.engines.inputs import with_every_table
from bascule.engines.interface import Batch, Engine, EngineSpec, PartEngines
from bascule.engines.ledger import Ledger, checked
from bascule.files import private_folder, write_private_parquet
from bascule.legacy_adapters.reader import PartFacts, PartReader
from bascule.migrate.translate import to_rows
from bascule.migrate.validate import accepted

DEFECT = "defect"
STOPPAGES = "stoppages"  # the scratch folder's dataset of every stoppage's features, which the judge reads
VISIBLE = "visible"  # a divergence's stoppage is touched by the defect (its legacy does not pay it the same way)


@dataclass(frozen=True)
class Calibrating:
    """What every part is calibrated with: plain data, so that it travels to the workers."""

    extraction_date: dt.date
    control: EngineSpec
    referee: EngineSpec
    pairs: tuple[tuple[EngineSpec, EngineSpec], ...]  # the A/A pairs
    defects: tuple[str, ...]
    settlement_lag: int
    folder: str  # the scratch folder: each defect's divergences and unsupported streams, the stoppages
    # spec → an engine with ``of(part)``: an external system's results split by part once, read part by part
    given: dict[EngineSpec, PartEngines] = field(default_factory=dict)


@dataclass(frozen=True)
class CalibrationJob:
    reader: PartReader
    facts: PartFacts
    calibrating: Calibrating


@dataclass
class PartCalibrated:
    """What a part gives back: counts, whatever the part's size."""

    number: int
    size_bytes: int
    persons: int = 0
    stoppages: int = 0
    noise: tuple[int, ...] = ()  # divergent stoppages of each A/A pair
    touched: dict[str, int] = field(default_factory=dict)  # defect → stoppages it changes
    shared: dict[str, int] = field(default_factory=dict)  # defect → of those, paid the same way by the control
    categories: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))


def calibrate_part(job: CalibrationJob) -> PartCalibrated:
    """Read the part, then compare its A/A pairs and each defect; the divergences go to the scratch folder."""
    chunk, _ = job.reader.read(job.facts)
    frames, _ = accepted(chunk.frames)
    model_rows = to_rows(frames)
    number = job.facts.part.number
    done = PartCalibrated(number, chunk.record_count * job.reader.layout.record_size, len(model_rows.get("AS", ())))
    rows = with_every_table(model_rows)
    if len(rows["AR"]):  # a part of no stoppage has nothing to compare (as in a shadow run)
        _calibrate(job.calibrating, number, Batch(rows, job.calibrating.extraction_date), done)
    return done


class Ledgers:
    """The part's ledger under each engine, computed once whatever the number of runs that compare it."""

    def __init__(self, batch: Batch, given: dict[EngineSpec, PartEngines], part: int) -> None:
        self.batch, self.given, self.part = batch, given, part
        self.computed: dict[EngineSpec, Ledger] = {}

    def __getitem__(self, spec: EngineSpec) -> Ledger:
        if spec not in self.computed:
            source = self.given.get(spec)
            engine: Engine = source.of(self.part) if source is not None else engine_for(spec)
            self.computed[spec] = checked(engine.compute(self.batch), str(spec))
        return self.computed[spec]

    def injected(self, defect: str) -> tuple[EngineSpec, Ledger]:
        """The correct ledger's engine, and that ledger with ``defect`` put in, as ``defect:NAME`` computes it."""
        spec = EngineSpec(DEFECT, defect)
        engine = engine_for(spec)
        correct: EngineSpec = engine.correct  # type: ignore[attr-defined]
        return correct, checked(engine.inject(self[correct], self.batch), str(spec))  # type: ignore[attr-defined]


def _calibrate(calibrating: Calibrating, number: int, batch: Batch, done: PartCalibrated) -> None:
    ledgers = Ledgers(batch, calibrating.given, number)
    done.noise = tuple(_noise(ledgers, pair, calibrating.settlement_lag) for pair in calibrating.pairs)
    control = ledgers[calibrating.control]
    horizon = horizons(batch.rows["AR"], control, batch.extraction_date, calibrating.settlement_lag)
    stoppages = _stoppages(batch, horizon)
    _write(stoppages, Path(calibrating.folder) / STOPPAGES, number)
    done.stoppages = len(stoppages)
    done.categories = stoppages["category"].value_counts()
    run = DefectRuns(ledgers, calibrating, stoppages, Comparison(horizon))
    for defect in calibrating.defects:
        found, unsupported, touched = run.of(defect)
        folder = Path(calibrating.folder) / DEFECT / defect
        _write(found.assign(kinds=found["kinds"].map("+".join)), folder / "divergences", number, empty=True)
        _write(unsupported, folder / "unsupported", number)
        done.touched[defect] = touched
        done.shared[defect] = touched - int(found[VISIBLE].sum())


def _noise(ledgers: Ledgers, pair: tuple[EngineSpec, EngineSpec], settlement_lag: int) -> int:
    """An A/A pair's divergent stoppages, compared as a shadow run of the first against the second compares them."""
    first, second = ledgers[pair[0]], ledgers[pair[1]]
    batch = ledgers.batch
    horizon = horizons(batch.rows["AR"], first, batch.extraction_date, settlement_lag)
    return len(compare(first, second, Comparison(horizon)))


def _stoppages(batch: Batch, horizon: pd.Series) -> pd.DataFrame:
    """Every stoppage's case features, category and horizon, as a shadow run stores them."""
    stoppages = case_features(batch.rows)
    stoppages["category"] = category(stoppages)
    stoppages["horizon"] = horizon.reindex(stoppages["number"].to_numpy()).to_numpy()
    return stoppages


class DefectRuns:
    """Each defect compared as the shadow run of control, ``defect:NAME`` and referee compares the part.

    A defect changes few stoppages: the comparison is a function of each
    stoppage's own lines and outcomes, so on the stoppages where the
    injected ledger is the correct one, line for line, its run finds what
    the correct ledger's run finds. That run is done once, and each defect
    compares only the stoppages it changed (all of them when it changes
    what the comparison reads of a ledger as a whole: whether it traces,
    whether it knows rights ends).
    """

    def __init__(self, ledgers: Ledgers, calibrating: Calibrating, stoppages: pd.DataFrame, how: Comparison) -> None:
        self.ledgers, self.stoppages, self.how = ledgers, stoppages, how
        self.control, self.referee = ledgers[calibrating.control], ledgers[calibrating.referee]
        self.referee_due = money_due(self.referee, how.horizon)  # the same whatever the defect
        self.unchanged: dict[EngineSpec, tuple[pd.DataFrame, pd.Series]] = {}  # the correct ledger's run

    def of(self, defect: str, restricted: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        """The divergences (each marked visible or not), the unsupported streams, and the stoppages touched.

        ``restricted``: compare only the stoppages the defect changed (False: every stoppage, the same result).
        """
        correct_spec, injected = self.ledgers.injected(defect)
        correct = self.ledgers[correct_spec]
        changed = _changed(correct, injected) if restricted and _alike(correct, injected) else None
        found, touched = self._run(injected, changed)
        if changed is not None:
            found_before, touched_before = self._unchanged(correct_spec)
            found = _joined(found_before[~found_before["number"].isin(changed)], found)
            touched = pd.concat([touched_before[~touched_before.isin(changed)], touched], ignore_index=True)
        found[VISIBLE] = found["number"].isin(touched).to_numpy()  # touched, and the control pays otherwise
        unsupported = unsupported_streams({CONTROL: self.control, CANDIDATE: injected, REFEREE: self.referee})
        return found, unsupported, len(touched)

    def _unchanged(self, correct_spec: EngineSpec) -> tuple[pd.DataFrame, pd.Series]:
        if correct_spec not in self.unchanged:
            self.unchanged[correct_spec] = self._run(self.ledgers[correct_spec], None)
        return self.unchanged[correct_spec]

    def _run(self, candidate: Ledger, numbers: set[str] | None) -> tuple[pd.DataFrame, pd.Series]:
        """A shadow run's divergences of the candidate, and the stoppages it changes against the referee.

        ``numbers``: on these stoppages only (what the run reads of a ledger as a whole is read on all of it).
        """
        control, referee, mine = self.control, self.referee, candidate
        if numbers is not None:
            control, referee, mine = control.only(numbers), referee.only(numbers), candidate.only(numbers)
        roles = {CONTROL: self.control, CANDIDATE: candidate, REFEREE: self.referee}
        found = compare(control, mine, self.how)
        found["verdict"] = verdicts(found["number"], self.control, candidate, self.referee, self.how)
        found["referee_cents"] = self.referee_due.reindex(found["number"]).fillna(0).to_numpy(np.int64)
        found = _described(found, self.stoppages, unsupported_streams(roles), roles)
        # touched: what the candidate changed against the referee's (correct) ledger; and the days it pays late:
        # the referee says what is owed, never when, so the legacy's payment dates are the only yardstick
        late = found.loc[found["late_cents"] > 0, "number"]
        return found, pd.concat([compare(referee, mine, self.how)["number"], late]).drop_duplicates()


def _alike(correct: Ledger, injected: Ledger) -> bool:
    """Whether what a comparison reads of each ledger as a whole is the same: rights ends known, rules traced."""
    return correct.knows_rights_end == injected.knows_rights_end and _traces(correct) == _traces(injected)


def _changed(correct: Ledger, injected: Ledger) -> set[str]:
    """The stoppages whose lines or outcomes are not the same rows, counted alike, in both ledgers."""
    found: set[str] = set()
    for mine, theirs in ((correct.lines, injected.lines), (correct.outcomes, injected.outcomes)):
        if mine is theirs:
            continue
        both = pd.concat([mine.assign(_side=1), theirs.assign(_side=-1)], ignore_index=True)
        columns = [column for column in both.columns if column != "_side"]
        balance = both.groupby(columns, dropna=False, sort=False)["_side"].sum()
        found.update(balance[balance != 0].index.get_level_values("number"))
    return found


def _joined(unchanged: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """The divergences of both, by stoppage number as one run gives them."""
    found = [frame for frame in (unchanged, changed) if len(frame)]
    if len(found) < 2:
        return (found[0] if found else changed).reset_index(drop=True)
    return pd.concat(found, ignore_index=True).sort_values("number", kind="stable", ignore_index=True)


def _write(frame: pd.DataFrame, folder: Path, number: int, empty: bool = False) -> None:
    """One part's Parquet file of a dataset; ``empty``: even with no row (it still gives the dataset's columns)."""
    if len(frame) or empty:
        write_private_parquet(frame, private_folder(folder) / f"part-{number:05d}.parquet")
