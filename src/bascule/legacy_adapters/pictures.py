"""PICTURE strings: what their symbols say about a field, not where it lies.

Categories read: alphanumeric (``X``, ``A``, and ``9``/``B``/``0``/``/``
mixed with them), numeric (``9``, ``S``, ``V``, ``P`` scaling), numeric
edited (``Z``, ``*``, ``+``, ``-``, ``CR``, ``DB``, ``B``, ``0``, ``/``,
``,``, ``.``, ``$``), national (``N``, two bytes a character) and DBCS
(``G``, two bytes a character). Numbers hold at most 38 digits (what a
128-bit decimal holds exactly). The decimal point is ``.``
(``DECIMAL-POINT IS COMMA`` lives in the program, not the copybook).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bascule.errors import CopybookError

Category = Literal["alphanumeric", "numeric", "edited", "national", "dbcs"]
MAX_DIGITS = 38
_REPEAT = re.compile(r"(.)\((\d+)\)")
_EDIT_SYMBOLS = set("9Z*+-B0/,.$V")


@dataclass(frozen=True)
class Picture:
    """A parsed PICTURE string."""

    text: str
    category: Category
    digits: int  # numeric: digit positions; text: characters
    scale: int = 0  # the value is the digits × 10**-scale; P scaling makes it negative or larger than digits
    signed: bool = False
    edit: str = ""  # edited: the expanded picture (CR and DB kept as two characters)

    @property
    def numeric(self) -> bool:
        return self.category in ("numeric", "edited")

    @property
    def display_size(self) -> int:
        """Bytes of the field in USAGE DISPLAY (NATIONAL for N)."""
        if self.category == "edited":
            return len(self.edit)
        if self.category in ("national", "dbcs"):
            return 2 * self.digits
        return self.digits


def parse_picture(line: int, text: str) -> Picture:
    """Expand repetitions and read the symbols of a PICTURE string."""
    expanded = _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text.upper())
    if "(" in expanded or ")" in expanded:
        raise CopybookError(f"line {line}: PIC {text}: a repetition count is not written n(count)")
    symbols = set(expanded)
    if symbols <= set("N"):
        return Picture(text, "national", len(expanded))
    if symbols <= set("GB"):
        return Picture(text, "dbcs", len(expanded))
    if symbols & set("XA") and symbols <= set("XA9B0/"):
        return Picture(text, "alphanumeric", len(expanded))
    if symbols <= set("S9VP") and expanded.lstrip("S").find("S") < 0:
        return _numeric(line, text, expanded)
    if symbols <= _EDIT_SYMBOLS | set("CRDBS") and "9" in expanded or symbols & set("Z*"):
        return _edited(line, text, expanded)
    raise CopybookError(f"line {line}: PIC {text}: symbols {''.join(sorted(symbols))!r} are not a picture read here")


def _numeric(line: int, text: str, expanded: str) -> Picture:
    signed = expanded.startswith("S")
    body = expanded[signed:]
    if not re.fullmatch(r"V?P+9+|9+P+V?|9*V?9*", body):
        raise CopybookError(f"line {line}: PIC {text}: 9s, one V and P scaling at either end only")
    digits = body.count("9")
    if "V" in body:
        integer, fraction = body.split("V")
    elif body.startswith("P"):
        integer, fraction = "", body
    else:
        integer, fraction = body, ""
    scale = len(fraction) - integer.count("P")  # P left of the point multiplies, right of it divides
    _check_digits(line, text, digits)
    return Picture(text, "numeric", digits, scale, signed)


def _edited(line: int, text: str, expanded: str) -> Picture:
    expanded = expanded.replace("V", "")  # an implied point in an edited picture: it moves nothing
    sign = expanded.endswith(("CR", "DB")) or "+" in expanded or "-" in expanded
    body = expanded[:-2] if expanded.endswith(("CR", "DB")) else expanded
    if set(body) - _EDIT_SYMBOLS:
        raise CopybookError(f"line {line}: PIC {text}: not an edited numeric picture")
    positions = digit_positions(body)
    point = body.find(".")
    scale = sum(1 for p in positions if point >= 0 and p > point)
    _check_digits(line, text, len(positions))
    return Picture(text, "edited", len(positions), scale, sign, expanded)


def digit_positions(edit: str) -> list[int]:
    """Character positions of an edited picture that can hold a digit.

    ``9``, ``Z`` and ``*`` do; a floating string of two or more ``+``,
    ``-`` or ``$`` holds a digit in every position but its first.
    """
    positions = []
    for i, symbol in enumerate(edit):
        if symbol in "9Z*":
            positions.append(i)
        elif symbol in "+-$" and i > 0 and _floating_start(edit, i) < i:
            positions.append(i)
    return positions


def _floating_start(edit: str, i: int) -> int:
    """Start of the run of ``edit[i]`` (insertion characters , . B 0 / may sit inside a floating string)."""
    symbol, j = edit[i], i
    while j > 0 and (edit[j - 1] == symbol or edit[j - 1] in ",B0/"):
        j -= 1
    while edit[j] != symbol:
        j += 1
    return j


def _check_digits(line: int, text: str, digits: int) -> None:
    if digits == 0:
        raise CopybookError(f"line {line}: PIC {text} has no digit position")
    if digits > MAX_DIGITS:
        raise CopybookError(f"line {line}: PIC {text} has {digits} digits; at most {MAX_DIGITS} are read exactly")
