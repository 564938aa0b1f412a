"""The worklist for case workers: one row per divergent stoppage, pseudonymised unless asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bascule.compare.runs import load_run
from bascule.privacy import pseudonym
from bascule.reports.worklist import WorklistError, worklist, write_worklist
from tests.reports.conftest import KEY, DryRun


def test_one_row_per_divergent_stoppage_underpaid_first_with_what_to_check(no_go: DryRun) -> None:
    stored = load_run(no_go.database, no_go.run_id)
    found = worklist(stored, no_go.database)
    assert len(found) == len(stored.divergences) and found["stoppage"].is_unique
    assert found["direction"].iloc[0] == "underpayment"
    assert (found["what_to_check"] != "").all()
    assert "nir" not in found and not set(stored.divergences["nir"]) & set(found["person"])
    nir = stored.divergences.set_index("number").loc[found["stoppage"].iloc[0], "nir"]
    assert found["person"].iloc[0] == pseudonym(nir, KEY.encode())  # a keyed hash, the same every time


def test_identities_for_authorised_use_come_from_the_migrated_model(no_go: DryRun) -> None:
    stored = load_run(no_go.database, no_go.run_id)
    found = worklist(stored, no_go.database, show_identities=True)
    assert dict(zip(found["stoppage"], found["nir"], strict=True)) == dict(
        zip(stored.divergences["number"], stored.divergences["nir"], strict=True)
    )
    assert found["last_name"].notna().all() and found["first_name"].notna().all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_the_worklist_is_written_in_each_format(no_go: DryRun, tmp_path: Path, suffix: str) -> None:
    found = worklist(load_run(no_go.database, no_go.run_id), no_go.database)
    output = tmp_path / f"worklist{suffix}"
    write_worklist(found, output)
    read = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix](output)
    assert list(read["stoppage"]) == list(found["stoppage"])
    assert list(read["at_stake_cents"]) == list(found["at_stake_cents"])


def test_an_unknown_format_is_refused(no_go: DryRun, tmp_path: Path) -> None:
    with pytest.raises(WorklistError, match=".csv, .parquet or .xlsx"):
        write_worklist(worklist(load_run(no_go.database, no_go.run_id), no_go.database), tmp_path / "w.ods")
