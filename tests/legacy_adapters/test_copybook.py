"""The copybook parser: layouts, offsets and sizes, and clear refusals."""

from __future__ import annotations

import pytest

from bascule import CopybookError, parse_copybook
from bascule.legacy_adapters.progres_layout import shipped_layout


def fields_of(source: str, choose: dict[str, str] | None = None) -> list[tuple[str, int, int, str]]:
    layout = parse_copybook(source)
    return [(f.name, f.offset, f.size, f.kind) for f in layout.fields(choose)]


def test_progres_layout_matches_layout_md() -> None:
    layout = shipped_layout(1)
    assert layout.record_size == 200
    payment = layout.specs["PA"]
    amount = payment.field("PA-MONTANT")
    assert (amount.offset, amount.size, amount.kind, amount.digits, amount.scale, amount.signed) == (
        67,
        6,
        "packed",
        11,
        2,
        True,
    )
    rate = payment.field("PA-TAUX")
    assert (rate.offset, rate.size, rate.kind, rate.scale, rate.signed) == (73, 5, "zoned", 2, False)
    assert "PA-DATE-PAIEMENT" in payment.dates and "PA-NB-JOURS" not in payment.dates
    income = layout.specs["AS"].field("AS-REVENU-TI")
    assert (income.offset, income.size, income.signed, income.scale) == (136, 11, True, 2)
    assert list(layout.specs) == ["HD", "AS", "EM", "AR", "SA", "SL", "SU", "PA", "FT"]
    for spec in layout.specs.values():
        assert spec.fields[-1].end <= 200


def test_every_record_type_starts_with_the_common_prefix() -> None:
    for spec in shipped_layout(1).specs.values():
        assert [f.name for f in spec.fields[:4]] == ["PRG-CAISSE", "PRG-NIR", "PRG-NIR-CLE", "PRG-NUM-ARRET"]
        assert spec.fields[4].offset == 30


FREE_FORMAT = """
01 REC.
   05 KIND PIC XX.
      88 IS-A VALUE 'A1'.
      88 IS-B VALUES ARE 'B1' 'B2'.
   05 AMOUNTS OCCURS 3 TIMES.
      10 AMOUNT PIC S9(5)V99 COMP-3.
      10 FLAG PIC X.
   05 FILLER PIC X(4).
   05 COUNT PIC 9(4) COMP.
   05 TAIL PIC X(10).
   05 TAIL-NUM REDEFINES TAIL PIC 9(10).
"""


def test_occurs_are_unrolled_with_subscripts() -> None:
    assert fields_of(FREE_FORMAT) == [
        ("KIND", 0, 2, "text"),
        ("AMOUNT(1)", 2, 4, "packed"),
        ("FLAG(1)", 6, 1, "text"),
        ("AMOUNT(2)", 7, 4, "packed"),
        ("FLAG(2)", 11, 1, "text"),
        ("AMOUNT(3)", 12, 4, "packed"),
        ("FLAG(3)", 16, 1, "text"),
        ("COUNT", 21, 2, "binary"),
        ("TAIL", 23, 10, "text"),
    ]
    assert parse_copybook(FREE_FORMAT).record_size == 33


def test_a_redefinition_is_read_in_place_of_what_it_redefines() -> None:
    fields = fields_of(FREE_FORMAT, {"TAIL": "TAIL-NUM"})
    assert fields[-1] == ("TAIL-NUM", 23, 10, "zoned")


def test_condition_names_attach_to_their_item() -> None:
    kind = parse_copybook(FREE_FORMAT).item("KIND")
    assert kind.conditions == {"IS-A": ("A1",), "IS-B": ("B1", "B2")}


def test_nested_occurs() -> None:
    source = """
01 GRID.
   05 ROW OCCURS 2.
      10 CELL PIC 9 OCCURS 3.
"""
    assert [(name, offset) for name, offset, _, _ in fields_of(source)] == [
        ("CELL(1,1)", 0),
        ("CELL(1,2)", 1),
        ("CELL(1,3)", 2),
        ("CELL(2,1)", 3),
        ("CELL(2,2)", 4),
        ("CELL(2,3)", 5),
    ]


@pytest.mark.parametrize(
    ("picture", "usage", "size"),
    [
        ("9(5)V99", "COMP-3", 4),
        ("S9(9)V99", "COMP-3", 6),
        ("S9(4)", "COMP-3", 3),
        ("9", "COMP-3", 1),
        ("S9(4)", "COMP", 2),
        ("S9(9)", "BINARY", 4),
        ("S9(18)", "COMP-5", 8),
        ("S9(13)V99", "", 15),
        ("X(170)", "", 170),
        ("A(3)", "", 3),
    ],
)
def test_storage_sizes(picture: str, usage: str, size: int) -> None:
    layout = parse_copybook(f"01 R.\n   05 F PIC {picture} {usage}.\n")
    assert layout.record_size == size


def test_reference_format_ignores_sequence_numbers_comments_and_columns_past_72() -> None:
    source = (
        "000100* a comment line with 05 NOT-A-FIELD PIC X.\n"
        "000200 01  REC.                                                          IGNORED1\n"
        "000300     05  A   PIC X(3).                                             IGNORED2\n"
        "000400     05  B   PIC 9(2)V9.\n"
    )
    assert fields_of(source) == [("A", 0, 3, "text"), ("B", 3, 3, "zoned")]


def test_entries_may_span_lines() -> None:
    assert fields_of("01 R.\n   05 LONG-NAME\n      PIC\n      X(4).\n") == [("LONG-NAME", 0, 4, "text")]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("01 R.\n   05 A PIC X(3)\n", "does not end with a period"),
        ("01 R.\n   05 A PIC X.\n   05 B PIC X OCCURS 1 TO 5 DEPENDING ON A.\n", "not an elementary numeric"),
        ("01 R.\n   05 B PIC X OCCURS 1 TO 5.\n", "needs DEPENDING ON"),
        ("01 R.\n   05 B PIC X OCCURS 1 TO 5 DEPENDING ON N.\n   05 N PIC 9.\n", "comes after it"),
        ("01 R.\n   05 B REDEFINES Z PIC X(3).\n", "not an earlier item"),
        ("01 R.\n   05 A PIC S9(39).\n", "at most 38"),
        ("01 R.\n   05 A PIC S9(19) COMP.\n", "at most 18 digits"),
        ("01 R.\n   05 T OCCURS 2.\n      10 A PIC S9(4) COMP SYNC.\n", "SYNCHRONIZED inside a table"),
        ("01 R.\n   05 A PIC X(3) SIGN LEADING SEPARATE.\n", "SIGN SEPARATE needs"),
        ("01 R.\n   05 A PIC X COMP-3.\n", "cannot be PACKED"),
        ("01 R.\n   05 A POINTER PIC 9.\n", "takes no PIC"),
        ("01 R.\n   05 A PIC X.\n   .\n", "stray period"),
        ("01 R.\n   COPY OTHERBOOK.\n", "COPY statement"),
        ("01 R.\n   EXEC SQL INCLUDE SQLCA END-EXEC.\n", "EXEC SQL statement"),
        ("01 R.\n   05 A PIC X.\n      88 BAD VALUE 1 THRU.\n", "THRU needs a value"),
        ("01 R.\n   05 A PIC X.\n   66 B RENAMES.\n", "RENAMES A"),
        ("01 R.\n   05 A PIC X.\n      10 B PIC X.\n", "cannot hold subordinate"),
        ("01 R.\n   05 A PIC X FROBNICATE.\n", "unexpected word"),
    ],
)
def test_unsupported_or_broken_copybooks_are_refused_with_the_line(source: str, message: str) -> None:
    with pytest.raises(CopybookError, match=message) as raised:
        parse_copybook(source)
    assert "line" in str(raised.value) or "copybook" in str(raised.value)
