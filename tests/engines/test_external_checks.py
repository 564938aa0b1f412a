"""Results that can be read but cannot be right are refused with their file, lines and column, before any work.

Every case is a real file (CSV, and Parquet where its types differ) read by the
engine as a run reads it; the command line says it in one line and exits 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bascule.cli import cli
from bascule.engines.external import ExternalEngine, external_results
from bascule.engines.interface import EngineError
from tests.conftest import SAMPLE

SIRET = "73282932000074"  # a valid SIRET: 14 digits, Luhn key right
HEADER = "stoppage,scheme,payee_kind,payee_siret,first_day,last_day,daily_cents\n"
ROWS = [  # lines 2, 3, 4 of the file: stoppages of the shipped sample extract
    f"A000000001,SA,employer,{SIRET},2024-10-03,2024-10-07,5228",
    "A000000001,SA,insured,,2024-10-08,2024-10-12,5228",
    "A000000002,SA,insured,,2024-11-12,2024-11-16,3462",
]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    external_results.cache_clear()


def csv_of(tmp_path: Path, rows: list[str], name: str = "results.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return str(path)


def parquet_of(tmp_path: Path, rows: list[str]) -> str:
    """The same rows in a Parquet file, every column text as the CSV has it."""
    frame = pd.read_csv(csv_of(tmp_path, rows), dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "results.parquet", index=False)
    return str(tmp_path / "results.parquet")


def replaced(line: int, old: str, new: str) -> list[str]:
    """ROWS with one value changed on the file's line ``line`` (the header is line 1)."""
    rows = list(ROWS)
    rows[line - 2] = rows[line - 2].replace(old, new)
    return rows


REFUSED = {  # case → (rows, what the message must say)
    "daily_cents just past int64": (replaced(3, "5228", "9223372036854775808"), "line 3, daily_cents"),
    "daily_cents past uint64": (replaced(3, "5228", "99999999999999999999"), "line 3, daily_cents"),
    "a SIRET with a wrong Luhn key": (replaced(2, SIRET, "73282932000075"), "line 2, payee_siret = '73282932000075'"),
    "a SIRET of 13 digits": (replaced(2, SIRET, "7328293200007"), "line 2, payee_siret = '7328293200007'"),
    "a SIRET of letters": (replaced(2, SIRET, "ABCDEFGHIJKLMN"), "line 2, payee_siret = 'ABCDEFGHIJKLMN'"),
    "a first day in 1900": (replaced(4, "2024-11-12", "1900-01-01"), "line 4, first_day = '1900-01-01'"),
    "a last day in 2999": (replaced(4, "2024-11-16", "2999-12-31"), "line 4, last_day = '2999-12-31'"),
    "a row given twice": ([*ROWS, ROWS[1]], "lines 3, 5"),
    "a row given three times": ([ROWS[2], *ROWS, ROWS[2]], "lines 2, 5, 6"),
    "two periods of one payee sharing a day": (
        [*ROWS, "A000000002,SA,insured,,2024-11-16,2024-11-20,3462"],
        "line 5 (A000000002, SA, insured, from 2024-11-16) shares days with line 4",
    ),
    "a period inside a long one, after another inside it": (
        [
            *ROWS,
            *(
                f"A000000002,SA,insured,,2024-11-{days},100"
                for days in ("01,2024-11-30", "05,2024-11-06", "08,2024-11-09")
            ),
        ],
        "line 7 (A000000002, SA, insured, from 2024-11-08) shares days with line 5",  # not line 6, which ends before
    ),
    "a period inside another of the same payee, another amount": (
        [*ROWS, "A000000001,SA,insured,,2024-10-09,2024-10-10,100"],
        "line 5 (A000000001, SA, insured, from 2024-10-09) shares days with line 3",
    ),
}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_results_that_cannot_be_right_are_refused_naming_the_line(tmp_path: Path, case: str, kind: str) -> None:
    rows, said = REFUSED[case]
    source = csv_of(tmp_path, rows) if kind == "csv" else parquet_of(tmp_path, rows)
    with pytest.raises(EngineError) as refused:
        ExternalEngine(source)
    assert str(refused.value).startswith(f"{source}: ")
    assert said in str(refused.value)


@pytest.mark.parametrize(
    "rows",
    [
        ROWS,
        # the same days, another payee: the employer and the insured share the days between them
        [*ROWS, "A000000001,SA,insured,,2024-10-03,2024-10-07,100"],
        # the same days, another scheme: the salaried and self-employed allowances are paid side by side
        [*ROWS, "A000000002,TI,insured,,2024-11-12,2024-11-16,1200"],
        # one period after the other, without a gap: no day is shared
        [*ROWS, "A000000002,SA,insured,,2024-11-17,2024-11-20,3462"],
        # the days of the first and last allowed years
        replaced(4, "2024-11-12", "1946-01-01"),
        replaced(4, "2024-11-16", "2099-12-31"),
    ],
    ids=["the rows as written", "two payees", "two schemes", "adjacent periods", "1946", "2099"],
)
def test_rows_that_can_be_right_are_read(tmp_path: Path, rows: list[str]) -> None:
    lines = external_results(csv_of(tmp_path, rows))
    assert len(lines) == len(rows)
    assert lines["daily_cents"].dtype == np.int64


def test_rows_for_stoppages_no_part_holds_are_refused_when_split(tmp_path: Path) -> None:
    """Splitting placed an unknown number in a neighbour's part, where the worker then dropped it unseen."""
    engine = ExternalEngine(csv_of(tmp_path, [*ROWS, "A000000003,SA,insured,,2024-11-12,2024-11-13,100"]))
    numbers, parts = np.array(["A000000001", "A000000002"]), np.array([0, 1])
    with pytest.raises(EngineError, match=r"1 row\(s\) for 1 stoppage\(s\) the extract does not hold \(line 5, "):
        engine.split(numbers, parts, tmp_path / "parts")
    assert not (tmp_path / "parts").exists()
    engine.split(np.array(["A000000001", "A000000002", "A000000003"]), np.array([0, 1, 1]), tmp_path / "parts")
    assert pd.read_parquet(tmp_path / "parts" / "part-00001.parquet")["number"].tolist() == [
        "A000000002",
        "A000000003",
    ]


@pytest.mark.parametrize("case", ["a row given twice", "a SIRET with a wrong Luhn key", "a first day in 1900"])
def test_the_command_line_refuses_them_before_any_work_with_exit_2(tmp_path: Path, case: str) -> None:
    rows, said = REFUSED[case]
    source = csv_of(tmp_path, rows)
    result = CliRunner().invoke(
        cli,
        ["shadow", str(SAMPLE / "progres_441_cp1147.dat"), "--candidate", f"external:{source}",
         "--db", f"sqlite:///{tmp_path / 'bascule.db'}", "--workers", "1"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {source}: ") and said in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "bascule-runs").exists() and not (tmp_path / "bascule.db-runs").exists()
