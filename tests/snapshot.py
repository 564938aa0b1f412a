"""Snapshot files of rendered reports: compared as text, regenerated on purpose with BASCULE_REGEN_SNAPSHOTS=1."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "snapshots"


def snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("BASCULE_REGEN_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; create it with BASCULE_REGEN_SNAPSHOTS=1 pytest"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; if the change is intended, regenerate with BASCULE_REGEN_SNAPSHOTS=1"
    )
