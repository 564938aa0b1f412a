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


# ---------------------------------------------------------------- one pass
# The calibration is one pass over the extract, part by part; what it finds is checked against the way it was
# found before: the whole extract's ledgers in memory for the stoppages each defect touches, and a whole shadow
# run of defect:NAME, judged, for what the harness flagged of them.
def whole_extract_touched(extract: Path) -> dict[str, tuple[set[str], set[str]]]:
    """Per defect, the stoppages defect:NAME changes against the referee, and those the control pays alike."""
    from bascule.compare.diff import Comparison, compare
    from bascule.compare.due import SETTLEMENT_LAG_DAYS, horizons
    from bascule.engines.defects import INJECTORS
    from bascule.engines.inputs import rows_from_extract
    from bascule.engines.interface import Batch, load_engine

    rows, extraction = rows_from_extract(extract)
    batch = Batch(rows, extraction)
    control = load_engine(EngineSpec("progres-replay")).compute(batch)
    correct = load_engine(EngineSpec("reference")).compute(batch)
    how = Comparison(horizons(rows["AR"], control, extraction, SETTLEMENT_LAG_DAYS))
    found = {}
    for name in INJECTORS:
        injected = load_engine(EngineSpec("defect", name)).compute(batch)  # the reference computed again
        touched = set(compare(correct, injected, how)["number"])
        against_control = compare(control, injected, how)
        # the referee says what is owed, never when: a day paid later than the legacy paid it is touched
        touched |= set(against_control.loc[against_control["late_cents"] > 0, "number"])
        found[name] = (touched, touched - set(against_control["number"]))
    return found


@pytest.fixture(scope="module")
def touched() -> dict[str, tuple[set[str], set[str]]]:
    return whole_extract_touched(EXTRACT)


def test_each_defect_touches_what_the_whole_extracts_ledgers_show(
    calibrated: Calibration, touched: dict[str, tuple[set[str], set[str]]]
) -> None:
    found = {d.defect: (d.touched, d.shared_with_control) for d in calibrated.detections}
    assert found == {name: (len(mine), len(shared)) for name, (mine, shared) in touched.items()}


def test_the_planted_delay_is_caught_on_every_paternity_stoppage(calibrated: Calibration) -> None:
    from bascule.engines.inputs import rows_from_extract

    rows, _ = rows_from_extract(EXTRACT)
    paternity = int((rows["AR"]["nature"] == "PATERNITY").sum())  # all closed long before the extraction: all due
    late = next(d for d in calibrated.detections if d.defect == "paternity_paid_late")
    assert (late.touched, late.shared_with_control, late.flagged) == (paternity, 0, paternity)
    assert late.caught and late.decision == "NO-GO"


@pytest.mark.parametrize("defect", ["part_time_unpaid", "advances_unregularised"])
def test_a_defect_is_flagged_clustered_and_judged_as_its_own_shadow_run_is(
    calibrated: Calibration, touched: dict[str, tuple[set[str], set[str]]], defect: str, tmp_path: Path
) -> None:
    from bascule.compare.record import unresolved
    from bascule.compare.runner import ShadowOptions, shadow
    from bascule.compare.runs import load_run
    from bascule.compare.waivers import Acceptances
    from bascule.migrate.database import ensure_schema, open_database

    database = open_database(f"sqlite:///{tmp_path / 'runs.db'}")
    ensure_schema(database)
    options = ShadowOptions(candidate=EngineSpec("defect", defect), referee=EngineSpec("reference"), reuse=False)
    run_id = shadow(EXTRACT, options, Acceptances(), database, tmp_path / "runs", family="calibration")
    stored = load_run(database, run_id)
    mine, shared = touched[defect]
    visible = stored.divergences[stored.divergences["number"].isin(mine - shared)]
    flagged = visible[unresolved(visible)]
    signatures = stored.clusters.set_index("cluster")["signature"]
    detection = next(d for d in calibrated.detections if d.defect == defect)
    assert detection.flagged == flagged["number"].nunique() > 0
    assert detection.missed == tuple(sorted(mine - shared - set(flagged["number"])))
    assert set(detection.clusters) == set(visible["cluster"].map(signatures))
    assert detection.verdicts == visible["verdict"].value_counts().to_dict()
    assert detection.decision == PolicyJudge(load_policy())(database, run_id)
    database.dispose()


def test_parts_and_workers_change_nothing(calibrated: Calibration) -> None:
    several = CalibrationOptions(candidate=NEW_SYSTEM, workers=2, partition_bytes=200_000)  # five parts, a pool
    assert calibrate(EXTRACT, several, PolicyJudge(load_policy())).to_dict() == calibrated.to_dict()


def test_a_dask_cluster_calibrates_as_this_process_does(calibrated: Calibration) -> None:
    pytest.importorskip("distributed")  # the optional extra bascule[dask]
    defects = "part_time_unpaid,advances_unregularised"
    options = CalibrationOptions(defects=defects, scheduler="local:2", partition_bytes=300_000)
    on_dask = calibrate(EXTRACT, options, PolicyJudge(load_policy()))
    assert on_dask.noise == calibrated.noise[:2]
    assert on_dask.detections == tuple(d for d in calibrated.detections if d.defect in defects.split(","))


def test_a_defect_compared_on_the_stoppages_it_changed_finds_what_comparing_every_stoppage_finds() -> None:
    from pandas.testing import assert_frame_equal

    from bascule.compare.calibration_part import Calibrating, DefectRuns, Ledgers, _stoppages
    from bascule.compare.diff import Comparison
    from bascule.compare.due import SETTLEMENT_LAG_DAYS, horizons
    from bascule.engines.defects import INJECTORS
    from bascule.engines.inputs import rows_from_extract
    from bascule.engines.interface import Batch

    rows, extraction = rows_from_extract(EXTRACT)
    batch = Batch(rows, extraction)
    options = CalibrationOptions()
    calibrating = Calibrating(extraction, options.control, options.referee, (), (), SETTLEMENT_LAG_DAYS, "")
    ledgers = Ledgers(batch, {}, 0)
    horizon = horizons(rows["AR"], ledgers[options.control], extraction, SETTLEMENT_LAG_DAYS)
    runs = DefectRuns(ledgers, calibrating, _stoppages(batch, horizon), Comparison(horizon))
    for defect in INJECTORS:
        (found, unsupported, touched), (everywhere, unsupported_everywhere, touched_everywhere) = (
            runs.of(defect, restricted=True),
            runs.of(defect, restricted=False),
        )
        assert touched == touched_everywhere, defect
        assert_frame_equal(found, everywhere, obj=defect)
        assert_frame_equal(unsupported, unsupported_everywhere, obj=defect)
