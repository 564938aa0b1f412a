"""Record types: which records of a file are read as which record of the copybook.

``--record-type KIND=H:HEADER-REC`` reads the records whose field ``KIND``
holds ``H`` as ``HEADER-REC``: an 01 record, or a REDEFINES alternative
read in place of what it redefines. One field tells every type, at the
same place in each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bascule.errors import BasculeError
from bascule.legacy_adapters.copybook import Field, Layout


class DecodeError(BasculeError):
    """The options of a decode do not fit the copybook or the file."""


@dataclass(frozen=True)
class RecordChoice:
    """``FIELD=VALUE:RECORD``: records whose FIELD holds VALUE are read as RECORD."""

    field: str
    value: str
    record: str

    @classmethod
    def parse(cls, text: str) -> RecordChoice:
        name, equals, rest = text.partition("=")
        value, colon, record = rest.rpartition(":")
        if not (equals and colon and name.strip() and record.strip()):
            raise DecodeError(f"--record-type {text!r}: write FIELD=VALUE:RECORD, e.g. REC-KIND=H:HEADER-REC")
        return cls(name.strip().upper(), value, record.strip().upper())


@dataclass(frozen=True)
class RecordType:
    """One table: the records read as one record or REDEFINES alternative of the copybook."""

    name: str
    record: str  # its 01
    choose: Mapping[str, str]
    fields: tuple[Field, ...]  # every table at its most occurrences
    values: tuple[str, ...] = ()  # the discriminator values that choose it


def record_types(layout: Layout, choices: tuple[RecordChoice, ...]) -> list[RecordType]:
    """The tables a decode writes: one per --record-type record, or the copybook's only record."""
    if not choices:
        if len(layout.records) > 1:
            names = ", ".join(r.name for r in layout.records)
            raise DecodeError(
                f"the copybook holds {len(layout.records)} records ({names}); say which records are which with "
                "--record-type FIELD=VALUE:RECORD (one for each record type)"
            )
        root = layout.root
        return [RecordType(root.name, root.name, {}, tuple(layout.fields(record=root.name)))]
    by_name: dict[str, list[str]] = {}
    for choice in choices:
        by_name.setdefault(choice.record, []).append(choice.value)
    types = []
    for name, values in by_name.items():
        try:
            record, choose = layout.view(name)
        except KeyError:
            raise DecodeError(
                f"--record-type ...:{name}: no record or REDEFINES entry {name} in the copybook"
            ) from None
        types.append(RecordType(name, record, choose, tuple(layout.fields(choose, record=record)), tuple(values)))
    return types


def discriminator(types: list[RecordType], choices: tuple[RecordChoice, ...]) -> Field | None:
    """The field whose value says a record's type: at the same place in every type's layout."""
    if not choices:
        return None
    names = {c.field for c in choices}
    if len(names) > 1:
        raise DecodeError(f"--record-type names several fields ({', '.join(sorted(names))}); use one field for all")
    name = names.pop()
    found = {}
    for kind in types:
        match = [f for f in kind.fields if f.name == name or f.name.endswith("." + name)]
        if not match:
            raise DecodeError(f"--record-type {name}=...: {kind.name} has no field {name}")
        found[kind.name] = match[0]
    places = {(f.offset, f.size, f.kind) for f in found.values()}
    if len(places) > 1:
        raise DecodeError(f"--record-type {name}: the field is not at the same place in every record type")
    first = next(iter(found.values()))
    if first.present_if is not None:
        raise DecodeError(f"--record-type {name}: the field is inside a table DEPENDING ON a counter")
    return first
