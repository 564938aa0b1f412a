"""Fixtures of the durability tests: an extract long enough to signal a command while its workers compute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.durability.processes import Command, keeping_track

LONGER_PERSONS = 1500  # about 5 MB: a shadow run of 1 MB parts keeps two workers busy for seconds


@pytest.fixture(scope="session")
def longer_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic extract five times the shipped sample's size (same generator, another seed)."""
    from progres_synth import ENCODINGS, write_extract

    path = tmp_path_factory.mktemp("longer") / "progres_441_latin1.dat"
    write_extract(path, 16, LONGER_PERSONS, ENCODINGS["latin1"])
    return path


@pytest.fixture
def track() -> Iterator[Callable[[Command], Command]]:
    """Keep every command a test starts; whatever the test's outcome, no process of theirs outlives it."""
    tracking, clean = keeping_track()
    yield tracking
    clean()
