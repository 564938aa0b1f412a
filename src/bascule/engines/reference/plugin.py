"""The reference engine behind the engine interface: ``reference`` or ``reference:truncate``."""

from __future__ import annotations

import hashlib

import bascule
from bascule.engines.interface import Batch, EngineError
from bascule.engines.ledger import Ledger
from bascule.engines.reference.engine import compute_reference
from bascule.engines.reference.exact import Rounding
from bascule.engines.reference.parameters import FILES


def parameters_version() -> str:
    """A digest of the shipped parameter files: which legal values a run used."""
    digest = hashlib.sha256()
    for file in sorted(FILES.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".yaml"):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


class ReferenceEngine:
    name = "reference"
    traces = True

    def __init__(self, rounding: str = Rounding.HALF_UP.value) -> None:
        try:
            self.rounding = Rounding(rounding)
        except ValueError:
            choices = ", ".join(r.value for r in Rounding)
            raise EngineError(f"reference:{rounding}: the rounding must be one of {choices}") from None
        self.parameters_version = parameters_version()
        self.version = f"{bascule.__version__}+parameters.{self.parameters_version}"

    def compute(self, batch: Batch) -> Ledger:
        return compute_reference(batch.rows, batch.extraction_date, self.rounding)
