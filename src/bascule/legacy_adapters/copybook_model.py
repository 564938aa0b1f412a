"""The copybook's model: entries (items), the fields of a view, 88-level ranges."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from typing import Literal

from bascule.legacy_adapters.pictures import Picture

Usage = Literal["display", "packed", "binary", "float", "pointer", "index", "national", "dbcs"]
Kind = Literal["text", "zoned", "packed", "binary", "float", "edited", "national", "dbcs"]
Value = str | int | bytes | decimal.Decimal


@dataclass(frozen=True)
class Range:
    """An 88-level ``VALUE low THRU high``: every value from ``low`` to ``high``."""

    low: Value
    high: Value


@dataclass
class Item:
    """One data-description entry and, for a group, its subordinate entries."""

    level: int
    name: str  # "FILLER" when the entry is unnamed
    line: int
    picture: Picture | None = None
    usage: Usage | None = None  # None: not given, the group's usage or DISPLAY
    fixed_size: int = 0  # POINTER, INDEX, COMP-1, COMP-2: no PICTURE, a size of their own
    sign_leading: bool | None = None
    sign_separate: bool = False
    occurs: int = 1  # the most occurrences
    occurs_min: int = 1
    depending_on: str | None = None
    redefines: str | None = None
    renames: tuple[str, str | None] | None = None
    sync: bool = False
    conditions: dict[str, tuple[Value | Range, ...]] = field(default_factory=dict)
    children: list[Item] = field(default_factory=list)
    offset: int = 0  # in the largest layout (every table at its most occurrences)
    size: int = 0  # of one occurrence, in the largest layout

    @property
    def is_group(self) -> bool:
        return self.picture is None and not self.fixed_size

    @property
    def kind(self) -> Kind:
        """What decodes it (an elementary item)."""
        usage = self.usage or "display"
        if self.picture is None:
            return "float" if usage == "float" else "binary"
        category = self.picture.category
        if category in ("alphanumeric", "national", "dbcs"):
            return "text" if category == "alphanumeric" else category
        if category == "edited":
            return "edited"
        match usage:
            case "packed" | "binary":
                return usage
            case _:  # DISPLAY: the copybook's checks allow no other usage with a numeric PIC
                return "zoned"


@dataclass(frozen=True)
class Field:
    """An elementary item at its place in the record: what a decoder needs."""

    name: str
    offset: int
    size: int
    kind: Kind
    digits: int = 0
    scale: int = 0
    signed: bool = False
    conditions: tuple[tuple[str, tuple[Value | Range, ...]], ...] = ()
    sign_leading: bool = False
    sign_separate: bool = False
    edit: str = ""  # edited pictures: the expanded picture
    present_if: tuple[str, int] | None = None  # in a table DEPENDING ON a counter: (counter, occurrence)

    @property
    def end(self) -> int:
        return self.offset + self.size
