"""Column decoders: a 2-D block of bytes (records × field bytes) → values.

Every decoder works on the whole column at once (numpy table look-ups and
arithmetic over the field's byte columns, never a Python loop over
records) and returns the values with a boolean mask of the records whose
bytes are not valid for the field. Numbers come back as int64 in units of
the field's last digit (cents for ``V99``), as Python ints (an object
array) past 18 digits, floats as float64, dates as ``datetime64[D]``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bascule.legacy_adapters.charsets import CONTROL_MARK, INVALID, Charset

NOT_A_DATE = np.datetime64("NaT", "D")
ControlPolicy = Literal["reject", "keep", "blank"]
CONTROL_POLICIES: tuple[ControlPolicy, ...] = ("reject", "keep", "blank")
INT64_DIGITS = 18


def decode_text(
    block: np.ndarray, charset: Charset, control: ControlPolicy = "reject"
) -> tuple[np.ndarray, np.ndarray]:
    """Characters of each record, right-stripped of spaces, as a ``<U`` array.

    A control character makes the record invalid (``reject``), is kept
    as it is (``keep``) or becomes a space (``blank``).
    """
    rows, width = block.shape
    raw = block.tobytes()  # one copy, in row order, whatever the block's strides
    if len(raw.translate(None, charset.control_bytes)) == len(raw):  # no control byte anywhere: the common case
        text = np.frombuffer(raw.decode(charset.name).encode("utf-32-le"), dtype=f"<U{width}")
        return np.strings.rstrip(text, " "), np.zeros(rows, dtype=bool)
    points = charset.marked_codepoints[block]  # one table pass gives the characters and marks controls
    marked = points >= CONTROL_MARK
    bad = row_any(marked)
    points &= ~np.uint32(CONTROL_MARK)
    if control == "blank":
        points[marked] = 0x20
    if control != "reject":
        bad = np.zeros(rows, dtype=bool)
    return _stripped(points, rows, width), bad


def row_any(mask: np.ndarray) -> np.ndarray:
    """``mask.any(axis=1)``, fast in both layouts: a column-major mask ORs its columns; a row-major one reads
    each row's bytes as one string, empty when all are zero."""
    rows, width = mask.shape
    if width == 0:
        return np.zeros(rows, dtype=bool)
    any_set: np.ndarray
    if mask.flags.f_contiguous and width > 1:
        any_set = np.logical_or.reduce(mask, axis=1)
    else:
        any_set = np.ascontiguousarray(mask).view(np.uint8).view(f"S{width}").reshape(rows) != b""
    return any_set


def columnar(
    records: np.ndarray, spans: list[tuple[int, int]] | None = None, rows_per_block: int = 16_384
) -> np.ndarray:
    """The records as a column-major array (same shape): each byte position of a field is one contiguous run.

    numpy works many times faster on a field's bytes so than on a strided
    slice of row-major records. Only the byte ``spans`` given are filled (the
    numeric fields'; the others are never read from this array); the
    transposition goes a block of rows at a time, which keeps it in the cache.
    """
    count, width = records.shape
    out = np.empty((width, count), dtype=np.uint8)
    for first in range(0, count, rows_per_block):
        rows = records[first : first + rows_per_block]
        for start, end in spans if spans is not None else [(0, width)]:
            out[start:end, first : first + rows_per_block] = rows[:, start:end].T
    return out.T


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte spans sorted, those that touch or overlap joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def decode_national(block: np.ndarray, control: ControlPolicy = "reject") -> tuple[np.ndarray, np.ndarray]:
    """USAGE NATIONAL (``PIC N``): UTF-16 big-endian, two bytes a character."""
    rows, width = block.shape
    points = np.ascontiguousarray(block).view(">u2").astype(np.uint32)
    marked = (points < 0x20) | ((points >= 0x7F) & (points < 0xA0)) | ((points >= 0xD800) & (points < 0xE000))
    bad = row_any(marked)
    if bad.any() and control != "reject":
        points[marked] = 0x20 if control == "blank" else points[marked]
        points[(points >= 0xD800) & (points < 0xE000)] = 0xFFFD  # a lone surrogate cannot be kept
        bad = np.zeros(rows, dtype=bool)
    return _stripped(points, rows, width // 2), bad


def decode_hex(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bytes shown in hexadecimal (DBCS ``PIC G``: no double-byte EBCDIC codec to read them with)."""
    hexes = np.array([row.tobytes().hex().upper() for row in block], dtype=f"<U{2 * block.shape[1]}")
    return hexes, np.zeros(len(block), dtype=bool)


def _stripped(points: np.ndarray, rows: int, width: int) -> np.ndarray:
    text = np.ascontiguousarray(points).view(f"<U{width}").reshape(rows)
    return np.strings.rstrip(text, " ")


def decode_zoned(
    block: np.ndarray, charset: Charset, signed: bool, leading: bool = False, separate: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Zoned decimal: one digit a byte, the sign overpunched on the last byte (or the first: SIGN LEADING),
    or a byte of its own, ``+`` or ``-`` (SIGN SEPARATE).

    The digits are the bytes less the byte of ``0`` (the ten digits follow
    one another in every encoding read): arithmetic, not a table, on all
    but the overpunched byte.
    """
    if signed and separate:
        return _separate_sign(block, charset, leading)
    digits = block - np.uint8(charset.zero)  # a byte below "0" wraps past 9: not a digit
    if not signed:
        bad = row_any(digits > 9)
        return _accumulate(_clamped(digits, bad)), bad
    where = 0 if leading else -1
    punched = block[:, where]
    last = charset.sign_digits[punched]
    body = digits[:, 1:] if leading else digits[:, :-1]
    bad = row_any(body > 9) | (last == INVALID)
    digits = _clamped(digits, bad).copy()
    digits[:, where] = np.where(last == INVALID, 0, last)
    values = _accumulate(digits)
    return np.where(charset.negative[punched], -values, values), bad


def _separate_sign(block: np.ndarray, charset: Charset, leading: bool) -> tuple[np.ndarray, np.ndarray]:
    sign, body = (block[:, 0], block[:, 1:]) if leading else (block[:, -1], block[:, :-1])
    digits = body - np.uint8(charset.zero)
    bad = row_any(digits > 9) | ((sign != charset.plus) & (sign != charset.minus))
    values = _accumulate(_clamped(digits, bad))
    return np.where(sign == charset.minus, -values, values), bad


def _clamped(digits: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Digits above 9 made 9 when some record is invalid: its value means nothing, but stays a number of
    as many digits (a date of year 9999 at most, not 16025)."""
    return np.minimum(digits, np.uint8(9)) if bad.any() else digits


def decode_edited(block: np.ndarray, charset: Charset, edit: str) -> tuple[np.ndarray, np.ndarray]:
    """Numeric edited (``Z(5)9.99``, ``-ZZ9``, ``9(3)CR``): the digits at the picture's digit positions.

    A digit position holds a digit, or a space, ``*``, ``+``, ``-`` or
    ``$`` where zeros are suppressed or a floating symbol stands; any other
    position holds its picture's character or what replaces it (a space,
    ``*``, a floating symbol). The value is negative when a ``-`` shows or
    the field ends in ``CR`` or ``DB``. A blank field (``BLANK WHEN ZERO``)
    is zero.
    """
    from bascule.legacy_adapters.pictures import digit_positions

    points = charset.codepoints[block]
    positions = digit_positions(edit)
    digits = points[:, positions].astype(np.int64) - ord("0")
    is_digit = (digits >= 0) & (digits <= 9)
    filler = np.isin(points[:, positions], [ord(c) for c in " *+-$"])
    bad = ~(is_digit | filler).all(axis=1)
    for position, symbol in enumerate(edit):
        if position not in positions:
            bad |= ~np.isin(points[:, position], [ord(c) for c in _allowed(edit, position, symbol)])
    values = _accumulate(np.where(is_digit, digits, 0))
    credit = np.zeros(len(block), dtype=bool)
    if edit.endswith(("CR", "DB")):
        credit = points[:, -2] != ord(" ")
    negative = (points == ord("-")).any(axis=1) | credit
    return np.where(negative, -values, values), bad


def _allowed(edit: str, position: int, symbol: str) -> str:
    """What may stand at a position of an edited picture that holds no digit."""
    if edit.endswith(("CR", "DB")) and position >= len(edit) - 2:
        return symbol + " "
    if symbol in "+-":
        return "+- "
    if symbol == "B":
        return " "
    return symbol + " *+-$"


def decode_float(block: np.ndarray, ibm: bool) -> tuple[np.ndarray, np.ndarray]:
    """COMP-1 (4 bytes) and COMP-2 (8 bytes): IBM hexadecimal floating point, or IEEE 754 big-endian."""
    width = block.shape[1]
    block = np.ascontiguousarray(block)
    raw = np.ascontiguousarray(block)
    if not ibm:
        values = raw.view(f">f{width}").reshape(-1).astype(np.float64)
        return values, ~np.isfinite(values)
    bits = raw.view(f">u{width}").reshape(-1).astype(np.uint64)
    shift = np.uint64(8 * width - 8)
    fraction = bits & ((np.uint64(1) << shift) - np.uint64(1))
    exponent = ((bits >> shift) & np.uint64(0x7F)).astype(np.int64) - 64
    values = np.ldexp(fraction.astype(np.float64), 4 * exponent - int(shift))  # 0.F × 16**exponent
    negative = (bits >> np.uint64(8 * width - 1)) == 1
    return np.where(negative, -values, values), np.zeros(len(values), dtype=bool)


def decode_packed(block: np.ndarray, digits_of_field: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Packed decimal (COMP-3): two digits a byte, the last nibble the sign.

    Sign nibbles A, C, E, F are positive and B, D negative (IBM's preferred
    and alternate signs); a digit nibble above 9 or a sign nibble below A
    makes the value invalid. ``digits_of_field`` (an even count: one pad
    nibble) keeps an 18-digit field in int64: its pad nibble must be 0.
    Bytes are read two digits at a time (base 100).
    """
    width = block.shape[1]
    high, low = block >> 4, block & 0x0F
    sign = low[:, -1]
    bad = row_any(high > 9) | row_any(low[:, :-1] > 9) | (sign < 0xA)
    pad = digits_of_field is not None and 2 * width - 1 > digits_of_field
    if pad:
        bad |= high[:, 0] != 0
    if 2 * width - 1 - pad > INT64_DIGITS:  # past int64: digit by digit, into Python ints
        nibbles = np.empty((block.shape[0], width * 2 - 1), dtype=np.uint8)
        nibbles[:, 0::2], nibbles[:, 1::2] = high, low[:, :-1]
        values = _accumulate(np.where(nibbles > 9, 0, nibbles))
    else:
        pairs = (np.minimum(high, 9) * 10 + np.minimum(low, 9))[:, :-1]
        values = _accumulate(pairs, base=100) * 10 + np.minimum(high[:, -1], 9)
    return np.where((sign == 0xB) | (sign == 0xD), -values, values), bad


def decode_binary(block: np.ndarray, signed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Big-endian two's-complement binary (COMP, COMP-4, COMP-5, BINARY, POINTER, INDEX).

    The bytes are shifted in one column at a time, so that a column-major
    block is read without a copy.
    """
    width = block.shape[1]
    values = block[:, 0].astype(np.uint64)
    for column in range(1, width):
        values <<= np.uint64(8)
        values |= block[:, column]
    too_large = np.zeros(len(values), dtype=bool)
    if signed:
        bits = 8 * width
        if bits < 64:
            values = values.astype(np.int64)
            values -= (values >> (bits - 1)) << bits  # the sign bit set: subtract 2**bits
            return values, too_large
        return values.view(np.int64), too_large
    if width == 8:
        too_large = values > np.uint64(np.iinfo(np.int64).max)
    return values.astype(np.int64), too_large


def to_dates(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``YYYYMMDD`` integers → ``datetime64[D]``; 0 means no date (NaT).

    The mask marks values that are not a day of the calendar (month 13,
    30 February…).
    """
    year, month, day = values // 10_000, values // 100 % 100, values % 100
    plausible = (values > 0) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = np.where(plausible, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    dates = months.astype("datetime64[D]") + np.where(plausible, day - 1, 0)
    real = plausible & (dates.astype("datetime64[M]") == months)
    return np.where(real, dates, NOT_A_DATE), (values != 0) & ~real


def _accumulate(digits: np.ndarray, base: int = 10) -> np.ndarray:
    """Digits (records × positions, most significant first) → int64 values (Python ints past 18 digits)."""
    width = digits.shape[1]
    fits = INT64_DIGITS if base == 10 else INT64_DIGITS // 2
    if width > fits:
        low = _accumulate(digits[:, width - fits :], base)
        high = _accumulate(digits[:, : width - fits], base)
        joined: np.ndarray = high.astype(object) * base**fits + low.astype(object)
        return joined
    if width == 0:
        return np.zeros(digits.shape[0], dtype=np.int64)
    values = digits[:, 0].astype(np.int64)
    for column in range(1, width):
        values *= base
        values += digits[:, column]
    return values
