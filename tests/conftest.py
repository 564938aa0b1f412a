"""Shared fixtures: where the test data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
VECTORS = DATA / "vectors"


@pytest.fixture(params=["latin1", "cp1147"])
def vector_file(request: pytest.FixtureRequest) -> Path:
    """The independent test vectors, in each encoding."""
    return VECTORS / f"vectors_{request.param}.dat"
