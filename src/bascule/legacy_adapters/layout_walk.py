"""Place a record's entries: offsets and sizes of one view of it.

A view is the record read with some REDEFINES alternatives chosen and,
for tables ``OCCURS … DEPENDING ON`` a counter, either the counts of one
record (the fields after a table move up) or none (every table at its
most occurrences: the fixed layout). One walk gives the offsets, the
sizes and the fields; the copybook stores the fixed layout's offsets on
its items.
"""

from __future__ import annotations

from dataclasses import dataclass

from bascule.errors import CopybookError
from bascule.legacy_adapters.copybook_model import Field, Item

_ALIGNMENT = {"binary": {2: 2, 4: 4, 8: 4}, "float": {4: 4, 8: 8}, "pointer": {4: 4, 8: 8}, "index": {4: 4}}


@dataclass(frozen=True)
class Placement:
    """A field of the view and the names of the groups above it (the record's own name left out)."""

    field: Field
    groups: tuple[str, ...]


def place(root: Item, choose: dict[str, str], counts: dict[str, int] | None, *, store: bool = False) -> list[Placement]:
    """The fields of one view of ``root``; ``store`` writes the offsets and sizes on the items."""
    walk = _Walk(choose, counts, store)
    size = walk.one(root, 0, "", (), True, None, first=True)  # an 01 with a PIC is a record of one field
    if store:
        root.offset, root.size = 0, size
    return walk.placed


def view_size(root: Item, choose: dict[str, str], counts: dict[str, int] | None) -> int:
    """Bytes of one view of ``root`` (with ``counts``: of a record holding those counts)."""
    return _Walk(choose, counts, False).one(root, 0, "", (), False, None, first=True)


def storage_size(item: Item) -> int:
    """Bytes one occurrence of an elementary item takes."""
    if item.fixed_size:
        return item.fixed_size
    picture = item.picture
    assert picture is not None
    usage = item.usage or "display"
    if usage == "packed":
        return picture.digits // 2 + 1
    if usage == "binary":
        return 2 if picture.digits <= 4 else 4 if picture.digits <= 9 else 8
    return picture.display_size + (1 if item.sign_separate else 0)


class _Walk:
    def __init__(self, choose: dict[str, str], counts: dict[str, int] | None, store: bool) -> None:
        self.choose, self.counts, self.store = choose, counts, store
        self.placed: list[Placement] = []

    def group(
        self, item: Item, at: int, suffix: str, groups: tuple[str, ...], emit: bool, present: tuple[str, int] | None
    ) -> int:
        """Place a group's children from ``at``; the size of one occurrence of the group."""
        cursor, end = at, at
        starts: dict[str, int] = {}
        names = {child.name for child in item.children}
        inner = groups if item.level in (0, 1) or item.name == "FILLER" else (*groups, item.name)
        for child in item.children:
            start = self._start(child, starts, cursor)
            chosen = emit and self._chosen(child, names, item.name)
            extent = self.table(child, start, suffix, inner, chosen, present)
            starts.setdefault(child.name, start)
            cursor = end = max(end, start + extent)  # a REDEFINES larger than its target pushes what follows
        if end == at and not self.counts:
            raise CopybookError(f"line {item.line}: group {item.name} holds no data")
        return end - at

    def table(
        self, item: Item, start: int, suffix: str, groups: tuple[str, ...], emit: bool, present: tuple[str, int] | None
    ) -> int:
        """Place every occurrence of ``item``; the bytes they take together."""
        count = item.occurs
        if item.depending_on and self.counts is not None and item.depending_on in self.counts:
            count = min(max(self.counts[item.depending_on], 0), item.occurs)
        repeated = item.occurs > 1 or item.depending_on is not None
        size = 0
        for k in range(count):
            mark = _subscript(suffix, k + 1) if repeated else suffix
            guard = present
            if item.depending_on and self.counts is None and k + 1 > item.occurs_min:
                guard = (item.depending_on, k + 1)
            size = self.one(item, start + k * size, mark, groups, emit, guard, first=k == 0)
        if count == 0:  # no occurrence in this record: still place it to know nothing of it is read
            self.one(item, start, _subscript(suffix, 1), groups, False, present, first=True)
        return size * count

    def one(
        self,
        item: Item,
        at: int,
        suffix: str,
        groups: tuple[str, ...],
        emit: bool,
        present: tuple[str, int] | None,
        first: bool,
    ) -> int:
        if item.is_group:
            size = self.group(item, at, suffix, groups, emit, present)
        else:
            size = storage_size(item)
            if emit and item.name != "FILLER":
                self.placed.append(Placement(_field(item, at, size, suffix, present), groups))
        if self.store and first:
            item.offset, item.size = at, size
        return size

    def _start(self, child: Item, starts: dict[str, int], cursor: int) -> int:
        if child.redefines is None:
            start = cursor
        elif child.redefines in starts:
            start = starts[child.redefines]
        else:
            raise CopybookError(
                f"line {child.line}: {child.name} REDEFINES {child.redefines}, "
                "which is not an earlier item of the same group"
            )
        if child.sync and not child.is_group:
            boundary = _ALIGNMENT.get(child.usage or "display", {}).get(storage_size(child), 1)
            start += -start % boundary
        return start

    def _chosen(self, child: Item, names: set[str], group: str) -> bool:
        """Whether this view reads ``child``: a redefined item unless replaced, an alternative if chosen."""
        if child.redefines is not None:
            return self.choose.get(child.redefines) == child.name
        replacement = self.choose.get(child.name)
        if replacement is not None and replacement not in names:
            raise KeyError(f"{replacement} is not an entry of group {group}")
        return replacement is None or replacement == child.name


def _subscript(suffix: str, index: int) -> str:
    return f"({index})" if not suffix else f"{suffix[:-1]},{index})"


def _field(item: Item, offset: int, size: int, suffix: str, present: tuple[str, int] | None) -> Field:
    picture, kind = item.picture, item.kind
    if picture is None:
        digits, scale, signed = (0, 0, True) if kind == "float" else (10, 0, item.usage == "index")
    else:
        digits, scale, signed = picture.digits, picture.scale, picture.signed
    return Field(
        name=item.name + suffix,
        offset=offset,
        size=size,
        kind=kind,
        digits=digits,
        scale=scale,
        signed=signed,
        conditions=tuple(item.conditions.items()),
        sign_leading=bool(item.sign_leading) and kind == "zoned",
        sign_separate=item.sign_separate and kind == "zoned",
        edit=picture.edit if picture is not None else "",
        present_if=present,
    )
