"""``bascule decode``: tables per record type, the rejects, the manifest; exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from click.testing import CliRunner

from bascule.cli import cli

COPYBOOK = """\
      * two record types, told apart by their first byte
       01  HEAD.
           05  KIND        PIC X.
           05  NAME        PIC X(5).
       01  LINE.
           05  KIND        PIC X.
           05  QTY         PIC S9(3) COMP-3.
           05  PRICE       PIC 9(2)V99.
"""
HEAD = bytes.fromhex("C8 C1D3C9C3C5 40")  # H ALICE, padded to the 7 bytes of the largest record
LINE = bytes.fromhex("D3 123D F0F1F5F0")  # L, -123, 01.50
OTHER = bytes.fromhex("E7 000000000000")
TYPES = ["--record-type", "KIND=H:HEAD", "--record-type", "KIND=L:LINE"]


def decode(tmp_path: Path, data: bytes, *extra: str) -> tuple[int, str, Path]:
    (tmp_path / "file.dat").write_bytes(data)
    (tmp_path / "file.cpy").write_text(COPYBOOK, encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "decode",
        str(tmp_path / "file.dat"),
        "--copybook",
        str(tmp_path / "file.cpy"),
        *extra,
        "--output",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output, out


def test_decode_writes_one_parquet_table_per_record_type(tmp_path: Path) -> None:
    code, output, out = decode(tmp_path, HEAD + LINE + LINE, *TYPES)
    assert code == 0, output
    assert pq.read_table(out / "HEAD.parquet").to_pylist() == [
        {"record_index": 0, "offset": 0, "KIND": "H", "NAME": "ALICE"}
    ]
    lines = pq.read_table(out / "LINE.parquet").to_pylist()
    assert [(r["record_index"], r["offset"], r["QTY"], str(r["PRICE"])) for r in lines] == [
        (1, 7, -123, "1.50"),
        (2, 14, -123, "1.50"),
    ]
    manifest = json.loads((out / "decode.json").read_text(encoding="utf-8"))
    assert (manifest["records"], manifest["rows"], manifest["rejected"]) == (3, {"HEAD": 1, "LINE": 2}, 0)
    assert manifest["options"]["controls"] == {"*": "reject"} and manifest["options"]["encoding"] == "cp037"


def test_rejects_make_exit_code_1_and_records_equal_rows_plus_rejects(tmp_path: Path) -> None:
    code, output, out = decode(tmp_path, HEAD + OTHER + LINE + b"\xd3", *TYPES, "--format", "csv")
    assert code == 1, output
    rejects = pa_csv.read_csv(out / "rejects.csv").to_pylist()
    assert [(r["record_index"], r["offset"], r["reason"]) for r in rejects] == [
        (1, 7, "unknown_record_type"),
        (3, 21, "truncated_record"),
    ]
    manifest = json.loads((out / "decode.json").read_text(encoding="utf-8"))
    assert manifest["records"] == sum(manifest["rows"].values()) + manifest["rejected"] == 4


def test_json_lines_output(tmp_path: Path) -> None:
    code, output, out = decode(tmp_path, HEAD + LINE, *TYPES, "--format", "json")
    assert code == 0, output
    rows = [json.loads(line) for line in (out / "LINE.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == [{"record_index": 1, "offset": 7, "KIND": "L", "QTY": -123, "PRICE": "1.50"}]


def test_a_bad_option_is_an_error_of_use(tmp_path: Path) -> None:
    code, output, out = decode(tmp_path, HEAD, "--record-type", "KIND=H")
    assert code == 2 and "FIELD=VALUE:RECORD" in output
    code, output, _ = decode(tmp_path, HEAD, *TYPES, "--encoding", "cp9999")
    assert code == 2 and "unknown encoding" in output
    assert not out.exists()


def test_a_refused_copybook_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.cpy").write_text("01 R.\n   COPY OTHER.\n", encoding="utf-8")
    (tmp_path / "file.dat").write_bytes(b"x")
    result = CliRunner().invoke(
        cli,
        [
            "decode",
            str(tmp_path / "file.dat"),
            "--copybook",
            str(tmp_path / "bad.cpy"),
            "--output",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2 and "line 2" in result.output and "COPY" in result.output


def test_occurrences_past_their_counter_are_null_in_the_tables(tmp_path: Path) -> None:
    copybook = "01 R.\n   05 N PIC 9.\n   05 T OCCURS 0 TO 2 DEPENDING ON N.\n      10 V PIC X(2).\n      10 Q PIC 9.\n"
    (tmp_path / "odo.cpy").write_text(copybook, encoding="utf-8")
    (tmp_path / "odo.dat").write_bytes(bytes.fromhex("F1 C1C1F7 0000 00"))  # N = 1: the second occurrence is no data
    out = tmp_path / "out"
    args = ["decode", str(tmp_path / "odo.dat"), "--copybook", str(tmp_path / "odo.cpy"), "--output", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out / "R.parquet").to_pylist() == [
        {"record_index": 0, "offset": 0, "N": 1, "V(1)": "AA", "Q(1)": 7, "V(2)": None, "Q(2)": None}
    ]
