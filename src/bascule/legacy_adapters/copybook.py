"""A COBOL copybook parser: record description entries → byte layouts.

Reads the data-description entries of record layouts: levels 01–49, 66
(``RENAMES``), 77 and 88 (condition names: values, lists, ``THRU`` ranges,
figurative constants, hex literals); ``FILLER`` or an omitted name; every
PICTURE category of :mod:`pictures` (``P`` scaling, edited, national);
``USAGE`` ``DISPLAY``, ``COMP-3``/``PACKED-DECIMAL``,
``COMP``/``COMP-4``/``COMP-5``/``BINARY``, ``COMP-1``/``COMP-2``,
``POINTER``, ``INDEX``, ``NATIONAL``, ``DISPLAY-1``, also given on a group;
``SIGN LEADING``/``TRAILING`` [``SEPARATE``]; ``SYNCHRONIZED`` (outside
tables); ``REDEFINES``, also larger than what it redefines;
``OCCURS n``, ``OCCURS m TO n DEPENDING ON``, ``INDEXED BY``,
``ASCENDING``/``DESCENDING KEY``. A copybook may hold several 01 records
(one per record type) or none (the 01 lives in the program: its entries
are read under one record called ``RECORD``). What is not read is refused
with a :class:`CopybookError` naming the line, never skipped.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from bascule.errors import CopybookError
from bascule.files import read_text
from bascule.legacy_adapters.copybook_source import sentences
from bascule.legacy_adapters.layout_walk import Placement, place
from bascule.legacy_adapters.pictures import MAX_DIGITS, Picture, parse_picture

__all__ = ["MAX_DIGITS", "Field", "Item", "Layout", "Picture", "Range", "load_copybook", "parse_copybook"]

Usage = Literal["display", "packed", "binary", "float", "pointer", "index", "national", "dbcs"]
Kind = Literal["text", "zoned", "packed", "binary", "float", "edited", "national", "dbcs"]
NAMELESS_RECORD = "RECORD"

_USAGE_WORDS: dict[str, Usage] = {
    "DISPLAY": "display",
    **dict.fromkeys(("COMP-3", "COMPUTATIONAL-3", "PACKED-DECIMAL"), "packed"),
    **dict.fromkeys(("COMP", "COMPUTATIONAL", "COMP-4", "COMPUTATIONAL-4", "COMP-5", "COMPUTATIONAL-5"), "binary"),
    "BINARY": "binary",
    **dict.fromkeys(("COMP-1", "COMPUTATIONAL-1", "COMP-2", "COMPUTATIONAL-2"), "float"),
    **dict.fromkeys(("POINTER", "PROCEDURE-POINTER", "FUNCTION-POINTER"), "pointer"),
    "INDEX": "index",
    "NATIONAL": "national",
    "DISPLAY-1": "dbcs",
}
_FIXED_SIZES = {
    "POINTER": 4,
    "FUNCTION-POINTER": 4,
    "PROCEDURE-POINTER": 8,
    "INDEX": 4,
    "COMP-1": 4,
    "COMPUTATIONAL-1": 4,
    "COMP-2": 8,
    "COMPUTATIONAL-2": 8,
}
_CLAUSE_WORDS = {
    "PIC",
    "PICTURE",
    "REDEFINES",
    "USAGE",
    "OCCURS",
    "VALUE",
    "VALUES",
    "SIGN",
    "LEADING",
    "TRAILING",
    "SYNC",
    "SYNCHRONIZED",
    "JUSTIFIED",
    "JUST",
    "BLANK",
    "EXTERNAL",
    "GLOBAL",
    "RENAMES",
}
_IGNORED_WORDS = {
    "JUSTIFIED",
    "JUST",
    "RIGHT",
    "BLANK",
    "WHEN",
    "ZERO",
    "ZEROS",
    "ZEROES",
    "IS",
    "EXTERNAL",
    "GLOBAL",
    "LEFT",
    "GROUP-USAGE",
}
_FIGURATIVE = {
    "SPACE": " ",
    "SPACES": " ",
    "ZERO": 0,
    "ZEROS": 0,
    "ZEROES": 0,
    "LOW-VALUE": b"\x00",
    "LOW-VALUES": b"\x00",
    "HIGH-VALUE": b"\xff",
    "HIGH-VALUES": b"\xff",
    "QUOTE": '"',
    "QUOTES": '"',
    "NULL": b"\x00",
    "NULLS": b"\x00",
}
Value = str | int | bytes | decimal.Decimal


@dataclass(frozen=True)
class Range:
    """An 88-level ``VALUE low THRU high``: every value from ``low`` to ``high``."""

    low: Value
    high: Value


# --------------------------------------------------------------------- model
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
        return "zoned" if usage == "display" else usage  # type: ignore[return-value]


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


@dataclass
class Layout:
    """The parsed copybook: its records (01 levels) and the fields of each view of them."""

    records: list[Item]
    source: str = ""
    renames: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def root(self) -> Item:
        return self.records[0]

    @property
    def record_size(self) -> int:
        """Bytes of the largest record (every table at its most occurrences)."""
        return max(r.size * r.occurs for r in self.records)

    def record(self, name: str) -> Item:
        for record in self.records:
            if record.name == name.upper():
                return record
        raise KeyError(f"no 01 record {name!r} in the copybook")

    def item(self, name: str) -> Item:
        """The entry called ``name`` (case-insensitive; ``GROUP.NAME`` for one of several)."""
        *groups, last = name.upper().split(".")
        for path in _paths(self.records):
            if path[-1].name == last and _qualified_by(path, groups):
                return path[-1]
        raise KeyError(f"no item {name!r} in the copybook")

    def redefinitions(self, name: str) -> list[Item]:
        """The entries that REDEFINE ``name``, in copybook order."""
        return [path[-1] for path in _paths(self.records) if path[-1].redefines == name.upper()]

    def counters(self) -> list[str]:
        """Names of the fields that OCCURS DEPENDING ON tables depend on, in copybook order."""
        return list(dict.fromkeys(p[-1].depending_on for p in _paths(self.records) if p[-1].depending_on))

    def occurs_range(self, counter: str) -> tuple[int, int]:
        """The smallest and largest values of ``counter`` that every table DEPENDING ON it allows."""
        tables = [p[-1] for p in _paths(self.records) if p[-1].depending_on == counter.upper()]
        if not tables:
            raise KeyError(f"no table depends on {counter!r}")
        return max(t.occurs_min for t in tables), min(t.occurs for t in tables)

    def view(self, name: str) -> tuple[str, dict[str, str]]:
        """The record and the REDEFINES choices that read the entry ``name`` (an 01 or an alternative)."""
        *groups, last = name.upper().split(".")
        for path in _paths(self.records):
            if path[-1].name == last and _qualified_by(path, groups):
                return path[0].name, {i.redefines: i.name for i in path if i.redefines}
        raise KeyError(f"no record or item {name!r} in the copybook")

    def fields(
        self, choose: dict[str, str] | None = None, *, record: str | None = None, counts: dict[str, int] | None = None
    ) -> list[Field]:
        """Elementary fields of one view of a record, FILLER left out.

        ``choose`` maps a redefined item's name to the entry read in its
        place (``{"PRG-CORPS": "PRG-AS"}``); a redefined item with no choice
        is read as itself. ``record`` names the 01 (the first by default).
        ``counts`` gives the occurrences of tables DEPENDING ON a counter
        (``{"N-LINES": 3}``): the fields after them move up; without it every
        table takes its most occurrences and the fields of the occurrences
        past the counter carry ``present_if``. Names of fields that are not
        unique in the view are qualified by their groups (``GROUP.FIELD``).
        """
        root = self.root if record is None else self.record(record)
        choices = {k.upper(): v.upper() for k, v in (choose or {}).items()}
        placed = place(root, choices, counts)
        return _qualified(placed)


# ------------------------------------------------------------------- reading
def parse_copybook(source: str) -> Layout:
    """Parse copybook text into a :class:`Layout` with offsets and sizes."""
    items = [_parse_entry(line, words) for line, words in sentences(source)]
    if not items:
        raise CopybookError("the copybook holds no data-description entry")
    records, renames = _build_records(items)
    for record in records:
        _inherit(record, None, None)
        _check_tables(record)
        place(record, {}, None, store=True)
    return Layout(records=records, source=source, renames=renames)


def load_copybook(path: str | Path) -> Layout:
    """Read and parse a copybook file."""
    return parse_copybook(read_text(path, "copybook", CopybookError))


def _build_records(items: list[Item]) -> tuple[list[Item], dict[str, tuple[str, str | None]]]:
    """Nest the entries by level: 01 and 77 start records, 88 attach to the entry above, 66 to the record."""
    records: list[Item] = []
    renames: dict[str, tuple[str, str | None]] = {}
    stack: list[Item] = []
    for item in items:
        if item.level == 88:
            if not stack:
                raise CopybookError(f"line {item.line}: an 88-level condition with no entry above it")
            stack[-1].conditions.update(item.conditions)
        elif item.level == 66:
            if not records or item.renames is None:
                raise CopybookError(f"line {item.line}: a 66-level RENAMES needs a record above it")
            renames[item.name] = item.renames
        elif item.level in (1, 77) or not records:
            if item.level not in (1, 77) and not records:  # no 01: the record lives in the program
                records.append(Item(level=0, name=NAMELESS_RECORD, line=item.line))
                stack = [records[-1]]
            else:
                records.append(item)
                stack = [item]
                continue
            _attach(stack, item)
        else:
            _attach(stack, item)
    return records, renames


def _attach(stack: list[Item], item: Item) -> None:
    while stack and stack[-1].level >= item.level:
        stack.pop()
    if not stack:
        raise CopybookError(f"line {item.line}: level {item.level:02d} has no parent")
    parent = stack[-1]
    if not parent.is_group:
        raise CopybookError(
            f"line {item.line}: {item.name} is under {parent.name}, which has a PIC "
            "and so cannot hold subordinate items"
        )
    parent.children.append(item)
    stack.append(item)


def _inherit(item: Item, usage: Usage | None, sign: tuple[bool, bool] | None) -> None:
    """A group's USAGE and SIGN clauses apply to the items under it that give none."""
    item.usage = item.usage or usage
    if item.sign_leading is None and sign is not None:
        item.sign_leading, item.sign_separate = sign
    own = (item.sign_leading, item.sign_separate) if item.sign_leading is not None else sign
    for child in item.children:
        _inherit(child, item.usage, own)
    if not item.is_group:
        _check_elementary(item)


def _check_elementary(item: Item) -> None:
    picture, usage = item.picture, item.usage or "display"
    where = f"line {item.line}: {item.name}"
    if picture is None:
        if usage not in ("float", "pointer", "index"):
            raise CopybookError(f"{where}: an elementary item needs a PIC (or USAGE POINTER, INDEX, COMP-1, COMP-2)")
        return
    if usage in ("float", "pointer", "index"):
        raise CopybookError(f"{where}: USAGE {usage.upper()} takes no PIC")
    if picture.category in ("alphanumeric", "edited") and usage != "display":
        raise CopybookError(f"{where}: PIC {picture.text} cannot be {usage.upper()}")
    if picture.category == "numeric" and usage in ("national", "dbcs"):
        raise CopybookError(f"{where}: national numeric PIC {picture.text} is not read")
    if usage == "binary" and picture.digits > 18:
        raise CopybookError(f"{where}: a binary PIC {picture.text} holds at most 18 digits")
    if item.sign_separate and (picture.category != "numeric" or usage != "display" or not picture.signed):
        raise CopybookError(f"{where}: SIGN SEPARATE needs a signed DISPLAY numeric PIC (S9...)")


def _check_tables(record: Item) -> None:
    """OCCURS DEPENDING ON: its counter must be an elementary number outside any table, before the table."""
    paths = list(_paths([record]))
    by_name = {p[-1].name: p for p in paths}
    for path in paths:
        item = path[-1]
        inside = any(i.occurs > 1 or i.depending_on for i in path[:-1])
        if item.sync and (inside or item.occurs > 1):
            raise CopybookError(f"line {item.line}: {item.name}: SYNCHRONIZED inside a table is not read")
        if item.depending_on is None:
            continue
        counter = by_name.get(item.depending_on)
        if counter is None or counter[-1].is_group or counter[-1].kind not in ("zoned", "packed", "binary"):
            raise CopybookError(
                f"line {item.line}: {item.name} OCCURS DEPENDING ON {item.depending_on}, "
                "which is not an elementary numeric item of the record"
            )
        if inside or any(i.occurs > 1 or i.depending_on for i in counter):
            raise CopybookError(
                f"line {item.line}: {item.name}: a table DEPENDING ON inside a table, or a counter inside one, "
                "is not read"
            )
        if paths.index(counter) > paths.index(path):
            raise CopybookError(f"line {item.line}: {item.name}: its counter {item.depending_on} comes after it")


# ------------------------------------------------------------------ entries
def _parse_entry(line: int, tokens: list[str]) -> Item:
    """One entry: level, optional name, then clauses in any order."""
    words = [t if _literal_word(t) else t.upper() for t in tokens]
    if not words[0].isdigit():
        raise CopybookError(f"line {line}: an entry must start with a level number, not {tokens[0]!r}")
    level = int(words[0])
    if not (1 <= level <= 49 or level in (66, 77, 88)):
        raise CopybookError(f"line {line}: {level} is not a level number (01-49, 66, 77, 88)")
    rest = words[1:]
    name = "FILLER"
    if rest and not _is_clause_word(rest[0]):
        name, rest = rest[0], rest[1:]
    item = Item(level=level, name=name, line=line)
    if level == 88:
        item.conditions[name] = _condition_values(line, rest)
    elif level == 66:
        item.renames = _renames(item, rest)
    else:
        _read_clauses(item, rest)
    return item


def _literal_word(token: str) -> bool:
    return "'" in token[:3] or '"' in token[:3]


def _is_clause_word(word: str) -> bool:
    return word in _CLAUSE_WORDS or word in _USAGE_WORDS


def _read_clauses(item: Item, words: list[str]) -> None:
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("PIC", "PICTURE"):
            i = _skip(words, i + 1, "IS")
            item.picture = parse_picture(item.line, _take(item, words, i))
        elif word == "REDEFINES":
            i += 1
            item.redefines = _take(item, words, i)
        elif word == "USAGE":
            i = _skip(words, i + 1, "IS")
            _set_usage(item, _take(item, words, i))
        elif word in _USAGE_WORDS:
            _set_usage(item, word)
        elif word == "OCCURS":
            i = _occurs(item, words, i + 1)
            continue
        elif word in ("VALUE", "VALUES"):
            i = _skip_value(words, i)  # initial values do not shape the layout
            continue
        elif word in ("SIGN", "LEADING", "TRAILING"):
            i = _sign(item, words, i)
            continue
        elif word in ("SYNC", "SYNCHRONIZED"):
            item.sync = True
            i = _skip(words, i + 1, "LEFT", "RIGHT")
            continue
        elif word == "RENAMES":
            raise CopybookError(f"line {item.line}: {item.name}: RENAMES belongs to a 66-level entry")
        elif word not in _IGNORED_WORDS:
            raise CopybookError(f"line {item.line}: {item.name}: unexpected word {word!r}")
        i += 1


def _skip(words: list[str], i: int, *noise: str) -> int:
    while i < len(words) and words[i] in noise:
        i += 1
    return i


def _take(item: Item, words: list[str], i: int) -> str:
    if i >= len(words):
        raise CopybookError(f"line {item.line}: {item.name}: the entry ends too early")
    return words[i]


def _set_usage(item: Item, word: str) -> None:
    if word not in _USAGE_WORDS:
        raise CopybookError(f"line {item.line}: {item.name}: unknown USAGE {word!r}")
    item.usage = _USAGE_WORDS[word]
    item.fixed_size = _FIXED_SIZES.get(word, 0)


def _sign(item: Item, words: list[str], i: int) -> int:
    """``[SIGN [IS]] LEADING|TRAILING [SEPARATE [CHARACTER]]``."""
    i = _skip(words, i, "SIGN", "IS")
    where = _take(item, words, i)
    if where not in ("LEADING", "TRAILING"):
        raise CopybookError(f"line {item.line}: {item.name}: SIGN must be LEADING or TRAILING, not {where!r}")
    item.sign_leading = where == "LEADING"
    i += 1
    if i < len(words) and words[i] == "SEPARATE":
        item.sign_separate = True
        i = _skip(words, i + 1, "CHARACTER")
    return i


_OCCURS_WORDS = {"TIMES", "DEPENDING", "ASCENDING", "DESCENDING", "INDEXED"}


def _occurs(item: Item, words: list[str], i: int) -> int:
    """``OCCURS [m TO] n [TIMES] [DEPENDING ON x] [ASCENDING|DESCENDING KEY IS k...] [INDEXED BY i...]``."""
    where = f"line {item.line}: {item.name}"
    counts = [_take(item, words, i)]
    i += 1
    if i < len(words) and words[i] == "TO":
        counts.append(_take(item, words, i + 1))
        i += 2
    if not all(c.isdigit() for c in counts):
        raise CopybookError(f"{where}: OCCURS needs a count, not {' TO '.join(counts)!r}")
    item.occurs_min, item.occurs = int(counts[0]), int(counts[-1])
    while i < len(words) and words[i] in _OCCURS_WORDS:
        word = words[i]
        i = _skip(words, i + 1, "ON", "KEY", "IS", "BY")
        if word == "DEPENDING":
            item.depending_on = _take(item, words, i)
            i += 1
        elif word in ("ASCENDING", "DESCENDING", "INDEXED"):  # keys and index names name, they do not shape
            while i < len(words) and not _is_clause_word(words[i]) and words[i] not in _OCCURS_WORDS:
                i += 1
    if item.occurs < 1 or item.occurs < item.occurs_min:
        raise CopybookError(f"{where}: OCCURS {item.occurs_min} TO {item.occurs} is not a range of counts")
    if item.occurs_min != item.occurs and item.depending_on is None:
        raise CopybookError(f"{where}: OCCURS {item.occurs_min} TO {item.occurs} needs DEPENDING ON its counter")
    return i


def _skip_value(words: list[str], i: int) -> int:
    i = _skip(words, i + 1, "IS", "ARE")
    while i < len(words) and not _is_clause_word(words[i]):
        i += 1
    return i


def _renames(item: Item, words: list[str]) -> tuple[str, str | None]:
    if len(words) not in (2, 4) or words[0] != "RENAMES" or (len(words) == 4 and words[2] not in ("THRU", "THROUGH")):
        raise CopybookError(f"line {item.line}: {item.name}: write 66 NAME RENAMES A [THRU B]")
    return words[1], words[3] if len(words) == 4 else None


def _condition_values(line: int, words: list[str]) -> tuple[Value | Range, ...]:
    """``VALUE[S] [IS|ARE] v [THRU w], ...`` of an 88-level."""
    if not words or words[0] not in ("VALUE", "VALUES"):
        raise CopybookError(f"line {line}: an 88-level needs a VALUE clause")
    words = [w for w in words[1:] if w not in ("IS", "ARE", "ALL")]
    values: list[Value | Range] = []
    i = 0
    while i < len(words):
        if words[i] in ("THRU", "THROUGH"):
            if not values or i + 1 >= len(words) or isinstance(values[-1], Range):
                raise CopybookError(f"line {line}: THRU needs a value on each side")
            values[-1] = Range(values[-1], _literal(line, words[i + 1]))
            i += 2
            continue
        if words[i] in ("WHEN", "SET", "TO", "FALSE"):  # WHEN SET TO FALSE v: the value SET ... FALSE gives
            break
        values.append(_literal(line, words[i]))
        i += 1
    if not values:
        raise CopybookError(f"line {line}: an 88-level VALUE clause names no value")
    return tuple(values)


_HEX = re.compile(r"X(['\"])([0-9A-Fa-f]*)\1", re.I)


def _literal(line: int, word: str) -> Value:
    hexadecimal = _HEX.fullmatch(word)
    if hexadecimal:
        if len(hexadecimal.group(2)) % 2:
            raise CopybookError(f"line {line}: {word} has an odd number of hex digits")
        return bytes.fromhex(hexadecimal.group(2))
    if word[:1] in ("'", '"') or word[:2].upper() in ("N'", 'N"', "G'", 'G"'):
        body = word[1:] if word[0] in "'\"" else word[2:]
        quote = body[-1:]
        if quote not in ("'", '"'):
            raise CopybookError(f"line {line}: the literal {word} is not closed")
        return body[:-1].replace(quote * 2, quote)
    if re.fullmatch(r"[+-]?\d+", word):
        return int(word)
    if re.fullmatch(r"[+-]?\d*\.\d+", word):
        return decimal.Decimal(word)
    if word.upper() in _FIGURATIVE:
        return _FIGURATIVE[word.upper()]
    raise CopybookError(f"line {line}: {word!r} is not a literal this reader understands")


# ---------------------------------------------------------------- flattening
def _paths(records: list[Item]) -> Iterator[tuple[Item, ...]]:
    """Every entry with the entries above it, record first, in copybook order."""
    stack: list[tuple[Item, ...]] = [(r,) for r in reversed(records)]
    while stack:
        path = stack.pop()
        yield path
        stack.extend(path + (child,) for child in reversed(path[-1].children))


def _qualified_by(path: tuple[Item, ...], groups: list[str]) -> bool:
    names = [i.name for i in path[:-1]]
    return all(g in names for g in groups)


def _qualified(placed: list[Placement]) -> list[Field]:
    """The fields, each name qualified by its nearest groups until it is unique in the view."""
    names = [p.field.name for p in placed]
    depth = [0] * len(placed)
    for _ in range(max((len(p.groups) for p in placed), default=0)):
        seen: dict[str, int] = {}
        for name in names:
            seen[name] = seen.get(name, 0) + 1
        clashing = [i for i, name in enumerate(names) if seen[name] > 1]
        if not clashing:
            break
        for i in clashing:
            groups = placed[i].groups
            if depth[i] < len(groups):
                depth[i] += 1
                names[i] = ".".join([*groups[len(groups) - depth[i] :], placed[i].field.name])
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise CopybookError(f"fields {', '.join(twice)} have the same name and the same groups; rename one")
    return [p.field if name == p.field.name else replace(p.field, name=name) for p, name in zip(placed, names)]
