"""The library's front door: a dry run or a shadow run in one call, returned as a value.

``bascule.dry_run(...)`` and ``bascule.shadow(...)`` check every input,
run, and return a frozen result: the decision, the counts, the
divergences, clusters and unsupported streams, the timings; ``to_dict()``
for JSON, ``exit_code`` for scripts, and a rich rendering (``rich.print``
a result). The run store keeps every run (reports read it later); storing
is a sink the runners write to, not what they return.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from bascule.compare.runner import ShadowOptions
from bascule.compare.runner import shadow as shadow_run
from bascule.compare.runs import StoredRun, load_run
from bascule.compare.waivers import Acceptances, load_waivers
from bascule.defaults import DEFAULT_DATABASE
from bascule.engines.interface import EngineSpec
from bascule.errors import EXIT_FINDINGS, EXIT_OK
from bascule.legacy_adapters.reader import ExtractReader
from bascule.migrate.database import ensure_schema, open_database
from bascule.pipeline import dry_run as dry_run_pass
from bascule.reports.policy import GO, load_policy
from bascule.reports.shadow import render_shadow, shadow_to_dict
from bascule.reports.signoff import SignOff, render_signoff, sign_off, signoff_to_dict

Engine = str | EngineSpec


@dataclass(frozen=True)
class ShadowResult:
    """A shadow run: every stoppage under control, candidate (and referee), compared."""

    run_id: int
    persons: int
    stoppages: int
    divergent: int
    accepted: int
    unresolved: int
    divergences: pd.DataFrame
    clusters: pd.DataFrame
    unsupported: pd.DataFrame
    timings: Mapping[str, float]
    stored: StoredRun

    @classmethod
    def of(cls, stored: StoredRun) -> ShadowResult:
        run = stored.run
        return cls(
            run_id=run.id,
            persons=run.persons,
            stoppages=run.stoppages,
            divergent=run.divergent,
            accepted=run.accepted,
            unresolved=run.unresolved,
            divergences=stored.divergences,
            clusters=stored.clusters,
            unsupported=stored.unsupported,
            timings=MappingProxyType(dict(run.timings or {})),
            stored=stored,
        )

    @property
    def exit_code(self) -> int:
        """1 when a divergence is neither accepted nor a legacy defect the candidate fixed, else 0."""
        return EXIT_FINDINGS if self.unresolved else EXIT_OK

    def to_dict(self, reveal: bool = False) -> dict[str, object]:
        """The JSON form of ``bascule shadow --format json``."""
        return shadow_to_dict(self.stored, reveal)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield _rendered(lambda into: render_shadow(self.stored, into), console, options)


@dataclass(frozen=True)
class DryRunResult(ShadowResult):
    """A dry run: the shadow run of the migrated extract, and the decision of the policy over it."""

    decision: str
    signoff: SignOff

    @property
    def exit_code(self) -> int:
        """0 for GO, 1 for NO-GO."""
        return EXIT_OK if self.decision == GO else EXIT_FINDINGS

    def to_dict(self, reveal: bool = False) -> dict[str, object]:
        """The JSON form of ``bascule dry-run --format json`` (the sign-off)."""
        return signoff_to_dict(self.signoff)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield _rendered(lambda into: render_signoff(self.signoff, into), console, options)


def shadow(
    extract: str | Path,
    *,
    control: Engine = "progres-replay",
    candidate: Engine = "reference",
    referee: Engine | None = None,
    waivers: str | Path | None = None,
    database: str = DEFAULT_DATABASE,
    store: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    copybook: str | Path | None = None,
) -> ShadowResult:
    """Compute every stoppage of ``extract`` under the engines, compare day by day, store and return the run."""
    options = ShadowOptions(
        _spec(control),
        _spec(candidate),
        _spec(referee) if referee else None,
        workers,
        copybook=str(copybook) if copybook else None,
        scheduler=scheduler,
    )
    ExtractReader(extract, copybook=copybook)  # every input checked before the database is opened (or made)
    acceptances = load_waivers(Path(waivers) if waivers else None)
    engine = open_database(database)
    ensure_schema(engine)
    given = Path(store) if store else None  # else the database's run store (bascule.compare.run_store)
    return ShadowResult.of(load_run(engine, shadow_run(extract, options, acceptances, engine, given)))


def dry_run(
    extract: str | Path,
    *,
    candidate: Engine = "reference",
    policy: str | Path | None = None,
    waivers: str | Path | None = None,
    database: str = DEFAULT_DATABASE,
    store: str | Path | None = None,
    family: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    copybook: str | Path | None = None,
    calibrate: bool = False,
    acceptances: Acceptances | None = None,
) -> DryRunResult:
    """The main job on ``extract``: read, migrate, verify, shadow-run with the reference as referee, decide.

    ``acceptances`` (waivers already loaded, e.g. merged with the run store's) replaces ``waivers``.
    """
    chosen = load_policy(Path(policy) if policy else None)
    accepted = acceptances if acceptances is not None else load_waivers(Path(waivers) if waivers else None)
    options = ShadowOptions(
        EngineSpec("progres-replay"),
        _spec(candidate),
        EngineSpec("reference"),
        workers,
        copybook=str(copybook) if copybook else None,
        scheduler=scheduler,
    )
    run_id = dry_run_pass(
        extract,
        database,
        options,
        accepted,
        Path(store) if store else None,
        family,
        calibrate_under=chosen if calibrate else None,
    )
    engine = open_database(database)
    found = sign_off(engine, run_id, chosen).stamped()  # a copy handed out: it says when it was made
    shadowed = ShadowResult.of(load_run(engine, run_id))
    fields: dict[str, Any] = {name: getattr(shadowed, name) for name in ShadowResult.__dataclass_fields__}
    return DryRunResult(**fields, decision=found.decision, signoff=found)


def _rendered(render: Callable[[Console], None], console: Console, options: ConsoleOptions) -> Text:
    """What a report renderer prints, as one renderable for the console printing the result."""
    printed = io.StringIO()
    into = Console(
        file=printed,
        width=options.max_width,
        color_system=_color_system(console),
        force_terminal=console.is_terminal,
        no_color=console.no_color,
    )
    render(into)
    return Text.from_ansi(printed.getvalue())


def _color_system(console: Console) -> Literal["standard", "256", "truecolor", "windows"] | None:
    """The console's colour system, as ``Console(color_system=...)`` takes it (None: no colour)."""
    match console.color_system:
        case "standard" | "256" | "truecolor" | "windows" as name:
            return name
    return None


def _spec(engine: Engine) -> EngineSpec:
    return engine if isinstance(engine, EngineSpec) else EngineSpec.parse(engine)
