"""The migration's findings: SU periods outside their stoppage chain are migrated, and said when they share no day.

docs/RULES.md section 6: an employer declares subrogation for as long as it
keeps paying the salary, which may run past the stoppage's end; only the
days of the chain count, and a period sharing no day with its chain changes
nothing. Such records are never rejected; the ones sharing no day are a
finding of the migration, counted and shown, outside the books.

Each test edits the independent vectors (their content file gives the
stoppage's days, the attestation and the stoppage number): expected values
come from the edit and from that file, never from bascule's output.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bascule.cli import cli
from bascule.errors import EXIT_OK
from bascule.migrate.migration import migrate_extract
from bascule.migrate.model import SubrogationPeriod
from bascule.migrate.reconcile import Reconciliation
from bascule.reports.migration import render_reconciliation
from tests.conftest import VECTORS
from tests.legacy_adapters.extract_bytes import ExtractBytes
from tests.migrate.test_validate import one_person

CONTENT = json.loads((VECTORS / "vectors_content.json").read_text())
STOPPAGE = next(r for r in CONTENT if r["type"] == "AR" and r["PRG-NUM-ARRET"] == "V000000001")
PERIOD = next(r for r in CONTENT if r["type"] == "SU")
SU = 6  # the record index of the vectors' only SU record, on stoppage V000000001
FINDING = "subrogation_outside_chain"


def day(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y%m%d").date()


FIRST, LAST = day(STOPPAGE["AR-DATE-DEBUT"]), day(STOPPAGE["AR-DATE-FIN"])  # the chain of V000000001 alone
ONE_DAY = dt.timedelta(days=1)


def with_period(start: dt.date, end: dt.date) -> ExtractBytes:
    return ExtractBytes.of(VECTORS / "vectors_latin1.dat").set(SU, "SU-DATE-DEBUT", start).set(SU, "SU-DATE-FIN", end)


def migrate(extract: ExtractBytes, database: str, tmp_path: Path) -> Reconciliation:
    return migrate_extract(extract.write(tmp_path / "extract.dat"), database)


def migrated_period(database: str, run_id: int) -> tuple[dt.date, dt.date]:
    with Session(create_engine(database)) as session:
        period = session.scalars(
            select(SubrogationPeriod).where(SubrogationPeriod.run_id == run_id, SubrogationPeriod.record_index == SU)
        ).one()
    return period.start_date, period.end_date


def assert_whole_and_balanced(books: Reconciliation) -> None:
    assert books.rejected == 0 and books.rejects_by_reason == {}
    assert books.balanced, books.differences
    assert {c.record_type: (c.read, c.migrated) for c in books.counts}["SU"] == (1, 1)


def test_a_period_running_past_the_chain_is_migrated_and_not_reported(database: str, tmp_path: Path) -> None:
    start, end = day(PERIOD["SU-DATE-DEBUT"]), LAST + dt.timedelta(days=51)  # the employer pays on after the end
    books = migrate(with_period(start, end), database, tmp_path)
    assert_whole_and_balanced(books)
    assert migrated_period(database, books.run_id) == (start, end)  # kept as declared: only the days count
    assert books.findings == {}
    assert books.to_dict()["findings"] == {}


def test_a_period_sharing_no_day_is_migrated_and_reported_with_its_record(database: str, tmp_path: Path) -> None:
    start, end = LAST + 5 * ONE_DAY, LAST + 20 * ONE_DAY
    books = migrate(with_period(start, end), database, tmp_path)
    assert_whole_and_balanced(books)
    assert migrated_period(database, books.run_id) == (start, end)
    found = books.to_dict()["findings"]
    assert found == {
        FINDING: {
            "records": 1,
            "examples": [
                {
                    "record_index": SU,
                    "attestation_id": PERIOD["SU-SA-ID"],
                    "stoppage": STOPPAGE["PRG-NUM-ARRET"],
                    "start_date": start.isoformat(),
                    "end_date": end.isoformat(),
                    "chain_first_day": FIRST.isoformat(),
                    "chain_last_day": LAST.isoformat(),
                }
            ],
        }
    }
    again = migrate_extract(tmp_path / "extract.dat", database)  # read back from the database, not from memory
    assert again.outcome == "already migrated" and again.to_dict()["findings"] == found


@pytest.mark.parametrize(
    ("start", "end", "reported"),
    [
        (FIRST - 10 * ONE_DAY, FIRST - ONE_DAY, True),  # ends the day before the chain's first day
        (FIRST - 10 * ONE_DAY, FIRST, False),  # ends on the chain's first day: one day shared
        (LAST + ONE_DAY, LAST + 10 * ONE_DAY, True),  # starts the day after the chain's last day
        (LAST, LAST + 10 * ONE_DAY, False),  # starts on the chain's last day
        (FIRST - ONE_DAY, LAST + ONE_DAY, False),  # covers the whole chain and more
    ],
)
def test_a_period_is_reported_only_when_it_shares_no_day(
    database: str, tmp_path: Path, start: dt.date, end: dt.date, reported: bool
) -> None:
    books = migrate(with_period(start, end), database, tmp_path)
    assert_whole_and_balanced(books)
    assert migrated_period(database, books.run_id) == (start, end)
    examples = books.findings[FINDING].examples if FINDING in books.findings else ()
    assert [e["record_index"] for e in examples] == ([SU] if reported else [])


def test_the_chain_includes_its_extensions_but_not_cancelled_stoppages(database: str, tmp_path: Path) -> None:
    """The period lies in the extension's days: they count, unless the extension is cancelled."""
    extension_start = LAST + ONE_DAY
    extension = next(r for r in CONTENT if r["type"] == "AR" and r["PRG-NUM-ARRET"] == "V000000002")
    assert day(extension["AR-DATE-FIN"]) > extension_start + ONE_DAY  # the period lies in the extension's days

    def extract() -> ExtractBytes:
        vectors = one_person(ExtractBytes.of(VECTORS / "vectors_latin1.dat"))  # V000000002 is now record 10
        vectors.set(10, "AR-ARRET-INITIAL", "V000000001").set(10, "AR-DATE-DEBUT", extension_start)
        return vectors.set(SU, "SU-DATE-DEBUT", extension_start).set(SU, "SU-DATE-FIN", extension_start + ONE_DAY)

    books = migrate(extract(), database, tmp_path)
    assert_whole_and_balanced(books)
    assert books.findings == {}

    cancelled = extract().set(10, "AR-STATUT", "A")
    books = migrate_extract(cancelled.write(tmp_path / "cancelled.dat"), database)
    assert_whole_and_balanced(books)
    (example,) = books.findings[FINDING].examples
    assert example["record_index"] == SU
    # the cancelled extension's days are not the chain's
    assert (example["chain_first_day"], example["chain_last_day"]) == (FIRST.isoformat(), LAST.isoformat())


def test_replace_keeps_the_findings_of_the_new_run_only(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'x.db'}"
    path = with_period(LAST + ONE_DAY, LAST + 2 * ONE_DAY).write(tmp_path / "extract.dat")
    first = migrate_extract(path, database)
    replaced = migrate_extract(path, database, replace=True)
    assert replaced.run_id != first.run_id
    assert replaced.findings[FINDING].records == 1


def test_migrate_reports_the_finding_in_text_and_json_and_exits_0(tmp_path: Path) -> None:
    """A finding is information: the books balance, nothing is rejected, the exit code is 0."""
    start, end = LAST + 3 * ONE_DAY, LAST + 9 * ONE_DAY
    path = with_period(start, end).write(tmp_path / "extract.dat")
    database = str(tmp_path / "x.db")
    result = CliRunner().invoke(cli, ["migrate", str(path), "--db", database, "--format", "json"])
    assert result.exit_code == EXIT_OK, result.output
    document = json.loads(result.output)
    assert document["balanced"] and document["rejected"] == 0 and document["differences"] == []
    assert document["findings"][FINDING]["records"] == 1
    assert document["findings"][FINDING]["examples"][0]["record_index"] == SU

    text = CliRunner().invoke(cli, ["migrate", str(path), "--db", database])
    assert text.exit_code == EXIT_OK
    console = Console(width=200, color_system=None, file=io.StringIO())
    render_reconciliation(migrate_extract(path, database), console)
    shown = console.file.getvalue()
    assert f"Finding {FINDING}: 1 migrated" in shown
    row = next(line for line in shown.splitlines() if PERIOD["SU-SA-ID"] in line)
    for part in (str(SU), STOPPAGE["PRG-NUM-ARRET"], start.isoformat(), end.isoformat(), FIRST.isoformat()):
        assert part in row, (part, row)
