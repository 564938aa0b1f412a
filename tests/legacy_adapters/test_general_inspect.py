"""``bascule inspect --copybook`` on any file, and the PROGRES extract read by the general reader."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from bascule import load_copybook, read_extract
from bascule.cli import cli
from bascule.legacy_adapters.progres_layout import layout_from_file, record_choices
from bascule.legacy_adapters.records import DecodeOptions, RecordChoice, RecordReader
from tests.conftest import SAMPLE

PROGRES_COPYBOOK = Path(__file__).parents[2] / "src/bascule/legacy_adapters/layouts/progres_ij_01.cpy"


def test_inspect_reads_any_file_through_its_copybook(tmp_path: Path) -> None:
    (tmp_path / "f.cpy").write_text("01 R.\n   05 N PIC 9(3).\n   05 T PIC X(2).\n", encoding="utf-8")
    (tmp_path / "f.dat").write_bytes(b"012AB" + b"X12CD" + b"3")
    result = CliRunner().invoke(
        cli, ["inspect", str(tmp_path / "f.dat"), "--copybook", str(tmp_path / "f.cpy"), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert (document["encoding"], document["records"], document["rows"], document["rejected"]) == (
        "latin-1",
        3,
        {"R": 1},
        2,
    )
    assert [(r["record_index"], r["offset"], r["reason"], r["field"]) for r in document["rejects"]] == [
        (1, 5, "not_numeric", "N"),
        (2, 10, "truncated_record", None),
    ]


def test_inspect_of_a_clean_file_exits_0(tmp_path: Path) -> None:
    (tmp_path / "f.cpy").write_text("05 T PIC X(2).\n", encoding="utf-8")
    (tmp_path / "f.dat").write_bytes("A B ".encode("cp037"))  # EBCDIC spaces (0x40) tell the encoding
    args = ["inspect", str(tmp_path / "f.dat"), "--copybook", str(tmp_path / "f.cpy")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Every one of the 2 records" in result.output
    assert json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)["encoding"] == "cp037"


def test_the_general_reader_reads_the_progres_sample_as_the_progres_reader_does() -> None:
    extract = SAMPLE / "progres_441_cp1147.dat"
    progres = read_extract(extract)
    choices = tuple(RecordChoice.parse(c) for c in record_choices(layout_from_file(PROGRES_COPYBOOK)))
    reader = RecordReader(extract, load_copybook(PROGRES_COPYBOOK), DecodeOptions("cp1147", record_types=choices))
    chunks = list(reader)
    tables = {t.name: pd.concat([c.tables[t.name] for c in chunks], ignore_index=True) for t in reader.types}
    assert reader.summary.rejected == progres.summary.rejected == 0
    for code, frame in progres.frames.items():
        general = tables[f"PRG-{code}"]
        assert general["record_index"].tolist() == frame["record_index"].tolist()
        for column in frame.columns.drop("record_index"):
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                continue  # dates are PROGRES's convention; the general reader gives the number
            assert general[column].tolist() == frame[column].tolist(), (code, column)


def test_reading_options_need_a_copybook() -> None:
    result = CliRunner().invoke(cli, ["inspect", str(SAMPLE / "progres_441_latin1.dat"), "--encoding", "cp037"])
    assert result.exit_code == 2 and "give --copybook" in result.output
