"""Round trips under hypothesis: every usage and sign option, encoded by the test writer, decoded back.

The writer (legacy_adapters/writer.py) follows IBM's definitions value by
value; the decoders work on whole columns with lookup tables: two
independent renderings of each format that must agree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule import parse_copybook
from bascule.legacy_adapters.charsets import CHARSETS, Charset
from bascule.legacy_adapters.copybook import Field
from bascule.legacy_adapters.frames import decode_field
from bascule.legacy_adapters.writer import encode_value

NUMERIC = [
    "PIC 9(5)",
    "PIC S9(5)",
    "PIC S9(7)V99 SIGN LEADING",
    "PIC S9(4) SIGN LEADING SEPARATE",
    "PIC S9(4) SIGN TRAILING SEPARATE",
    "PIC S9(9)V99 COMP-3",
    "PIC 9(6) COMP-3",
    "PIC S9(18) COMP-3",
    "PIC S9(31) COMP-3",
    "PIC 9(25)",
    "PIC S9(4) COMP",
    "PIC 9(4) COMP",
    "PIC S9(9) BINARY",
    "PIC S9(18) COMP-5",
    "PIC 9(18) COMP-4",
]
ENCODINGS = ["cp037", "cp273", "cp1147", "cp500", "latin-1", "ascii"]


def field_of(clauses: str) -> Field:
    return parse_copybook(f"01 R.\n   05 F {clauses}.\n").fields()[0]


def decoded(field: Field, raw: bytes, charset: Charset, **options: object) -> tuple[object, bool]:
    block = np.frombuffer(raw, dtype=np.uint8).reshape(1, len(raw))
    values, faults = decode_field(block, field, charset, **options)  # type: ignore[arg-type]
    return np.asarray(values, dtype=object)[0], bool(faults[0][0][0])


@st.composite
def numbers(draw: st.DrawFn) -> tuple[Field, int, Charset]:
    field = field_of(draw(st.sampled_from(NUMERIC)))
    charset = CHARSETS[draw(st.sampled_from(ENCODINGS))]
    top = 10**field.digits - 1
    if field.kind == "binary":  # binary holds what its bytes hold, the picture's digits at most
        top = min(top, 2 ** (8 * field.size - (1 if field.signed else 0)) - 1)
    value = draw(st.integers(-top if field.signed else 0, top))
    return field, value, charset


@settings(max_examples=400, deadline=None)
@given(numbers())
def test_numbers_round_trip(case: tuple[Field, int, Charset]) -> None:
    field, value, charset = case
    raw = encode_value(field, value, charset)
    assert len(raw) == field.size
    assert decoded(field, raw, charset) == (value, False)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ENCODINGS[:-1]),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=12),
)
def test_text_round_trips_right_stripped(encoding: str, text: str) -> None:
    charset = CHARSETS[encoding]
    field = field_of("PIC X(12)")
    try:
        raw = encode_value(field, text, charset)
    except UnicodeEncodeError:
        return  # a character this code page has no byte for
    if charset.control[np.frombuffer(raw, dtype=np.uint8)].any():
        return  # a C1 control in Latin-1: read as a control, rightly
    assert decoded(field, raw, charset) == (text.rstrip(" "), False)


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xD7FF, exclude_categories=("Cc",)), max_size=5)
)
def test_national_round_trips(text: str) -> None:
    field = field_of("PIC N(5)")
    assert decoded(field, encode_value(field, text, CHARSETS["cp037"]), CHARSETS["cp037"]) == (text.rstrip(" "), False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["COMP-1", "COMP-2"]), st.integers(-(2**20), 2**20), st.integers(-60, 60), st.booleans())
def test_floats_round_trip_exactly_when_representable(usage: str, mantissa: int, exponent: int, ibm: bool) -> None:
    field = field_of(usage)
    value = math.ldexp(mantissa, exponent)  # at most 21 significant bits: exact in every format read
    raw = encode_value(field, value, CHARSETS["cp037"], ibm_float=ibm)
    assert decoded(field, raw, CHARSETS["cp037"], ibm_float=ibm) == (value, False)


@pytest.mark.parametrize(
    ("usage", "raw", "value"),
    [
        ("COMP-1", "41100000", 1.0),
        ("COMP-1", "C276A000", -118.625),
        ("COMP-2", "4110000000000000", 1.0),
        ("COMP-1", "00000000", 0.0),
        ("COMP-1", "40800000", 0.5),
    ],
)
def test_ibm_hex_float_golden_bytes(usage: str, raw: str, value: float) -> None:
    field = field_of(usage)
    assert decoded(field, bytes.fromhex(raw), CHARSETS["cp037"]) == (value, False)
    assert encode_value(field, value, CHARSETS["cp037"]).hex().upper() == raw


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["PIC Z(4)9.99", "PIC -ZZ9", "PIC ZZ,ZZ9.99CR", "PIC +9(3)", "PIC 9(3)DB", "PIC 99B99/99"]),
    st.sampled_from(["cp037", "cp1147", "latin-1"]),
    st.data(),
)
def test_edited_numbers_round_trip(picture: str, encoding: str, data: st.DataObject) -> None:
    field = field_of(picture)
    top = 10**field.digits - 1
    value = data.draw(st.integers(-top if field.signed else 0, top))
    raw = encode_value(field, value, CHARSETS[encoding])
    assert len(raw) == field.size
    assert decoded(field, raw, CHARSETS[encoding]) == (value, False)


@pytest.mark.parametrize(
    ("picture", "value", "text"),
    [
        ("ZZ,ZZ9.99CR", -12345, "   123.45CR"),
        ("ZZ,ZZ9.99CR", 123456, " 1,234.56  "),
        ("-ZZ9", -5, "-  5"),
        ("+9(3)", 7, "+007"),
        ("Z(4)9.99", 0, "    0.00"),
    ],
)
def test_edited_golden_text(picture: str, value: int, text: str) -> None:
    from bascule.legacy_adapters.writer import edit_number

    assert edit_number(value, field_of(f"PIC {picture}").edit) == text
