"""Calibration on the shipped sample: no noise, and every defect of the 2024 pilot the sample can show caught.

The stoppages each injected defect touches are checked against the sample generator's own simulation
of those defects (sample_data/new_system_441_defects.csv: an independent implementation), not against
the injectors' output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bascule.cli import cli
from bascule.compare.calibration import Calibration, CalibrationOptions, calibrate
from bascule.engines.interface import EngineError, EngineSpec
from bascule.reports.policy import load_policy
from bascule.reports.signoff import PolicyJudge
from tests.conftest import SAMPLE, sample_plan

EXTRACT = SAMPLE / "progres_441_latin1.dat"
NEW_SYSTEM = EngineSpec("external", str(SAMPLE / "new_system_441.csv"))
PLANTED = pd.read_csv(SAMPLE / "new_system_441_defects.csv").groupby("defect")["stoppage"].nunique()


@pytest.fixture(scope="module")
def calibrated() -> Calibration:
    return calibrate(EXTRACT, CalibrationOptions(candidate=NEW_SYSTEM), PolicyJudge(load_policy()))


def test_the_control_the_referee_and_the_candidate_against_themselves_show_no_noise(calibrated: Calibration) -> None:
    assert [n.pair.split(" against ")[0] for n in calibrated.noise] == ["progres-replay", "reference", str(NEW_SYSTEM)]
    assert all(n.stoppages == sample_plan()["AR"] and n.divergent == 0 for n in calibrated.noise)
    assert calibrated.noiseless


def test_each_planted_defect_touches_the_stoppages_the_generator_changed(calibrated: Calibration) -> None:
    found = {d.defect: d.touched for d in calibrated.detections}
    assert {name: found[name] for name in PLANTED.index} == PLANTED.to_dict()


def test_every_defect_the_sample_can_show_is_caught_with_a_no_go(calibrated: Calibration) -> None:
    present = [d for d in calibrated.detections if d.present]
    assert len(present) == len(calibrated.detections) - 1  # the sample has no prenatal rest covered twice
    for d in present:
        assert d.caught and d.flagged == d.visible and d.decision == "NO-GO" and not d.missed, d
        assert d.clusters and set(d.verdicts) <= {"regression", "unexplained"}, d
    assert calibrated.powerful and calibrated.exit_code == 0


def test_a_defect_the_corpus_cannot_show_says_so(calibrated: Calibration) -> None:
    absent = next(d for d in calibrated.detections if d.defect == "prenatal_rest_paid_twice")
    assert (absent.touched, absent.present, absent.caught) == (0, False, False)


def test_advances_the_legacy_never_settled_either_are_invisible_against_it(calibrated: Calibration) -> None:
    from tests.conftest import unregularised_advances

    advances = next(d for d in calibrated.detections if d.defect == "advances_unregularised")
    assert advances.shared_with_control == len(unregularised_advances())
    assert advances.visible == advances.flagged > 0


def test_a_policy_that_never_says_no_go_makes_the_harness_blind(tmp_path: Path) -> None:
    blind = tmp_path / "blind.yaml"
    criteria = ["max_underpayment_cents_per_person", "max_unresolved_share", "max_unresolved_share_per_category"]
    blind.write_text("criteria:\n" + "".join(f"  {name}: null\n" for name in criteria), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["calibrate", str(EXTRACT), "--defects", "part_time_unpaid", "--policy", str(blind), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    detection = json.loads(result.output)["detections"][0]
    assert (detection["flagged"], detection["decision"], detection["caught"]) == (
        PLANTED["part_time_unpaid"],
        "GO",
        False,
    )


def test_calibrate_renders_text_and_html_and_refuses_an_unknown_defect(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    text = runner.invoke(cli, ["calibrate", str(EXTRACT), "--defects", "work_accident_unsettled"])
    assert text.exit_code == 0, text.output
    assert "no noise" in text.output and "every defect this corpus can show is caught" in text.output
    page = tmp_path / "calibration.html"
    html = runner.invoke(
        cli,
        ["calibrate", str(EXTRACT), "--defects", "work_accident_unsettled", "--format", "html", "--output", str(page)],
    )
    assert html.exit_code == 0 and "work_accident_unsettled" in page.read_text(encoding="utf-8")
    unknown = runner.invoke(cli, ["calibrate", str(EXTRACT), "--defects", "tpyo"])
    assert unknown.exit_code == 2 and "no defect named tpyo" in unknown.output
    with pytest.raises(EngineError):
        calibrate(EXTRACT, CalibrationOptions(defects="tpyo"), PolicyJudge(load_policy()))
