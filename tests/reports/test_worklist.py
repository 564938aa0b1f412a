"""The worklist for case workers: one row per divergent stoppage, pseudonymised unless asked."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bascule.compare.runner import ShadowOptions
from bascule.compare.runs import load_run
from bascule.compare.waivers import Acceptances
from bascule.engines.interface import EngineSpec
from bascule.migrate.database import open_database
from bascule.pipeline import dry_run
from bascule.privacy import pseudonym
from bascule.reports.worklist import WorklistError, worklist, write_worklist
from tests.conftest import VECTORS
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


def test_a_stoppage_paid_late_shows_its_money_its_worst_delay_and_both_payment_dates(no_go: DryRun) -> None:
    """A000000004, paternity 15 Aug - 8 Sep 2024 at 100.36 € a day. The legacy paid 15-28 Aug on 31 Aug and
    29 Aug - 8 Sep on 14 Sep; the new system pays August on 15 Oct and September on 14 Nov (45 days after)."""
    found = worklist(load_run(no_go.database, no_go.run_id), no_go.database).set_index("stoppage")
    row = found.loc["A000000004"]
    assert (row["kinds"], row["direction"], row["at_stake_cents"]) == ("late", "late", 0)
    assert row["late_cents"] == 25 * 10036
    assert row["worst_delay_days"] == 61  # 1-8 Sep: 14 Nov against 14 Sep
    assert (row["legacy_paid_on"], row["new_system_paid_on"]) == (
        pd.Timestamp("2024-09-14"),
        pd.Timestamp("2024-11-14"),
    )
    assert pd.isna(row["advance_paid_on"])
    assert "later than the legacy" in row["what_to_check"]
    stake = load_run(no_go.database, no_go.run_id).divergences.set_index("number").loc["A000000004", "late_cent_days"]
    assert stake == 10036 * (14 * 45 + 3 * 31 + 8 * 61)  # 15-28 Aug 45 days late, 29-31 Aug 31, 1-8 Sep 61


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


def vector_persons() -> dict[str, dict[str, str]]:
    """Per stoppage number, its insured person as the independent vectors write them (AS, then its AR)."""
    found, person = {}, {}
    for record in json.loads((VECTORS / "vectors_content.json").read_text(encoding="utf-8")):
        if record["type"] == "AS":
            person = {"nir": record["PRG-NIR"], "last_name": record["AS-NOM"], "first_name": record["AS-PRENOM"]}
        elif record["type"] == "AR":
            found[record["PRG-NUM-ARRET"]] = person
    return found


@pytest.fixture(scope="module")
def vectors_run(tmp_path_factory: pytest.TempPathFactory) -> DryRun:
    """A dry run of the vectors against a new system that diverges on both persons' stoppages.

    V000000001: it pays none of the legacy's days; V000000002 (open, nothing due yet): another rights end.
    """
    folder = tmp_path_factory.mktemp("vectors")
    results = folder / "new_system.csv"
    results.write_text(
        "stoppage,scheme,payee_kind,payee_siret,first_day,last_day,daily_cents,rights_end\n"
        "V000000002,SA,insured,,2025-01-02,2025-01-03,1000,2025-06-30\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{folder / 'bascule.db'}"
    options = ShadowOptions(candidate=EngineSpec("external", str(results)))
    run_id = dry_run(VECTORS / "vectors_latin1.dat", url, options, Acceptances())
    return DryRun(open_database(url), url, run_id)


def test_identities_shown_are_each_persons_own_nir_and_names(vectors_run: DryRun) -> None:
    """Accented names, a Corsican NIR: every person column holds that person's value, none swapped."""
    persons = vector_persons()
    found = worklist(load_run(vectors_run.database, vectors_run.run_id), vectors_run.database, show_identities=True)
    assert sorted(found["stoppage"]) == sorted(persons) == ["V000000001", "V000000002"]
    assert list(found.columns[:4]) == ["person", "nir", "last_name", "first_name"]
    for row in found.to_dict("records"):
        expected = persons[row["stoppage"]]
        assert {key: row[key] for key in expected} == expected, row["stoppage"]
        assert row["person"] == pseudonym(expected["nir"], KEY.encode())
    assert dict(zip(found["stoppage"], found["last_name"], strict=True)) == {
        "V000000001": "DE LA FONTAINE-ÉLÉONORE",
        "V000000002": "OZIL",
    }
    assert dict(zip(found["stoppage"], found["first_name"], strict=True)) == {
        "V000000001": "JOSÉ",
        "V000000002": "ANGE",
    }


def test_identities_masked_leave_only_each_persons_pseudonym(vectors_run: DryRun) -> None:
    persons = vector_persons()
    found = worklist(load_run(vectors_run.database, vectors_run.run_id), vectors_run.database)
    assert not {"nir", "last_name", "first_name"} & set(found.columns)
    assert dict(zip(found["stoppage"], found["person"], strict=True)) == {
        number: pseudonym(person["nir"], KEY.encode()) for number, person in persons.items()
    }
    shown = {str(value) for value in found.to_numpy().ravel()}
    secrets = {person[key] for person in persons.values() for key in ("nir", "last_name", "first_name")}
    assert not any(secret in value for secret in secrets for value in shown)


def test_the_xlsx_worklist_has_typed_cells_widths_a_frozen_header_and_filters(no_go: DryRun, tmp_path: Path) -> None:
    """Read back with openpyxl: money in euros as numbers with its format, to the cent; dates as dates."""
    from decimal import Decimal

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    stored = load_run(no_go.database, no_go.run_id)
    found = worklist(stored, no_go.database)
    write_worklist(found, tmp_path / "w.xlsx")
    sheet = load_workbook(tmp_path / "w.xlsx")["worklist"]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header == list(found.columns) and all(c.font.bold for c in rows[0])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}{len(stored.divergences) + 1}"
    truth = stored.divergences.set_index("number")
    column = {name: position for position, name in enumerate(header)}
    for row in rows[1:]:
        divergence = truth.loc[row[column["stoppage"]].value]
        money, cents = row[column["at_stake"]], row[column["at_stake_cents"]]
        assert money.data_type == "n" and "0.00" in money.number_format and "€" in money.number_format
        # the number read back is the double nearest to the exact euros: its shortest form is the amount to the cent
        assert Decimal(repr(money.value)) == Decimal(int(divergence["at_stake_cents"])) / 100
        assert cents.value == divergence["at_stake_cents"] and isinstance(cents.value, int)
        for day in ("first_day", "last_day"):
            cell, expected = row[column[day]], divergence[day]
            if pd.isna(expected):  # a divergence of advances only has no day
                assert cell.value is None
            else:
                assert cell.is_date and cell.value.date() == pd.Timestamp(expected).date()
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    for position, name in enumerate(header, start=1):
        assert len(name) < widths[get_column_letter(position)] <= 60
    longest_money = max(len(text) for text in found["at_stake"])  # "27,961.05 €" fits its column
    assert widths[get_column_letter(column["at_stake"] + 1)] > longest_money
