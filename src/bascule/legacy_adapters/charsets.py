"""What each byte means in each encoding an extract can come in.

Decoding works on whole columns of bytes through 256-entry lookup tables,
one set per encoding: the character a byte stands for, the digit a zoned
byte carries, and the signed digit an overpunched last byte carries. The
overpunch must be read from the bytes themselves: in CP1147 the positive
zero ``0xC0`` prints as ``é``, not as the ``{`` of other code pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import ebcdic  # noqa: F401  (registers the cp1147 codec)
import numpy as np

INVALID = -1
CONTROL_MARK = 0x8000_0000  # above every Unicode code point


@dataclass(frozen=True, eq=False)
class Charset:
    """Lookup tables for one encoding."""

    name: str
    header: bytes  # how the record type "HD" is written
    codepoints: np.ndarray  # uint32[256]: Unicode code point of each byte
    digits: np.ndarray  # int8[256]: digit of a zoned byte, INVALID otherwise
    sign_digits: np.ndarray  # int8[256]: digit of an overpunched last byte, INVALID otherwise
    negative: np.ndarray  # bool[256]: the overpunched last byte says "negative"
    control: np.ndarray  # bool[256]: the byte is a C0 or C1 control character
    marked_codepoints: np.ndarray  # uint32[256]: code points, CONTROL_MARK set on controls (one pass)
    plus: int = 0x2B  # the byte of "+" (a separate sign)
    minus: int = 0x2D  # the byte of "-"
    space: int = 0x20
    ebcdic: bool = False
    control_bytes: bytes = b""  # the bytes that are controls: a whole block is checked for them at once
    zero: int = 0x30  # the byte of "0"; the ten digits follow it in every encoding read


def _charset(
    name: str, digits: np.ndarray, sign_digits: np.ndarray, negative: np.ndarray, codec: str | None = None
) -> Charset:
    """A charset from its numeric tables; the character tables come from Python's codec."""
    codec = codec or name
    text = bytes(range(256)).decode(codec, errors="replace")
    points = np.fromiter((ord(c) for c in text), dtype=np.uint32, count=256)
    # C0 and C1 controls: never in a text field, the trace of binary data or a wrong encoding
    control = (points < 0x20) | ((points >= 0x7F) & (points < 0xA0)) | (points == 0xFFFD)
    marked = np.where(control, points | CONTROL_MARK, points).astype(np.uint32)
    plus, minus, space = "+- ".encode(codec)
    return Charset(
        name,
        "HD".encode(codec),
        points,
        digits,
        sign_digits,
        negative,
        control,
        marked,
        plus,
        minus,
        space,
        ebcdic=space == 0x40,
        control_bytes=bytes(np.flatnonzero(control).tolist()),
        zero="0".encode(codec)[0],
    )


def _ascii_family(name: str) -> Charset:
    digits = np.full(256, INVALID, dtype=np.int8)
    digits[0x30:0x3A] = np.arange(10)
    sign_digits = digits.copy()  # a plain digit on the last byte reads as positive
    negative = np.zeros(256, dtype=bool)
    for value, (plus, minus) in enumerate(zip("{ABCDEFGHI", "}JKLMNOPQR", strict=True)):
        sign_digits[ord(plus)] = value
        sign_digits[ord(minus)] = value
        negative[ord(minus)] = True
    return _charset(name, digits, sign_digits, negative)


def _ebcdic(name: str) -> Charset:
    """Every EBCDIC code page writes digits and overpunched signs with the same bytes."""
    digits = np.full(256, INVALID, dtype=np.int8)
    digits[0xF0:0xFA] = np.arange(10)
    sign_digits = np.full(256, INVALID, dtype=np.int8)
    negative = np.zeros(256, dtype=bool)
    # IBM zoned decimal: zone nibble C, A, E or F is positive, D or B negative.
    for zone in (0xA, 0xB, 0xC, 0xD, 0xE, 0xF):
        sign_digits[zone << 4 : (zone << 4) + 10] = np.arange(10)
        negative[zone << 4 : (zone << 4) + 10] = zone in (0xB, 0xD)
    return _charset(name, digits, sign_digits, negative)


LATIN1 = _ascii_family("latin-1")
CP1147 = _ebcdic("cp1147")
EBCDIC_PAGES = ("cp037", "cp273", "cp285", "cp297", "cp500", "cp1140", "cp1141", "cp1147", "cp1148")
CHARSETS = {
    **{name: (CP1147 if name == "cp1147" else _ebcdic(name)) for name in EBCDIC_PAGES},
    "latin-1": LATIN1,
    "ascii": _ascii_family("ascii"),
}
PROGRES_CHARSETS = (LATIN1, CP1147)
_ALIASES = {"latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1", "us-ascii": "ascii"}


def charset_named(name: str) -> Charset:
    """The charset of an encoding name: ``cp037``, ``037``, ``IBM-1147``, ``latin-1``, ``ascii``…"""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    digits = key.removeprefix("ibm").removeprefix("cp").removeprefix("-").lstrip("0")
    for candidate in (key, f"cp{digits.zfill(3)}"):
        if candidate in CHARSETS:
            return CHARSETS[candidate]
    known = ", ".join(CHARSETS)
    raise ValueError(f"unknown encoding {name!r}; bascule reads {known}")


def detect_charset(first_bytes: bytes) -> Charset | None:
    """The PROGRES charset whose ``HD`` matches the first two bytes of an extract."""
    for charset in PROGRES_CHARSETS:
        if first_bytes[:2] == charset.header:
            return charset
    return None
