"""The evidence pack: its manifest's hashes recomputed independently, and the chain of a family's runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
from progres_synth.new_system import DEFECTS, simulate

from bascule.engines.inputs import rows_from_extract
from bascule.engines.interface import EngineSpec
from bascule.reports.evidence import write_evidence
from bascule.reports.history import diff_runs, list_runs
from bascule.reports.policy import load_policy
from bascule.reports.signoff import sign_off
from tests.conftest import unregularised_advances
from tests.reports.conftest import EXTRACT, DryRun, run_dry


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_manifest_names_the_hash_of_every_input_and_output(no_go: DryRun, tmp_path: Path) -> None:
    report = sign_off(no_go.database, no_go.run_id, load_policy())
    pack = write_evidence(no_go.database, report, tmp_path / "evidence")
    manifest = json.loads(pack.manifest.read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["policy.yaml", "report.html", "report.json", "report.txt"]
    for name, digest in manifest["files"].items():
        assert sha256(tmp_path / "evidence" / name) == digest, name
    assert manifest["extract"]["sha256"] == sha256(EXTRACT)
    candidate = manifest["engines"]["candidate"]
    assert candidate["source_sha256"] == sha256(Path(candidate["spec"].removeprefix("external:")))
    assert manifest["decision"] == "NO-GO" and manifest["parameters_version"]
    assert pack.sha256 == sha256(pack.manifest)
    assert json.loads((tmp_path / "evidence" / "report.json").read_text())["decision"] == "NO-GO"


def test_each_run_of_a_family_chains_to_the_previous_manifest(tmp_path: Path) -> None:
    first = run_dry(tmp_path, EngineSpec("progres-replay"))
    second_id = run_dry(tmp_path, EngineSpec("reference")).run_id
    one = write_evidence(first.database, sign_off(first.database, first.run_id, load_policy()), tmp_path / "one")
    two = write_evidence(first.database, sign_off(first.database, second_id, load_policy()), tmp_path / "two")
    assert json.loads(one.manifest.read_text())["previous_manifest_sha256"] is None
    assert json.loads(two.manifest.read_text())["previous_manifest_sha256"] == sha256(one.manifest)
    again = write_evidence(first.database, sign_off(first.database, first.run_id, load_policy()), tmp_path / "again")
    assert again.sha256 == one.sha256 and again.sealed_with is None  # the same run, the same pack
    assert list(list_runs(first.database)["sealed"]) == [True, True]


def test_diff_runs_sees_the_one_cluster_a_fix_release_closed(tmp_path: Path) -> None:
    fixed = tmp_path / "new_system_fixed.csv"
    rows, extraction = rows_from_extract(EXTRACT)
    results, _ = simulate(rows, extraction, tuple(name for name in DEFECTS if name != "part_time_unpaid"))
    results.to_csv(fixed, index=False)
    before = run_dry(
        tmp_path, EngineSpec("external", str(Path(__file__).parents[2] / "sample_data" / "new_system_441.csv"))
    )
    after = run_dry(tmp_path, EngineSpec("external", str(fixed))).run_id
    found = diff_runs(before.database, before.run_id, after)
    status = found.clusters.set_index("signature")["status"]
    assert list(status[status == "fixed"].index) == ["missing · underpayment · MAL/TP · stream SA"]
    assert (status != "new").all()
    defects = pd.read_csv(Path(__file__).parents[2] / "sample_data" / "new_system_441_defects.csv")
    part_time = set(defects.loc[defects["defect"] == "part_time_unpaid", "stoppage"])
    divergent = set(defects["stoppage"]) | unregularised_advances()
    assert found.stoppages == {"fixed": len(part_time), "new": 0, "still there": len(divergent - part_time)}
