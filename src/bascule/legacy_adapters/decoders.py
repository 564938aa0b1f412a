"""Column decoders: a 2-D block of bytes (records × field bytes) → values.

Every decoder works on the whole column at once (numpy table look-ups and
arithmetic over the field's byte columns, never a Python loop over
records) and returns the values with a boolean mask of the records whose
bytes are not valid for the field. Numbers come back as int64 in units of
the field's last digit (cents for ``V99``), dates as ``datetime64[D]``.
"""

from __future__ import annotations

import numpy as np

from bascule.legacy_adapters.charsets import CONTROL_MARK, INVALID, Charset

NOT_A_DATE = np.datetime64("NaT", "D")


def decode_text(block: np.ndarray, charset: Charset) -> tuple[np.ndarray, np.ndarray]:
    """Characters of each record, right-stripped of spaces, as a ``<U`` array.

    The mask marks records holding a control character.
    """
    rows, width = block.shape
    points = charset.marked_codepoints[block]  # one table pass gives the characters and marks controls
    bad = (points >= CONTROL_MARK).any(axis=1)
    if bad.any():
        points &= ~np.uint32(CONTROL_MARK)
    text = points.view(f"<U{width}").reshape(rows)
    return np.strings.rstrip(text, " "), bad


def decode_zoned(block: np.ndarray, charset: Charset, signed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Zoned decimal: one digit a byte, the sign overpunched on the last byte."""
    digits = charset.digits[block]
    if signed:
        digits[:, -1] = charset.sign_digits[block[:, -1]]
    bad = (digits == INVALID).any(axis=1)
    values = _accumulate(digits)
    if signed:
        values = np.where(charset.negative[block[:, -1]], -values, values)
    return values, bad


def decode_packed(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Packed decimal (COMP-3): two digits a byte, the last nibble the sign.

    Sign nibbles A, C, E, F are positive and B, D negative (IBM's preferred
    and alternate signs); a digit nibble above 9 or a sign nibble below A
    makes the value invalid.
    """
    high, low = block >> 4, block & 0x0F
    nibbles = np.empty((block.shape[0], block.shape[1] * 2), dtype=np.int8)
    nibbles[:, 0::2], nibbles[:, 1::2] = high, low
    digits, sign = nibbles[:, :-1], nibbles[:, -1]
    bad = (digits > 9).any(axis=1) | (sign < 0xA)
    values = _accumulate(np.where(digits > 9, 0, digits))
    return np.where((sign == 0xB) | (sign == 0xD), -values, values), bad


def decode_binary(block: np.ndarray, signed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Big-endian two's-complement binary (COMP, COMP-4, COMP-5, BINARY)."""
    width = block.shape[1]
    dtype = np.dtype(f">{'i' if signed else 'u'}{width}")
    values = np.ascontiguousarray(block).view(dtype).reshape(-1).astype(np.int64)
    return values, np.zeros(len(values), dtype=bool)


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


def _accumulate(digits: np.ndarray) -> np.ndarray:
    """Digits (records × positions, most significant first) → int64 values."""
    values = np.zeros(digits.shape[0], dtype=np.int64)
    for column in range(digits.shape[1]):
        values = values * 10 + digits[:, column]
    return values
