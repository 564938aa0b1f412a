"""Engines behind one interface, found through the ``bascule.engines`` entry-point group.

An engine is named on the command line as ``NAME`` or ``NAME:SOURCE``
(``external:results.parquet``); the entry point ``NAME`` gives a class (or
any callable) taking the source, or nothing, and returning an
:class:`Engine`. bascule registers its own engines the same way, in its
``pyproject.toml``, so a third party's engine is a package that declares::

    [project.entry-points."bascule.engines"]
    my-engine = "my_package.engine:MyEngine"
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from bascule.engines.ledger import Ledger
from bascule.errors import BasculeError

GROUP = "bascule.engines"


class EngineError(BasculeError):
    """An engine cannot be found, built, or cannot compute."""


@dataclass(frozen=True)
class Batch:
    """What an engine computes: the new model's rows of some whole persons, and the extraction date."""

    rows: dict[str, pd.DataFrame]
    extraction_date: dt.date

    @property
    def numbers(self) -> pd.Series:
        """The stoppage numbers of the batch."""
        return self.rows["AR"]["number"]


@runtime_checkable
class Engine(Protocol):
    # read-only: an engine may be a frozen dataclass (plain data, so it travels to the workers)
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def traces(self) -> bool: ...  # its ledger lines name the rules that shaped them

    def compute(self, batch: Batch) -> Ledger: ...


@runtime_checkable
class PartEngines(Protocol):
    """An engine for each part of a run: ``of(part)`` computes that part alone (it travels to the workers)."""

    def of(self, part: int) -> Engine: ...


@runtime_checkable
class SplitsByPart(Protocol):
    """An engine that reads its results from a source, and can split them by part once for the workers."""

    def split(self, numbers: np.ndarray, parts: np.ndarray, folder: Path) -> PartEngines: ...


@dataclass(frozen=True)
class EngineSpec:
    """An engine as named by the user: ``NAME`` or ``NAME:SOURCE``; plain data, so it travels to workers."""

    name: str
    source: str = ""

    @classmethod
    def parse(cls, text: str) -> EngineSpec:
        name, _, source = text.partition(":")
        return cls(name.strip(), source.strip())

    def __str__(self) -> str:
        return f"{self.name}:{self.source}" if self.source else self.name


def available() -> list[str]:
    return sorted(e.name for e in entry_points(group=GROUP))


def load_engine(spec: EngineSpec) -> Engine:
    """The engine a spec names, built with its source."""
    found = [e for e in entry_points(group=GROUP) if e.name == spec.name]
    if not found:
        raise EngineError(f"no engine named {spec.name!r}: bascule knows {', '.join(available())}")
    factory = found[0].load()
    engine = factory(spec.source) if spec.source else factory()
    if not isinstance(engine, Engine):
        raise EngineError(f"the engine {spec.name!r} ({found[0].value}) lacks name, version, traces or compute()")
    return engine
