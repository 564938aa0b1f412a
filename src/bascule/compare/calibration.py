"""Calibration: what this harness, on this corpus, can and cannot see.

Two measurements, before anyone trusts a difference (scientist, Diffy):

- **noise** (A/A): the control against itself, the referee against itself,
  and the candidate against itself or its twin export. Any divergence
  there is noise of the harness or of the system, never a finding;
- **detection power**: each defect of the 2024 pilot put into the
  referee's correct ledger (the ``defect:NAME`` engines), run as a
  candidate through the whole shadow run and the decision policy. For
  each: the stoppages it touches, those the legacy pays the same wrong way
  (a comparison with the legacy cannot see those), those the run flagged
  unresolved, the clusters and verdicts, and whether the policy says
  NO-GO. A defect that touches nothing says this corpus cannot show it.

Runs go to a scratch run store, so the family's history is not touched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from bascule.compare.diff import Comparison, compare
from bascule.compare.due import horizons
from bascule.compare.record import unresolved
from bascule.compare.runner import ShadowOptions, shadow
from bascule.compare.runs import load_run
from bascule.compare.waivers import Acceptances
from bascule.engines.inputs import rows_from_extract
from bascule.engines.interface import Batch, EngineSpec, load_engine
from bascule.engines.ledger import Ledger
from bascule.migrate.database import ensure_schema, open_database

DEFECTS = EngineSpec("defect")


class Judge(Protocol):
    """The decision on a stored run (GO or NO-GO), and the name of the policy that takes it."""

    source: str

    def __call__(self, database: Engine, run_id: int) -> str: ...


@dataclass(frozen=True)
class CalibrationOptions:
    control: EngineSpec = EngineSpec("progres-replay")
    referee: EngineSpec = EngineSpec("reference")
    candidate: EngineSpec | None = None  # its A/A noise, against itself or its twin
    candidate_twin: EngineSpec | None = None
    defects: str = "all"
    workers: int = 1
    copybook: str | None = None


@dataclass(frozen=True)
class Noise:
    """One A/A pair: divergences there are noise."""

    pair: str
    stoppages: int
    divergent: int


@dataclass(frozen=True)
class Detection:
    """What one injected defect did, and what the harness saw of it."""

    defect: str
    description: str
    touched: int  # stoppages whose money, rights end or advances the defect changed
    shared_with_control: int  # ... on which the legacy pays the same (invisible against it)
    flagged: int  # ... of the visible ones, flagged unresolved by the run
    missed: tuple[str, ...]  # visible stoppages not flagged unresolved
    clusters: tuple[str, ...]
    verdicts: dict[str, int]
    decision: str

    @property
    def visible(self) -> int:
        return self.touched - self.shared_with_control

    @property
    def present(self) -> bool:
        """Whether this corpus can show the defect at all."""
        return self.visible > 0

    @property
    def caught(self) -> bool:
        return self.present and self.flagged == self.visible and self.decision == "NO-GO"


@dataclass(frozen=True)
class Calibration:
    extract: str
    noise: tuple[Noise, ...]
    detections: tuple[Detection, ...]
    policy_source: str
    calibrated_on: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def noiseless(self) -> bool:
        return all(n.divergent == 0 for n in self.noise)

    @property
    def powerful(self) -> bool:
        """Every defect this corpus can show is caught on every stoppage it touches, with NO-GO."""
        return all(d.caught for d in self.detections if d.present)

    @property
    def exit_code(self) -> int:
        return 0 if self.noiseless and self.powerful else 1

    def to_dict(self) -> dict[str, object]:
        return {
            "extract": self.extract,
            "calibrated_on": self.calibrated_on,
            "policy": self.policy_source,
            "noiseless": self.noiseless,
            "powerful": self.powerful,
            "noise": [dataclasses.asdict(n) for n in self.noise],
            "detections": [
                {**dataclasses.asdict(d), "visible": d.visible, "present": d.present, "caught": d.caught}
                for d in self.detections
            ],
        }


def calibrate(
    extract: str | Path,
    options: CalibrationOptions,
    judge: Judge,
    on_step: Callable[[str], None] | None = None,
) -> Calibration:
    """Measure the noise and the detection power of the harness on ``extract``; ``judge`` decides each run."""
    catalogue = _catalogue(options.defects)  # the defects and every engine checked before any work
    for spec in (options.control, options.referee, options.candidate, options.candidate_twin):
        if spec is not None:
            load_engine(spec)
    step = on_step or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="bascule-calibration-") as scratch:
        store = _Scratch(Path(scratch), extract, options)
        noise = tuple(store.noise(pair, step) for pair in _pairs(options))
        ledgers = _Ledgers(extract, options)
        detections = tuple(store.detection(name, text, ledgers, judge, step) for name, text in catalogue.items())
        store.close()
    return Calibration(str(extract), noise, detections, judge.source)


def _catalogue(defects: str) -> dict[str, str]:
    """The injectors asked for, with what each does (from the ``defect`` engine's catalogue)."""
    engine = load_engine(dataclasses.replace(DEFECTS, source=defects or "all"))
    return {name: engine.describe(name) for name in engine.defects}  # type: ignore[attr-defined]


def _pairs(options: CalibrationOptions) -> list[tuple[EngineSpec, EngineSpec]]:
    pairs = [(options.control, options.control), (options.referee, options.referee)]
    if options.candidate is not None:
        pairs.append((options.candidate, options.candidate_twin or options.candidate))
    return pairs


class _Ledgers:
    """The whole extract's ledgers the touched stoppages are found with: control, correct, and each injected."""

    def __init__(self, extract: str | Path, options: CalibrationOptions) -> None:
        rows, extraction = rows_from_extract(extract, options.copybook)
        self.batch = Batch(rows, extraction)
        self.control = load_engine(options.control).compute(self.batch)
        self.correct = load_engine(options.referee).compute(self.batch)
        horizon = horizons(rows["AR"], self.control, extraction, ShadowOptions().settlement_lag)
        self.how = Comparison(horizon)

    def touched(self, defect: str) -> tuple[set[str], set[str]]:
        """Stoppages the defect changes, and those of them the control pays the same way."""
        injected: Ledger = load_engine(dataclasses.replace(DEFECTS, source=defect)).compute(self.batch)
        touched = set(compare(self.correct, injected, self.how)["number"])
        visible = set(compare(self.control, injected, self.how)["number"]) & touched
        return touched, touched - visible


class _Scratch:
    """A scratch run store for the calibration's shadow runs."""

    def __init__(self, folder: Path, extract: str | Path, options: CalibrationOptions) -> None:
        self.database = open_database(f"sqlite:///{folder / 'calibration.db'}")
        ensure_schema(self.database)
        self.folder, self.extract, self.options = folder, extract, options

    def run(self, control: EngineSpec, candidate: EngineSpec, referee: EngineSpec | None) -> int:
        options = ShadowOptions(
            control=control,
            candidate=candidate,
            referee=referee,
            workers=self.options.workers,
            copybook=self.options.copybook,
        )
        return shadow(self.extract, options, Acceptances(), self.database, self.folder / "runs", family="calibration")

    def noise(self, pair: tuple[EngineSpec, EngineSpec], step: Callable[[str], None]) -> Noise:
        step(f"noise: {pair[0]} against {pair[1]}")
        stored = load_run(self.database, self.run(pair[0], pair[1], None))
        return Noise(f"{pair[0]} against {pair[1]}", stored.run.stoppages, len(stored.divergences))

    def detection(
        self, defect: str, description: str, ledgers: _Ledgers, judge: Judge, step: Callable[[str], None]
    ) -> Detection:
        step(f"detection: {defect}")
        touched, shared = ledgers.touched(defect)
        candidate = dataclasses.replace(DEFECTS, source=defect)
        run_id = self.run(self.options.control, candidate, self.options.referee)
        stored = load_run(self.database, run_id)
        divergences = stored.divergences
        visible = divergences[divergences["number"].isin(touched - shared)]
        signatures = stored.clusters.set_index("cluster")["signature"]
        flagged = visible[unresolved(visible)] if len(visible) else visible
        return Detection(
            defect=defect,
            description=description,
            touched=len(touched),
            shared_with_control=len(shared),
            flagged=flagged["number"].nunique(),
            missed=tuple(sorted(touched - shared - set(flagged["number"]))),
            clusters=tuple(sorted(set(visible["cluster"].map(signatures).dropna()))),
            verdicts={str(k): int(v) for k, v in visible["verdict"].value_counts().items()},
            decision=judge(self.database, run_id),
        )

    def close(self) -> None:
        self.database.dispose()
