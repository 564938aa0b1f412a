"""The public test vectors (written by an independent encoder) decode exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from bascule import read_extract
from bascule.legacy_adapters.progres_layout import shipped_layout
from tests.conftest import VECTORS

EXPECTED = json.loads((VECTORS / "vectors_content.json").read_text(encoding="utf-8"))
SPECS = shipped_layout(1).specs
PREFIX = {"PRG-CAISSE", "PRG-NIR", "PRG-NIR-CLE", "PRG-NUM-ARRET"}


def expected_value(code: str, name: str, value: object) -> object:
    """What the frame should hold for a value written the way the vectors write it."""
    field = SPECS[code].field(name)
    if name in SPECS[code].dates:
        return pd.NaT if value in (0, "0") else pd.Timestamp(str(value))
    if field.kind == "text":
        return value
    return int(Decimal(str(value)).scaleb(field.scale))


def rows_in_file_order(path: Path) -> list[tuple[str, pd.Series]]:
    extract = read_extract(path)
    rows = [(code, row) for code, frame in extract.frames.items() for _, row in frame.iterrows()]
    return sorted(rows, key=lambda item: item[1]["record_index"])


def test_every_record_between_header_and_trailer_decodes_to_its_expected_content(vector_file: Path) -> None:
    rows = rows_in_file_order(vector_file)
    body = [(code, row) for code, row in rows if code not in ("HD", "FT")]
    assert [code for code, _ in body] == [e["type"] for e in EXPECTED]
    for (code, row), expected in zip(body, EXPECTED):
        listed = {k: v for k, v in expected.items() if k != "type"}
        for name, value in listed.items():
            assert row[name] == expected_value(code, name, value) or (
                pd.isna(row[name]) and pd.isna(expected_value(code, name, value))
            ), (row["record_index"], name)
        for field in SPECS[code].fields:
            if field.name in listed or field.name in PREFIX:
                continue
            blank = "" if field.kind == "text" else pd.NaT if field.name in SPECS[code].dates else 0
            assert row[field.name] == blank or pd.isna(row[field.name]), (row["record_index"], field.name)


def test_vectors_balance_with_no_reject(vector_file: Path) -> None:
    extract = read_extract(vector_file)
    assert extract.summary.balanced
    assert extract.rejects.empty
    assert extract.summary.records == 14
    assert extract.summary.layout_version == 1
    assert extract.summary.caisse == "851"


def test_records_inherit_the_nir_of_their_person(vector_file: Path) -> None:
    frames = read_extract(vector_file).frames
    assert set(frames["AR"]["PRG-NIR"]) == {"2750999350042", "101122B123456"}
    assert list(frames["PA"]["PRG-NIR"]) == ["2750999350042"] * 3 + ["101122B123456"]


def test_both_encodings_give_identical_frames() -> None:
    latin1 = read_extract(VECTORS / "vectors_latin1.dat")
    ebcdic = read_extract(VECTORS / "vectors_cp1147.dat")
    assert latin1.summary.encoding == "latin-1" and ebcdic.summary.encoding == "cp1147"
    assert latin1.frames.keys() == ebcdic.frames.keys()
    for code in latin1.frames:
        pd.testing.assert_frame_equal(latin1.frames[code], ebcdic.frames[code])


@pytest.mark.parametrize("name", ["vectors_latin1.dat", "vectors_cp1147.dat"])
def test_trailer_total_is_the_sum_of_payment_amounts(name: str) -> None:
    extract = read_extract(VECTORS / name)
    expected = sum(int(Decimal(e["PA-MONTANT"]) * 100) for e in EXPECTED if e["type"] == "PA")
    total = next(c for c in extract.summary.trailer.controls if c.field == "FT-TOTAL-MONTANTS")
    assert total.declared == total.found == expected
