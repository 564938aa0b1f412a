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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from bascule.errors import CopybookError
from bascule.files import read_text
from bascule.legacy_adapters.copybook_entries import parse_entry
from bascule.legacy_adapters.copybook_model import Field, Item, Kind, Range, Usage, Value
from bascule.legacy_adapters.copybook_source import sentences
from bascule.legacy_adapters.layout_walk import Placement, place
from bascule.legacy_adapters.pictures import MAX_DIGITS, Picture

__all__ = [
    "MAX_DIGITS",
    "Field",
    "Item",
    "Kind",
    "Layout",
    "Picture",
    "Range",
    "Usage",
    "Value",
    "load_copybook",
    "parse_copybook",
]

NAMELESS_RECORD = "RECORD"


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
        self,
        choose: Mapping[str, str] | None = None,
        *,
        record: str | None = None,
        counts: dict[str, int] | None = None,
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
    items = [parse_entry(line, words) for line, words in sentences(source)]
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
    return [
        p.field if name == p.field.name else replace(p.field, name=name) for p, name in zip(placed, names, strict=True)
    ]
