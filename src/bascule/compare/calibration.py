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

It is one pass over the extract, part by part in the workers
(:mod:`bascule.compare.calibration_part`): each engine computes a part
once, each defect is put into its correct ledger, and every pair and
defect is compared there, as its own shadow run would compare it. Each
defect's run then goes to a scratch run store
(:mod:`bascule.compare.calibration_store`), so the family's history is
not touched, where the judge decides on it as on any stored run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd
from sqlalchemy import Engine

from bascule.compare import record
from bascule.compare.calibration_part import VISIBLE, Calibrating, CalibrationJob, PartCalibrated, calibrate_part
from bascule.compare.calibration_store import FAMILY, ScratchStore, StoredDefect, described_engines
from bascule.compare.partition import CANDIDATE, CONTROL, REFEREE
from bascule.compare.runner import ShadowOptions, checked_against, split_results
from bascule.compare.waivers import Acceptances
from bascule.defaults import PARTITION_BYTES, SETTLEMENT_LAG_DAYS
from bascule.engines.inputs import extraction_date_of
from bascule.engines.interface import Engine as ComputingEngine
from bascule.engines.interface import EngineSpec, load_engine
from bascule.leases import scratch_folder
from bascule.legacy_adapters.plan import ExtractPlan
from bascule.legacy_adapters.reader import ExtractReader, facts_of
from bascule.scheduling import each_done, executor_for

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
    scheduler: str | None = None  # a Dask scheduler's address, or local[:N]; None: a local process pool
    partition_bytes: int = PARTITION_BYTES  # the parts the workers calibrate (those of a shadow run by default)
    scratch: str | None = None  # where the scratch run store goes (shared storage on a cluster); None: a temporary one


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
    engines = _checked_engines(extract, options, catalogue)
    step = on_step or (lambda _: None)
    reader = ExtractReader(extract, copybook=options.copybook, chunk_bytes=options.partition_bytes)
    step("scan")
    plan = reader.plan(digest=True)
    with scratch_folder("bascule-calibration-", options.scratch) as folder:  # what a kill -9 left is removed
        header = reader.parts.header() or {}
        extraction = extraction_date_of(reader.path, str(header.get("extraction_date", "")))
        calibrating = Calibrating(
            extraction,
            options.control,
            options.referee,
            tuple(_pairs(options)),
            tuple(catalogue),
            SETTLEMENT_LAG_DAYS,
            str(folder),
            split_results(engines, reader, plan, folder / "inputs"),
        )
        step("noise and detection power, part by part")
        found = _calibrated_parts(reader, plan, calibrating, options)
        noise = tuple(
            Noise(f"{first} against {second}", found.stoppages, divergent)
            for (first, second), divergent in zip(calibrating.pairs, found.noise, strict=True)
        )
        store = ScratchStore(folder, _described_run(reader, plan, header, extraction, options, engines))
        try:
            detections = tuple(
                _detection(store, name, text, engines, options, found, judge, step) for name, text in catalogue.items()
            )
        finally:
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


def _checked_engines(
    extract: str | Path, options: CalibrationOptions, catalogue: dict[str, str]
) -> dict[EngineSpec, ComputingEngine]:
    """Every engine the calibration runs, built, and checked against the extract when it checks (an external one)."""
    specs = [options.control, options.referee, options.candidate, options.candidate_twin]
    specs += [dataclasses.replace(DEFECTS, source=name) for name in catalogue]
    engines = {spec: load_engine(spec) for spec in dict.fromkeys(specs) if spec is not None}
    checked_against(extract, options.copybook, engines.values())
    return engines


def _calibrated_parts(
    reader: ExtractReader, plan: ExtractPlan, calibrating: Calibrating, options: CalibrationOptions
) -> _Found:
    """Every part calibrated by the workers (or a Dask cluster), what they found summed as each finishes."""
    found = _Found(len(calibrating.pairs))
    jobs = (CalibrationJob(reader.parts, facts_of(plan, part), calibrating) for part in plan.parts)
    with executor_for(options.workers, options.scheduler) as executor:
        for done in each_done(calibrate_part, jobs, executor, in_flight=2 * options.workers):
            found.add(done)
    return found


class _Found:
    """What the parts found, summed as they finish."""

    def __init__(self, pairs: int) -> None:
        self.persons = self.stoppages = 0
        self.noise = [0] * pairs
        self.touched: dict[str, int] = {}
        self.shared: dict[str, int] = {}
        self.categories = pd.Series(dtype="int64")

    def add(self, done: PartCalibrated) -> None:
        self.persons += done.persons
        self.stoppages += done.stoppages
        if done.noise:  # a part of no stoppage compares nothing
            self.noise = [mine + theirs for mine, theirs in zip(self.noise, done.noise, strict=True)]
        for defect, count in done.touched.items():
            self.touched[defect] = self.touched.get(defect, 0) + count
            self.shared[defect] = self.shared.get(defect, 0) + done.shared[defect]
        self.categories = self.categories.add(done.categories, fill_value=0).astype("int64")


def _described_run(
    reader: ExtractReader,
    plan: ExtractPlan,
    header: dict[str, object],
    extraction: dt.date,
    options: CalibrationOptions,
    engines: dict[EngineSpec, ComputingEngine],
) -> dict[str, object]:
    """What every defect's run records alike, as a shadow run of the extract records it."""
    caisse = str(header.get("caisse", ""))
    declared = {getattr(engines[spec], "parameters_version", "") for spec in (options.control, options.referee)}
    chosen = ShadowOptions(
        control=options.control,
        referee=options.referee,
        workers=options.workers,
        copybook=options.copybook,
        scheduler=options.scheduler,
    )
    return {
        "extract_path": str(reader.path.resolve()),
        "extract_sha256": plan.sha256,
        "family": FAMILY,
        "caisse": int(caisse) if caisse.isdigit() else None,
        "extraction_date": extraction,
        "parameters_version": ",".join(sorted(v for v in declared if v))[:40],
        "waivers": record.waivers_of(Acceptances()),
        "options": chosen.to_dict() | {"partition_bytes": plan.chunk_bytes},
    }


def _detection(
    store: ScratchStore,
    defect: str,
    description: str,
    engines: dict[EngineSpec, ComputingEngine],
    options: CalibrationOptions,
    found: _Found,
    judge: Judge,
    step: Callable[[str], None],
) -> Detection:
    """The defect's run stored, judged, and what it shows of the stoppages the defect touches."""
    step(f"detection: {defect}")
    candidate = dataclasses.replace(DEFECTS, source=defect)
    roles = {CONTROL: options.control, CANDIDATE: candidate, REFEREE: options.referee}
    stored = store.store(
        defect,
        described_engines({role: (spec, engines[spec]) for role, spec in roles.items()}),
        {"persons": found.persons, "stoppages": found.stoppages},
        found.categories,
    )
    touched, shared = found.touched.get(defect, 0), found.shared.get(defect, 0)
    return _seen(defect, description, touched, shared, stored, judge(store.database, stored.run_id))


def _seen(defect: str, description: str, touched: int, shared: int, stored: StoredDefect, decision: str) -> Detection:
    divergences = stored.divergences
    visible = divergences[divergences[VISIBLE].to_numpy(dtype=bool)]
    signatures = stored.clusters.set_index("cluster")["signature"]
    flagged = visible[record.unresolved(visible)] if len(visible) else visible
    return Detection(
        defect=defect,
        description=description,
        touched=touched,
        shared_with_control=shared,
        flagged=flagged["number"].nunique(),
        missed=tuple(sorted(set(visible["number"]) - set(flagged["number"]))),
        clusters=tuple(sorted(set(visible["cluster"].map(signatures).dropna()))),
        verdicts={str(k): int(v) for k, v in visible["verdict"].value_counts().items()},
        decision=decision,
    )
