"""The general reader on golden bytes: every record read or rejected, every feature decoded.

The bytes are written by hand from IBM's definitions (EBCDIC cp037: A = C1,
digits F0–F9, space 40, + 4E, - 60; an RDW is a big-endian length counting
its own 4 bytes, then 00 00), never by bascule's writer.
"""

from __future__ import annotations

import decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bascule import parse_copybook
from bascule.legacy_adapters.records import (
    DecodeError,
    DecodeOptions,
    RecordChoice,
    RecordReader,
)

TWO_RECORDS = """
01 HEAD.
   05 KIND PIC X.
   05 NAME PIC X(5).
01 LINE.
   05 KIND PIC X.
   05 QTY PIC S9(3) COMP-3.
   05 PRICE PIC 9(2)V99.
"""
TYPES = (RecordChoice.parse("KIND=H:HEAD"), RecordChoice.parse("KIND=L:LINE"))


def read(
    tmp_path: Path, copybook: str, data: bytes, **options: object
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, RecordReader]:
    path = tmp_path / "file.dat"
    path.write_bytes(data)
    reader = RecordReader(path, parse_copybook(copybook), DecodeOptions(**options))  # type: ignore[arg-type]
    chunks = list(reader)
    tables = {name: pd.concat([c.tables[name] for c in chunks], ignore_index=True) for name in chunks[0].tables}
    rejects = pd.concat([c.rejects for c in chunks], ignore_index=True)
    assert reader.summary.records == sum(len(t) for t in tables.values()) + rejects["record_index"].nunique()
    return tables, rejects, reader


def test_several_01_records_chosen_by_a_discriminator(tmp_path: Path) -> None:
    head = bytes.fromhex("C8 C1D3C9C3C5")  # H ALICE
    line = bytes.fromhex("D3 123D F0F1F5F0")  # L, -123 packed in 2 bytes, 01.50 -> 150 cents
    padded = head + bytes.fromhex("40")  # 01 records share the largest size, 7 bytes
    other = bytes.fromhex("E7") + bytes(6)  # X: no type
    tables, rejects, reader = read(tmp_path, TWO_RECORDS, padded + line + other, record_types=TYPES)
    assert tables["HEAD"][["record_index", "offset", "KIND", "NAME"]].values.tolist() == [[0, 0, "H", "ALICE"]]
    assert tables["LINE"][["record_index", "offset", "QTY", "PRICE"]].values.tolist() == [[1, 7, -123, 150]]
    assert rejects[["record_index", "offset", "reason", "field", "raw"]].values.tolist() == [
        [2, 14, "unknown_record_type", "KIND", "X"]
    ]
    assert reader.summary.counts == {"HEAD": 1, "LINE": 1, "??": 1}


def test_several_records_need_record_types(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="--record-type"):
        read(tmp_path, TWO_RECORDS, b"\x00" * 7)


def test_the_discriminator_must_exist(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="no field NOPE"):
        read(tmp_path, TWO_RECORDS, b"\x00" * 7, record_types=(RecordChoice.parse("NOPE=H:HEAD"),))


def test_a_redefines_alternative_is_a_record_type(tmp_path: Path) -> None:
    copybook = "01 R.\n   05 T PIC X.\n   05 BODY PIC X(2).\n   05 NUM REDEFINES BODY PIC 9(2).\n"
    types = (RecordChoice.parse("T=A:BODY"), RecordChoice.parse("T=N:NUM"))
    tables, rejects, _ = read(tmp_path, copybook, bytes.fromhex("C1C1C2 D5F4F2"), record_types=types)
    assert tables["BODY"]["BODY"].tolist() == ["AB"] and tables["NUM"]["NUM"].tolist() == [42]
    assert rejects.empty


def test_a_truncated_last_record_is_a_reject(tmp_path: Path) -> None:
    copybook = "05 A PIC X(3).\n"  # no 01: the record lives in the program
    tables, rejects, _ = read(tmp_path, copybook, bytes.fromhex("C1C2C3 C1C2"))
    assert tables["RECORD"]["A"].tolist() == ["ABC"]
    assert rejects[["record_index", "offset", "reason", "detail"]].values.tolist() == [
        [1, 3, "truncated_record", "2 bytes of 3"]
    ]


ODO = "01 R.\n   05 N PIC 9.\n   05 T OCCURS 0 TO 3 DEPENDING ON N.\n      10 V PIC X(2).\n   05 Z PIC X.\n"
RECORDS = [bytes.fromhex("F2 C1C1 C2C2 E9"), bytes.fromhex("F0 E9"), bytes.fromhex("F1 C3C3 E9")]


def rdw(record: bytes) -> bytes:
    return (len(record) + 4).to_bytes(2, "big") + b"\x00\x00" + record


def test_variable_records_behind_rdws_move_what_follows_a_table(tmp_path: Path) -> None:
    tables, rejects, _ = read(tmp_path, ODO, b"".join(map(rdw, RECORDS)), record_format="V")
    table = tables["R"]
    assert table["offset"].tolist() == [4, 14, 20]
    assert table["N"].tolist() == [2, 0, 1]
    assert table["V(1)"].tolist()[::2] == ["AA", "CC"] and pd.isna(table["V(1)"][1])
    assert table["V(2)"].tolist()[0] == "BB" and table["V(2)"][1:].isna().all() and table["V(3)"].isna().all()
    assert table["Z"].tolist() == ["Z", "Z", "Z"]
    assert rejects.empty


def test_blocks_of_rdw_records(tmp_path: Path) -> None:
    first = rdw(RECORDS[0]) + rdw(RECORDS[1])
    second = rdw(RECORDS[2])
    data = (
        (len(first) + 4).to_bytes(2, "big")
        + b"\x00\x00"
        + first
        + (len(second) + 4).to_bytes(2, "big")
        + b"\0\0"
        + second
    )
    tables, rejects, _ = read(tmp_path, ODO, data, record_format="VB")
    assert tables["R"]["N"].tolist() == [2, 0, 1] and tables["R"]["offset"].tolist() == [8, 18, 28]
    assert rejects.empty


def test_a_broken_rdw_rejects_the_rest_of_the_file_at_its_offset(tmp_path: Path) -> None:
    data = rdw(RECORDS[1]) + bytes.fromhex("0002 0000") + rdw(RECORDS[2])
    tables, rejects, reader = read(tmp_path, ODO, data, record_format="V")
    assert tables["R"]["N"].tolist() == [0]
    assert rejects[["record_index", "offset", "reason"]].values.tolist() == [[1, 6, "bad_descriptor"]]
    assert "12 bytes from there to the end" in rejects["detail"][0]
    assert reader.summary.records == 2


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (bytes.fromhex("F2 C1C1 C2C2"), "truncated_record"),  # the counter says 2: 6 bytes, 5 given
        (bytes.fromhex("F1 C3C3 E9 E9"), "record_length"),  # a byte more than the layout gives: not lost
        (bytes.fromhex("F5 E9"), "occurs_out_of_range"),  # 5 > 3
        (bytes.fromhex("C1 E9"), "not_numeric"),
    ],
)
def test_variable_records_that_disagree_with_their_layout(tmp_path: Path, record: bytes, reason: str) -> None:
    tables, rejects, _ = read(tmp_path, ODO, rdw(RECORDS[1]) + rdw(record), record_format="V")
    assert len(tables["R"]) == 1
    assert set(rejects["record_index"]) == {1} and reason in rejects["reason"].tolist()


def test_fixed_records_hold_tables_at_their_most_occurrences(tmp_path: Path) -> None:
    record = bytes.fromhex("F1 C1C1 00000000 E9")  # past the count: bytes that are no data, not read
    tables, rejects, _ = read(tmp_path, ODO, record)
    assert tables["R"]["V(1)"].tolist() == ["AA"] and tables["R"]["V(2)"].isna().all()
    assert tables["R"]["Z"].tolist() == ["Z"] and rejects.empty


@pytest.mark.parametrize(
    ("encoding", "raw", "text"),
    [
        ("cp037", "5B 9F", "$¤"),
        ("cp1140", "5B 9F", "$€"),
        ("cp273", "4A 9F", "Ä¤"),
        ("cp1141", "4A 9F", "Ä€"),
        ("cp285", "5B 9F", "£¤"),
        ("cp297", "C0 7C", "éà"),
        ("cp500", "4A 5A", "[]"),
        ("cp1147", "C0 9F", "é€"),
        ("cp1148", "4A 9F", "[€"),
        ("latin-1", "A3 E9", "£é"),
        ("ascii", "41 42", "AB"),
    ],
)
def test_code_pages(tmp_path: Path, encoding: str, raw: str, text: str) -> None:
    tables, rejects, _ = read(tmp_path, "01 R.\n   05 T PIC X(2).\n", bytes.fromhex(raw), encoding=encoding)
    assert tables["R"]["T"].tolist() == [text] and rejects.empty


def test_ascii_rejects_bytes_past_127(tmp_path: Path) -> None:
    _, rejects, _ = read(tmp_path, "01 R.\n   05 T PIC X(2).\n", b"A\xe9", encoding="ascii")
    assert rejects["reason"].tolist() == ["invalid_character"]


@pytest.mark.parametrize(
    ("controls", "name", "rejected"),
    [({}, None, 1), ({"NAME": "keep"}, "AB\x00D", 0), ({"*": "blank"}, "AB D", 0), ({"OTHER": "keep"}, None, 1)],
)
def test_control_bytes_policy_per_field(
    tmp_path: Path, controls: dict[str, str], name: str | None, rejected: int
) -> None:
    copybook = "01 R.\n   05 NAME PIC X(4).\n   05 OTHER PIC X.\n"
    tables, rejects, reader = read(tmp_path, copybook, b"AB\x00DZ", encoding="latin-1", controls=controls)
    assert len(rejects) == rejected
    assert tables["R"]["NAME"].tolist() == ([name] if name else [])
    assert reader.options.to_dict()["controls"] == (controls or {"*": "reject"})


def test_an_unknown_control_policy_or_field_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="policy is one of"):
        read(tmp_path, "01 R.\n   05 NAME PIC X.\n", b"A", controls={"NAME": "drop"})
    with pytest.raises(DecodeError, match="no field NOPE"):
        read(tmp_path, "01 R.\n   05 NAME PIC X.\n", b"A", controls={"NOPE": "keep"})


def test_an_unknown_record_or_float_format_is_refused(tmp_path: Path) -> None:
    # a library caller's word outside the Literal is an error, not a silent IEEE read
    with pytest.raises(DecodeError, match="record format 'U': give one of F, V, VB"):
        read(tmp_path, "01 R.\n   05 NAME PIC X.\n", b"A", record_format="U")
    with pytest.raises(DecodeError, match="float format 'IEEE': give one of ibm, ieee"):
        read(tmp_path, "01 R.\n   05 NAME PIC X.\n", b"A", float_format="IEEE")


EVERYTHING = """
01 R.
   05 E1 PIC -ZZ9.99.
   05 E2 PIC ZZ,ZZ9.99CR.
   05 E3 PIC +9(3).
   05 E4 PIC $$,$$9.99.
   05 E5 PIC ***,**9.
   05 S1 PIC S9(3) SIGN LEADING SEPARATE.
   05 S2 PIC S9(3) SIGN TRAILING SEPARATE.
   05 S3 PIC S9(3) SIGN LEADING.
   05 F1 COMP-1.
   05 F2 COMP-2.
   05 BIG PIC 9(20).
   05 NAT PIC N(3).
   05 PTR POINTER.
   05 SCALED PIC 9(2)PP.
"""


def test_edited_signs_floats_big_numbers_national_pointers_scaling(tmp_path: Path) -> None:
    text = "-  1.50" + "    12.34CR" + "-012" + "   $12.50" + "****123" + "-123" + "123+" + "J23"
    data = text.encode("latin-1")
    data += bytes.fromhex("C276A000")  # -118.625 in IBM hex float (System/360 Principles of Operation example)
    data += bytes.fromhex("4110000000000000")  # 1.0
    data += b"12345678901234567890" + "Hé ".encode("utf-16-be") + bytes.fromhex("00000100") + b"42"
    tables, rejects, _ = read(tmp_path, EVERYTHING, data, encoding="latin-1", float_format="ibm")
    assert rejects.empty, rejects.to_dict("records")
    row = tables["R"].iloc[0]
    assert (row["E1"], row["E2"], row["E3"], row["E4"], row["E5"]) == (-150, -1234, -12, 1250, 123)
    assert (row["S1"], row["S2"], row["S3"]) == (-123, 123, -123)
    assert (row["F1"], row["F2"]) == (-118.625, 1.0)
    assert row["BIG"] == 12345678901234567890
    assert (row["NAT"], row["PTR"], row["SCALED"]) == ("Hé", 256, 42)


@pytest.mark.parametrize("bad", ["-  1,50", "-  A.50"])
def test_an_edited_field_with_a_stray_character_is_not_numeric(tmp_path: Path, bad: str) -> None:
    _, rejects, _ = read(tmp_path, "01 R.\n   05 E1 PIC -ZZ9.99.\n", bad.encode("latin-1"), encoding="latin-1")
    assert rejects[["reason", "field"]].values.tolist() == [["not_numeric", "E1"]]


def test_ieee_floats_in_ascii(tmp_path: Path) -> None:
    tables, _, _ = read(tmp_path, "01 R.\n   05 F COMP-2.\n", bytes.fromhex("3FF8000000000000"), encoding="ascii")
    assert tables["R"]["F"].tolist() == [1.5]


def test_same_names_become_qualified_columns(tmp_path: Path) -> None:
    copybook = "01 R.\n   05 A.\n      10 X PIC X.\n   05 B.\n      10 X PIC X.\n"
    tables, _, _ = read(tmp_path, copybook, b"12", encoding="latin-1")
    assert tables["R"][["A.X", "B.X"]].values.tolist() == [["1", "2"]]


def test_chunks_never_split_records_and_positions_run_on(tmp_path: Path) -> None:
    records = [rdw(RECORDS[i % 3]) for i in range(50)]
    tables, rejects, _ = read(tmp_path, ODO, b"".join(records), record_format="V", chunk_bytes=37)
    assert tables["R"]["record_index"].tolist() == list(range(50))
    assert tables["R"]["offset"].tolist() == list(np.cumsum([0] + [len(r) for r in records[:-1]]) + 4)
    assert rejects.empty


def test_a_numeric_discriminator(tmp_path: Path) -> None:
    copybook = "01 A.\n   05 T PIC 9.\n   05 X PIC X.\n01 B.\n   05 T PIC 9.\n   05 Y PIC 9.\n"
    types = (RecordChoice.parse("T=1:A"), RecordChoice.parse("T=2:B"))
    tables, _, _ = read(tmp_path, copybook, b"1Q27", encoding="latin-1", record_types=types)
    assert tables["A"]["X"].tolist() == ["Q"] and tables["B"]["Y"].tolist() == [7]


def test_decimal_output_is_exact(tmp_path: Path) -> None:
    from bascule.legacy_adapters.decode_output import table_schema, to_arrow

    layout = parse_copybook("01 R.\n   05 P PIC S9(7)V99 COMP-3.\n   05 BIG PIC 9(20).\n")
    tables, _, reader = read(
        tmp_path,
        "01 R.\n   05 P PIC S9(7)V99 COMP-3.\n   05 BIG PIC 9(20).\n",
        bytes.fromhex("123456789D") + b"98765432109876543210",
        encoding="latin-1",
    )
    fields = reader.types[0].fields
    arrow = to_arrow(tables["R"], fields, table_schema(fields))
    assert arrow.column("P").to_pylist() == [decimal.Decimal("-1234567.89")]
    assert arrow.column("BIG").to_pylist() == [decimal.Decimal("98765432109876543210")]
    assert layout.record_size == 25


def test_an_extended_bdw_holds_a_31_bit_length(tmp_path: Path) -> None:
    inner = rdw(RECORDS[0]) + rdw(RECORDS[1])
    data = (0x8000_0000 | (len(inner) + 4)).to_bytes(4, "big") + inner
    tables, rejects, _ = read(tmp_path, ODO, data, record_format="VB")
    assert tables["R"]["N"].tolist() == [2, 0] and rejects.empty


def test_a_spanned_record_segment_is_not_read_but_rejected(tmp_path: Path) -> None:
    data = rdw(RECORDS[1]) + (len(RECORDS[2]) + 4).to_bytes(2, "big") + b"\x01\x00" + RECORDS[2]
    tables, rejects, _ = read(tmp_path, ODO, data, record_format="V")
    assert tables["R"]["N"].tolist() == [0]
    assert rejects["reason"].tolist() == ["bad_descriptor"] and "spanned" in rejects["detail"][0]


def test_variable_records_of_several_01_each_take_their_own_length(tmp_path: Path) -> None:
    head = bytes.fromhex("C8 C1D3C9C3C5")  # 6 bytes: HEAD is shorter than LINE
    line = bytes.fromhex("D3 123D F0F1F5F0")  # 7 bytes
    tables, rejects, _ = read(
        tmp_path, TWO_RECORDS, rdw(head) + rdw(line) + rdw(head), record_types=TYPES, record_format="V"
    )
    assert tables["HEAD"]["offset"].tolist() == [4, 25] and tables["LINE"]["QTY"].tolist() == [-123]
    assert rejects.empty


def test_a_counter_out_of_its_range_rejects_a_record_of_the_right_length(tmp_path: Path) -> None:
    # N = 4 > 3: rejected, though its 8 bytes are what 3 occurrences (the most the table holds) take
    tables, rejects, _ = read(tmp_path, ODO, rdw(bytes.fromhex("F4 C1C1 C2C2 C3C3 E9")), record_format="V")
    assert tables["R"].empty and rejects["reason"].tolist()[0] == "occurs_out_of_range"


def test_a_control_policy_by_name_covers_every_occurrence(tmp_path: Path) -> None:
    copybook = "01 R.\n   05 T OCCURS 2.\n      10 NAME PIC X(2).\n"
    tables, rejects, _ = read(tmp_path, copybook, b"A\x00B\x00", encoding="latin-1", controls={"NAME": "blank"})
    assert tables["R"][["NAME(1)", "NAME(2)"]].values.tolist() == [["A", "B"]] and rejects.empty
