"""The external engine reads a new system's results from CSV, Parquet or a SQL table, and refuses bad rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from bascule.engines.external import ExternalEngine, external_results
from bascule.engines.interface import Batch, EngineError, EngineSpec, available, load_engine

SIRET = "73282932000074"
RESULTS = pd.DataFrame(
    {
        "stoppage": ["A000000001", "A000000001", "A000000002"],
        "scheme": ["SA", "SA", "SA"],
        "payee_kind": ["employer", "insured", "insured"],
        "payee_siret": [SIRET, "", ""],
        "first_day": ["2024-03-01", "2024-03-11", "2024-04-01"],
        "last_day": ["2024-03-10", "2024-03-20", "2024-04-05"],
        "daily_cents": [3288, 3288, 1500],
    }
)


def batch(numbers: list[str]) -> Batch:
    rows = {
        "AS": pd.DataFrame({"record_index": [0], "nir": ["2750999350042"], "scheme": ["SALARIED"]}),
        "AR": pd.DataFrame({"record_index": range(1, len(numbers) + 1), "person_index": 0, "number": numbers}),
    }
    return Batch(rows, dt.date(2025, 6, 30))


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    external_results.cache_clear()


def written(tmp_path: Path, kind: str, frame: pd.DataFrame = RESULTS) -> str:
    if kind == "csv":
        frame.to_csv(tmp_path / "new.csv", index=False)
        return str(tmp_path / "new.csv")
    if kind == "parquet":
        frame.to_parquet(tmp_path / "new.parquet", index=False)
        return str(tmp_path / "new.parquet")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    frame.to_sql("new_system_ledger", create_engine(url), index=False)
    return f"{url}#new_system_ledger"


@pytest.mark.parametrize("kind", ["csv", "parquet", "sql"])
def test_results_are_read_from_each_kind_of_source(tmp_path: Path, kind: str) -> None:
    ledger = ExternalEngine(written(tmp_path, kind)).compute(batch(["A000000001"]))
    assert ledger.lines["number"].tolist() == ["A000000001", "A000000001"]
    assert ledger.lines["payee_id"].tolist() == [SIRET, ""]
    assert ledger.lines["daily_cents"].tolist() == [3288, 3288]
    assert ledger.lines["first_day"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-11")]
    assert not ledger.knows_rights_end


def test_a_table_of_a_real_postgresql_server(tmp_path: Path, database: str) -> None:
    RESULTS.to_sql("new_system_ledger", create_engine(database), index=False)
    ledger = ExternalEngine(f"{database}#new_system_ledger").compute(batch(["A000000002"]))
    assert ledger.lines["daily_cents"].tolist() == [1500]


def test_a_stoppage_without_rows_is_one_the_new_system_pays_nothing_for(tmp_path: Path) -> None:
    ledger = ExternalEngine(written(tmp_path, "csv")).compute(batch(["A000000009"]))
    assert ledger.lines.empty
    assert ledger.outcomes["status"].tolist() == ["computed"]


def test_rights_end_dates_are_read_when_given(tmp_path: Path) -> None:
    source = written(tmp_path, "csv", RESULTS.assign(rights_end=["2024-03-21", "2024-03-21", ""]))
    ledger = ExternalEngine(source).compute(batch(["A000000001", "A000000002"]))
    assert ledger.knows_rights_end
    ends = ledger.outcomes.set_index("number")["rights_end"]
    assert ends["A000000001"] == pd.Timestamp("2024-03-21") and pd.isna(ends["A000000002"])


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_payment_dates_are_read_when_given_and_an_empty_one_is_not_known(tmp_path: Path, kind: str) -> None:
    source = written(tmp_path, kind, RESULTS.assign(paid_on=["2024-03-13", "", "2024-04-08"]))
    ledger = ExternalEngine(source).compute(batch(["A000000001", "A000000002"]))
    assert ledger.paid_dates
    paid = ledger.lines["paid_on"].tolist()
    assert paid[0] == pd.Timestamp("2024-03-13") and pd.isna(paid[1]) and paid[2] == pd.Timestamp("2024-04-08")
    (tmp_path / "undated").mkdir()
    assert not ExternalEngine(written(tmp_path / "undated", kind)).compute(batch(["A000000001"])).paid_dates


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("paid_on", "2024-02-30", "paid_on = '2024-02-30'"),
        ("daily_cents", "32.88", "daily_cents = '32.88'"),
        ("first_day", "01/03/2024", "first_day = '01/03/2024'"),
        ("scheme", "XX", "scheme = 'XX'"),
        ("payee_siret", "", "payee_siret = ''"),
    ],
)
def test_a_row_that_cannot_be_read_is_named_with_its_line_and_column(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    broken = RESULTS.astype(str)
    broken.loc[0, column] = value
    with pytest.raises(EngineError, match=f"line 2, {message}"):
        ExternalEngine(written(tmp_path, "csv", broken)).compute(batch(["A000000001"]))


def test_missing_columns_and_files_are_said(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="daily_cents"):
        ExternalEngine(written(tmp_path, "csv", RESULTS.drop(columns="daily_cents"))).compute(batch(["A000000001"]))
    with pytest.raises(EngineError, match="no such file"):
        ExternalEngine(str(tmp_path / "absent.csv")).compute(batch(["A000000001"]))
    with pytest.raises(EngineError, match="needs its source"):
        ExternalEngine()


def test_engines_are_found_through_their_entry_points() -> None:
    assert {"progres-replay", "reference", "external"} <= set(available())
    assert load_engine(EngineSpec.parse("reference:truncate")).conventions.rounding.value == "truncate"
    assert EngineSpec.parse("external:sqlite:///x.db#t") == EngineSpec("external", "sqlite:///x.db#t")
    with pytest.raises(EngineError, match="no engine named 'arpege'"):
        load_engine(EngineSpec("arpege"))
