"""Golden bytes for the decoders: every sign, every overpunch, the extremes.

The expected values are written from docs/PROGRES-LAYOUT.md and IBM's packed/zoned
definitions, byte by byte, not produced by bascule's encoder.
"""

from __future__ import annotations

import numpy as np
import pytest

from bascule.legacy_adapters.charsets import CP1147, LATIN1, Charset
from bascule.legacy_adapters.decoders import decode_packed, decode_text, decode_zoned, to_dates


def block(*raws: bytes) -> np.ndarray:
    width = len(raws[0])
    return np.frombuffer(b"".join(raws), dtype=np.uint8).reshape(len(raws), width)


def zoned(charset: Charset, signed: bool, *raws: bytes) -> tuple[list[int], list[bool]]:
    values, bad = decode_zoned(block(*raws), charset, signed)
    return values.tolist(), bad.tolist()


# ------------------------------------------------------------------ zoned
LATIN1_OVERPUNCH = [
    (b"{", 0),
    *[(bytes([ord("A") + d - 1]), d) for d in range(1, 10)],
    (b"}", -0),
    *[(bytes([ord("J") + d - 1]), -d) for d in range(1, 10)],
]


@pytest.mark.parametrize(("last", "digit"), LATIN1_OVERPUNCH)
def test_latin1_overpunch_characters(last: bytes, digit: int) -> None:
    values, bad = zoned(LATIN1, True, b"0012" + last)
    sign = -1 if last in b"}JKLMNOPQR" else 1
    assert bad == [False]
    assert values == [sign * (120 + abs(digit))]


@pytest.mark.parametrize("zone", [0xA, 0xC, 0xE, 0xF, 0xB, 0xD])
@pytest.mark.parametrize("digit", range(10))
def test_cp1147_zone_nibble_carries_the_sign(zone: int, digit: int) -> None:
    values, bad = zoned(CP1147, True, b"\xf0\xf0\xf1\xf2" + bytes([zone << 4 | digit]))
    assert bad == [False]
    assert values == [(-1 if zone in (0xB, 0xD) else 1) * (120 + digit)]


@pytest.mark.parametrize(("charset", "raw"), [(LATIN1, b"0000}"), (CP1147, b"\xf0\xf0\xf0\xf0\xd0")])
def test_negative_zero_is_zero(charset: Charset, raw: bytes) -> None:
    assert zoned(charset, True, raw) == ([0], [False])


@pytest.mark.parametrize(
    ("charset", "raw", "value"),
    [
        (LATIN1, b"999999999999999999", 999_999_999_999_999_999),
        (CP1147, b"\xf9" * 18, 999_999_999_999_999_999),
        (LATIN1, b"00000000000000000{", 0),
        (LATIN1, b"99999999999999999R", -999_999_999_999_999_999),
        (CP1147, b"\xf9" * 17 + b"\xd9", -999_999_999_999_999_999),
    ],
)
def test_eighteen_digits_are_exact(charset: Charset, raw: bytes, value: int) -> None:
    signed = raw[-1:] not in (b"9", b"\xf9")
    assert zoned(charset, signed, raw) == ([value], [False])


@pytest.mark.parametrize(
    ("charset", "raw"),
    [
        (LATIN1, b"12 45"),  # a space inside the number
        (LATIN1, b"     "),  # blank: not zero
        (LATIN1, b"0012A"),  # overpunch on an unsigned field
        (CP1147, b"\xf0\xf0\xf1\xf2\xc3"),  # EBCDIC overpunch on an unsigned field
        (CP1147, b"00123"),  # Latin-1 digits read as EBCDIC
        (LATIN1, b"\xf0\xf0\xf1\xf2\xf3"),  # EBCDIC digits read as Latin-1
    ],
)
def test_unsigned_fields_accept_digits_only(charset: Charset, raw: bytes) -> None:
    assert zoned(charset, False, raw)[1] == [True]


@pytest.mark.parametrize(
    ("charset", "raw"),
    [(LATIN1, b"0012S"), (LATIN1, b"0012 "), (CP1147, b"\xf0\xf0\xf1\xf2\x93"), (CP1147, b"\xf0\xf0\xf1\xf2\xca")],
)
def test_invalid_overpunch_is_not_numeric(charset: Charset, raw: bytes) -> None:
    assert zoned(charset, True, raw)[1] == [True]


def test_a_bad_record_does_not_spoil_its_neighbours() -> None:
    values, bad = zoned(LATIN1, True, b"0012C", b"00X2C", b"0012L")
    assert bad == [False, True, False]
    assert values[0] == 123 and values[2] == -123


# ----------------------------------------------------------------- packed
@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"\x00\x00\x00\x0c", 0),
        (b"\x00\x00\x00\x0d", 0),  # negative zero
        (b"\x00\x00\x00\x0f", 0),
        (b"\x00\x01\x23\x4c", 1234),
        (b"\x00\x01\x23\x4d", -1234),
        (b"\x00\x01\x23\x4a", 1234),
        (b"\x00\x01\x23\x4b", -1234),
        (b"\x00\x01\x23\x4e", 1234),
        (b"\x00\x01\x23\x4f", 1234),
        (b"\x99\x99\x99\x9c", 9_999_999),
        (b"\x99\x99\x99\x9d", -9_999_999),
        (b"\x00\x00\x00\x1d", -1),
    ],
)
def test_packed_decimal_sign_nibbles(raw: bytes, value: int) -> None:
    values, bad = decode_packed(block(raw))
    assert bad.tolist() == [False]
    assert values.tolist() == [value]


def test_packed_decimal_eighteen_digits() -> None:
    raw = bytes.fromhex("0" + "9" * 18 + "D")
    values, bad = decode_packed(block(raw))
    assert (values.tolist(), bad.tolist()) == ([-999_999_999_999_999_999], [False])


@pytest.mark.parametrize(
    "raw",
    [b"\x00\x01\x23\x45", b"\x00\x0a\x23\x4c", b"\x40\x40\x40\x40", b"\xf0\xf0\xf1\xc2", b"\x00\x00\x00\x00"],
)
def test_packed_decimal_rejects_digit_nibbles_above_nine_and_digit_signs(raw: bytes) -> None:
    assert decode_packed(block(raw))[1].tolist() == [True]


# ------------------------------------------------------------------- text
def test_text_is_decoded_per_encoding_and_right_stripped() -> None:
    latin1, bad = decode_text(block("  ÉLÉONORE € ".encode("latin-1", errors="replace")[:13]), LATIN1)
    assert bad.tolist() == [False]
    assert latin1.tolist() == ["  ÉLÉONORE ?"]
    ebcdic, bad = decode_text(block("JOSÉ €   ".encode("cp1147")), CP1147)
    assert ebcdic.tolist() == ["JOSÉ €"] and bad.tolist() == [False]


@pytest.mark.parametrize(
    ("charset", "raw"), [(LATIN1, b"AB\x00 "), (LATIN1, b"A\x85  "), (CP1147, b"\xc1\x05\x40\x40")]
)
def test_control_characters_make_text_invalid(charset: Charset, raw: bytes) -> None:
    assert decode_text(block(raw), charset)[1].tolist() == [True]


# ------------------------------------------------------------------ dates
@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (0, None),
        (20240229, "2024-02-29"),
        (20250101, "2025-01-01"),
        (19011215, "1901-12-15"),
        (99991231, "9999-12-31"),
    ],
)
def test_dates(number: int, expected: str | None) -> None:
    dates, bad = to_dates(np.array([number]))
    assert bad.tolist() == [False]
    if expected is None:
        assert np.isnat(dates[0])
    else:
        assert dates[0] == np.datetime64(expected, "D")


@pytest.mark.parametrize("number", [20230229, 20241301, 20240100, 20240431, 20240001, 1, 99999999])
def test_impossible_days_are_invalid(number: int) -> None:
    dates, bad = to_dates(np.array([number]))
    assert bad.tolist() == [True]
    assert np.isnat(dates[0])


@pytest.mark.parametrize("charset", [LATIN1, CP1147])
def test_an_invalid_zoned_value_stays_within_its_digits(charset: Charset) -> None:
    # a low-value byte is no digit: the record is invalid, and its meaningless value still has 8 digits at most,
    # so that a date made of it is of year 9999 at most (the reader formats the header's date)
    values, bad = zoned(charset, False, b"\x00" + "0250101".encode(charset.name))
    assert bad == [True] and 0 <= values[0] <= 99_999_999
