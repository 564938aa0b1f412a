"""The PROGRES-IJ dialect of a copybook: record types, their fields, dates.

The copybook is the single source of truth for offsets and types
(docs/PROGRES-LAYOUT.md). What this module adds is the PROGRES convention that binds
a record type to its view of the record: the 88-level values of
``PRG-TYPE-ENREG`` are the type codes, and the entry that REDEFINES
``PRG-CORPS`` for type ``XX`` is called ``PRG-XX``. Unsigned ``PIC 9(8)``
fields are dates (``SSAAMMJJ``). A new layout version is a new copybook
under ``layouts/``, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from bascule.errors import CopybookError, ExtractUnreadable
from bascule.legacy_adapters.copybook import Field, Layout, load_copybook, parse_copybook

TYPE_FIELD = "PRG-TYPE-ENREG"
BODY_FIELD = "PRG-CORPS"
HEADER, TRAILER = "HD", "FT"
PERSON, EMPLOYER, STOPPAGE = "AS", "EM", "AR"
ATTESTATION, SALARY_LINE, SUBROGATION, PAYMENT = "SA", "SL", "SU", "PA"
VERSION_FIELD = "HD-VERSION-LAYOUT"
SHIPPED_LAYOUTS = {1: "progres_ij_01.cpy"}


@dataclass(frozen=True)
class RecordSpec:
    """How to read one record type: its fields (the prefix, then its body)."""

    code: str
    fields: tuple[Field, ...]
    dates: frozenset[str]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class ProgresLayout:
    """A PROGRES copybook read as record types."""

    layout: Layout
    record_size: int
    specs: dict[str, RecordSpec]
    type_field: Field

    @classmethod
    def from_copybook(cls, layout: Layout) -> ProgresLayout:
        codes = _type_codes(layout)
        specs = {code: _spec(layout, code) for code in codes}
        for required in (HEADER, TRAILER):
            if required not in specs:
                raise CopybookError(f"the copybook has no {required} record type; it is not a PROGRES layout")
        type_field = next(f for f in layout.fields() if f.name == TYPE_FIELD)
        return cls(layout=layout, record_size=layout.record_size, specs=specs, type_field=type_field)


@cache  # parsed once a process: every reader of an extract asks for it, twice, and it never changes
def shipped_layout(version: int) -> ProgresLayout:
    """The copybook bascule ships for a layout version of the ``HD`` record."""
    name = SHIPPED_LAYOUTS.get(version)
    if name is None:
        known = ", ".join(f"{v:02d}" for v in SHIPPED_LAYOUTS)
        raise ExtractUnreadable(
            f"the extract says layout version {version:02d}, and bascule knows {known}; "
            "give its copybook with --copybook"
        )
    text = resources.files("bascule.legacy_adapters").joinpath("layouts", name).read_text(encoding="utf-8")
    return ProgresLayout.from_copybook(parse_copybook(text))


def layout_from_file(path: str | Path) -> ProgresLayout:
    return ProgresLayout.from_copybook(load_copybook(path))


def _type_codes(layout: Layout) -> list[str]:
    try:
        conditions = layout.item(TYPE_FIELD).conditions
    except KeyError:
        raise CopybookError(f"the copybook has no {TYPE_FIELD}; it is not a PROGRES layout") from None
    return [str(value) for values in conditions.values() for value in values]


def is_progres_layout(layout: Layout) -> bool:
    """Whether a copybook is a PROGRES layout (its records typed by PRG-TYPE-ENREG), not any other."""
    try:
        ProgresLayout.from_copybook(layout)
    except CopybookError:
        return False
    return True


def record_choices(layout: ProgresLayout) -> list[str]:
    """The PROGRES convention in the general reader's words: ``PRG-TYPE-ENREG=AS:PRG-AS``…"""
    return [f"{TYPE_FIELD}={code}:PRG-{code}" for code in layout.specs]


def _spec(layout: Layout, code: str) -> RecordSpec:
    body = f"PRG-{code}"
    alternatives = {item.name for item in layout.redefinitions(BODY_FIELD)}
    if body not in alternatives:
        raise CopybookError(f"record type {code} has no {body} REDEFINES {BODY_FIELD} in the copybook")
    record, choose = layout.view(body)  # the general reader's view of a record type: an 01 and its REDEFINES
    fields = tuple(f for f in layout.fields(choose, record=record) if f.name != TYPE_FIELD)
    dates = frozenset(f.name for f in fields if _is_date(f))
    return RecordSpec(code=code, fields=fields, dates=dates)


def _is_date(field: Field) -> bool:
    """docs/PROGRES-LAYOUT.md: dates are PIC 9(8), SSAAMMJJ."""
    return field.kind == "zoned" and field.digits == 8 and field.scale == 0 and not field.signed
