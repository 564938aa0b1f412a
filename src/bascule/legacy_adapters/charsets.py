"""What each byte means in each encoding an extract can come in.

Decoding works on whole columns of bytes through 256-entry lookup tables,
one set per encoding: the character a byte stands for, the digit a zoned
byte carries, and the signed digit an overpunched last byte carries. The
overpunch must be read from the bytes themselves: in CP1147 the positive
zero ``0xC0`` prints as ``é``, not as the ``{`` of other code pages.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import ebcdic  # noqa: F401  (registers the cp1147 codec)
import numpy as np

INVALID = -1


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

    def decode(self, raw: bytes) -> str:
        return raw.decode(self.name)


def _is_control(codepoints: np.ndarray) -> np.ndarray:
    """C0 and C1 controls: never in a text field, the trace of binary data or a wrong encoding."""
    return (codepoints < 0x20) | ((codepoints >= 0x7F) & (codepoints < 0xA0))


def _codepoints(encoding: str) -> np.ndarray:
    text = bytes(range(256)).decode(encoding)
    return np.fromiter((ord(c) for c in text), dtype=np.uint32, count=256)


def _latin1() -> Charset:
    digits = np.full(256, INVALID, dtype=np.int8)
    digits[0x30:0x3A] = np.arange(10)
    sign_digits = digits.copy()  # a plain digit on the last byte reads as positive
    negative = np.zeros(256, dtype=bool)
    for value, (plus, minus) in enumerate(zip("{ABCDEFGHI", "}JKLMNOPQR")):
        sign_digits[ord(plus)] = value
        sign_digits[ord(minus)] = value
        negative[ord(minus)] = True
    points = _codepoints("latin-1")
    return Charset("latin-1", b"HD", points, digits, sign_digits, negative, _is_control(points))


def _cp1147() -> Charset:
    digits = np.full(256, INVALID, dtype=np.int8)
    digits[0xF0:0xFA] = np.arange(10)
    sign_digits = np.full(256, INVALID, dtype=np.int8)
    negative = np.zeros(256, dtype=bool)
    # IBM zoned decimal: zone nibble C, A, E or F is positive, D or B negative.
    for zone in (0xA, 0xB, 0xC, 0xD, 0xE, 0xF):
        sign_digits[zone << 4 : (zone << 4) + 10] = np.arange(10)
        negative[zone << 4 : (zone << 4) + 10] = zone in (0xB, 0xD)
    points = _codepoints("cp1147")
    return Charset("cp1147", "HD".encode("cp1147"), points, digits, sign_digits, negative, _is_control(points))


LATIN1 = _latin1()
CP1147 = _cp1147()
CHARSETS = {charset.name: charset for charset in (LATIN1, CP1147)}


def charset_named(name: str) -> Charset:
    """The charset for an encoding name as users write it (``latin1``, ``CP1147``…)."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        canonical = name
    aliases = {"iso8859-1": "latin-1", "latin-1": "latin-1", "cp1147": "cp1147"}
    found = CHARSETS.get(aliases.get(canonical, canonical))
    if found is None:
        raise KeyError(f"unknown encoding {name!r}; bascule reads {', '.join(CHARSETS)}")
    return found


def detect_charset(first_bytes: bytes) -> Charset | None:
    """The charset whose ``HD`` matches the first two bytes of an extract."""
    for charset in CHARSETS.values():
        if first_bytes[:2] == charset.header:
            return charset
    return None
