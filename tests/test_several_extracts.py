"""`bascule dry-run EXTRACT EXTRACT…` or a folder: a run per extract, one report for the set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bascule.cli import cli
from tests.conftest import SAMPLE

EXTRACTS = [SAMPLE / "progres_441_cp1147.dat", SAMPLE / "progres_441_latin1.dat"]  # the same caisse, two files


def dry_run(tmp_path: Path, *args: str) -> tuple[int, str]:
    found = CliRunner().invoke(
        cli, ["dry-run", *args, "--db", str(tmp_path / "set.db"), "--workers", "1", "--format", "json"]
    )
    return found.exit_code, found.output


def test_a_folder_of_extracts_is_one_run_each_and_one_report_for_the_set(tmp_path: Path) -> None:
    folder = tmp_path / "extracts"
    folder.mkdir()
    for extract in EXTRACTS:
        shutil.copy(extract, folder / extract.name)
    (folder / ".hidden").write_text("not an extract")  # hidden files are left out
    code, output = dry_run(tmp_path, str(folder))
    assert code == 1, output  # NO-GO: the set is GO only when every extract is
    found = json.loads(output)
    assert (found["decision"], found["extracts"], len(found["runs"])) == ("NO-GO", 2, 2)
    assert sorted(Path(run["extract"]["path"]).name for run in found["runs"]) == sorted(e.name for e in EXTRACTS)
    for key in ("compared", "divergent", "unresolved"):
        assert found["stoppages"][key] == sum(run["stoppages"][key] for run in found["runs"])
    assert found["at_stake_cents"] == sum(run["at_stake"]["total_cents"] for run in found["runs"])
    assert len({run["run_id"] for run in found["runs"]}) == 2


def test_extracts_named_one_by_one_give_the_same_set(tmp_path: Path) -> None:
    code, output = dry_run(tmp_path, *map(str, EXTRACTS))
    assert code == 1 and json.loads(output)["extracts"] == 2


def test_an_extract_given_twice_is_refused_before_any_work(tmp_path: Path) -> None:
    code, output = dry_run(tmp_path, str(EXTRACTS[0]), str(EXTRACTS[0]))
    assert code == 2 and "given twice" in output
    assert not (tmp_path / "set.db").exists()


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, output = dry_run(tmp_path, str(tmp_path / "empty"))
    assert code == 2 and "holds no extract" in output


def test_html_and_family_name_one_run_and_are_refused_with_several(tmp_path: Path) -> None:
    for option in (["--html", str(tmp_path / "r.html")], ["--family", "f"]):
        code, output = dry_run(tmp_path, *map(str, EXTRACTS), *option)
        assert code == 2 and option[0] in output, output
    assert not (tmp_path / "set.db").exists()
