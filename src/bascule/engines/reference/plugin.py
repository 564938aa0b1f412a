"""The reference engine behind the engine interface: ``reference``, or ``reference:CONVENTIONS`` (R, G, P)."""

from __future__ import annotations

import hashlib

import bascule
from bascule.engines.interface import Batch, EngineError
from bascule.engines.ledger import Ledger
from bascule.engines.reference.conventions import ConventionError, Conventions
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.parameters import FILES


def parameters_version() -> str:
    """A digest of the shipped parameter files: which legal values a run used."""
    digest = hashlib.sha256()
    for file in sorted(FILES.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".yaml"):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


class ReferenceEngine:
    """``reference``, ``reference:truncate``, ``reference:rounding=truncate,gap=working_days``: see conventions."""

    name = "reference"
    traces = True

    def __init__(self, conventions: str = "") -> None:
        try:
            self.conventions = Conventions.parse(conventions)
        except ConventionError as exc:
            raise EngineError(f"reference:{conventions}: {exc}") from None
        self.parameters_version = parameters_version()
        self.version = f"{bascule.__version__}+parameters.{self.parameters_version}"

    def compute(self, batch: Batch) -> Ledger:
        return compute_reference(batch.rows, batch.extraction_date, self.conventions)
