"""The copybook features real sites' copybooks use, one test each, offsets counted by hand."""

from __future__ import annotations

import decimal

import pytest

from bascule import CopybookError, parse_copybook
from bascule.legacy_adapters.copybook import NAMELESS_RECORD, Range


def shape(source: str, **view: object) -> list[tuple[str, int, int, str]]:
    return [(f.name, f.offset, f.size, f.kind) for f in parse_copybook(source).fields(**view)]  # type: ignore[arg-type]


def test_a_copybook_with_no_01_is_read_under_one_record() -> None:
    layout = parse_copybook("05 A PIC X(3).\n05 B.\n   10 C PIC 9(2).\n")
    assert [r.name for r in layout.records] == [NAMELESS_RECORD]
    assert shape("05 A PIC X(3).\n05 B.\n   10 C PIC 9(2).\n") == [("A", 0, 3, "text"), ("C", 3, 2, "zoned")]
    assert layout.record_size == 5


def test_several_01_records_each_start_at_byte_zero() -> None:
    source = "01 HEAD.\n   05 KIND PIC X.\n   05 NAME PIC X(10).\n01 LINE.\n   05 KIND PIC X.\n   05 QTY PIC 9(3).\n"
    layout = parse_copybook(source)
    assert [r.name for r in layout.records] == ["HEAD", "LINE"]
    assert shape(source, record="LINE") == [("KIND", 0, 1, "text"), ("QTY", 1, 3, "zoned")]
    assert layout.record_size == 11  # the largest
    assert layout.view("LINE") == ("LINE", {})


def test_a_view_names_the_alternative_and_the_record_that_holds_it() -> None:
    source = "01 R.\n   05 T PIC X.\n   05 BODY PIC X(4).\n   05 BODY-A REDEFINES BODY.\n      10 N PIC 9(4).\n"
    assert parse_copybook(source).view("BODY-A") == ("R", {"BODY": "BODY-A"})


def test_same_names_under_different_groups_are_qualified_never_dropped() -> None:
    source = (
        "01 R.\n   05 HOME.\n      10 CITY PIC X(3).\n      10 ZIP PIC 9(2).\n"
        "   05 WORK.\n      10 CITY PIC X(3).\n      10 ZIP PIC 9(2).\n   05 NOTE PIC X.\n"
    )
    assert [f.name for f in parse_copybook(source).fields()] == [
        "HOME.CITY",
        "HOME.ZIP",
        "WORK.CITY",
        "WORK.ZIP",
        "NOTE",
    ]
    assert parse_copybook(source).item("WORK.CITY").offset == 5


def test_qualification_climbs_until_names_differ() -> None:
    source = "01 R.\n   05 A.\n      10 G.\n         15 X PIC X.\n   05 B.\n      10 G.\n         15 X PIC X.\n"
    assert [f.name for f in parse_copybook(source).fields()] == ["A.G.X", "B.G.X"]


def test_88_levels_lists_ranges_figuratives_and_hex() -> None:
    source = """01 R.
   05 CODE PIC 9(2).
      88 SMALL VALUE 1 THRU 5.
      88 LISTED VALUES ARE 7, 9, 11 THROUGH 13.
   05 FLAG PIC X.
      88 NOTHING VALUE LOW-VALUES.
      88 EVERYTHING VALUE HIGH-VALUE.
      88 BLANK-FLAG VALUE SPACES.
      88 HEX-A VALUE X'C1'.
      88 QUOTED VALUE 'It''s'.
   05 RATE PIC 9V9.
      88 HALF VALUE 0.5.
"""
    layout = parse_copybook(source)
    assert layout.item("CODE").conditions == {"SMALL": (Range(1, 5),), "LISTED": (7, 9, Range(11, 13))}
    assert layout.item("FLAG").conditions == {
        "NOTHING": (b"\x00",),
        "EVERYTHING": (b"\xff",),
        "BLANK-FLAG": (" ",),
        "HEX-A": (b"\xc1",),
        "QUOTED": ("It's",),
    }
    assert layout.item("RATE").conditions == {"HALF": (decimal.Decimal("0.5"),)}


@pytest.mark.parametrize(
    ("picture", "size", "digits", "scale", "signed"),
    [
        ("Z(5)9.99", 9, 8, 2, False),
        ("+9(8)", 9, 8, 0, True),
        ("-ZZ9", 4, 3, 0, True),
        ("ZZ,ZZ9.99CR", 11, 7, 2, True),
        ("9(3)DB", 5, 3, 0, True),
        ("99B99/99", 8, 6, 0, False),
        ("$$,$$9.99", 9, 6, 2, False),
        ("***,**9", 7, 6, 0, False),
        ("++++9", 5, 4, 0, True),
    ],
)
def test_edited_pictures(picture: str, size: int, digits: int, scale: int, signed: bool) -> None:
    field = parse_copybook(f"01 R.\n   05 F PIC {picture}.\n").fields()[0]
    assert (field.kind, field.size, field.digits, field.scale, field.signed) == ("edited", size, digits, scale, signed)


@pytest.mark.parametrize(("usage", "size"), [("POINTER", 4), ("USAGE IS INDEX", 4), ("PROCEDURE-POINTER", 8)])
def test_pointer_and_index_have_fixed_sizes(usage: str, size: int) -> None:
    assert shape(f"01 R.\n   05 P {usage}.\n   05 X PIC X.\n") == [("P", 0, size, "binary"), ("X", size, 1, "text")]


def test_occurs_depending_on_fixed_and_variable_layouts() -> None:
    source = "01 R.\n   05 N PIC 9.\n   05 T OCCURS 1 TO 3 DEPENDING ON N.\n      10 V PIC X(2).\n   05 Z PIC X.\n"
    layout = parse_copybook(source)
    fixed = layout.fields()
    assert [(f.name, f.offset, f.present_if) for f in fixed] == [
        ("N", 0, None),
        ("V(1)", 1, None),
        ("V(2)", 3, ("N", 2)),
        ("V(3)", 5, ("N", 3)),
        ("Z", 7, None),
    ]
    assert layout.record_size == 8
    assert shape(source, counts={"N": 2}) == [
        ("N", 0, 1, "zoned"),
        ("V(1)", 1, 2, "text"),
        ("V(2)", 3, 2, "text"),
        ("Z", 5, 1, "text"),
    ]
    assert layout.counters() == ["N"]


def test_occurs_indexed_by_and_keys_change_nothing() -> None:
    plain = shape("01 R.\n   05 T OCCURS 2 TIMES.\n      10 K PIC X.\n")
    keyed = shape("01 R.\n   05 T OCCURS 2 TIMES ASCENDING KEY IS K INDEXED BY I1 I2.\n      10 K PIC X.\n")
    assert keyed == plain == [("K(1)", 0, 1, "text"), ("K(2)", 1, 1, "text")]


def test_a_redefines_larger_than_its_target_pushes_what_follows() -> None:
    source = "01 R.\n   05 A PIC X(2).\n   05 B REDEFINES A PIC X(5).\n   05 C PIC X.\n"
    assert shape(source) == [("A", 0, 2, "text"), ("C", 5, 1, "text")]
    assert shape(source, choose={"A": "B"}) == [("B", 0, 5, "text"), ("C", 5, 1, "text")]
    assert parse_copybook(source).record_size == 6


@pytest.mark.parametrize(
    ("clause", "size", "leading", "separate"),
    [
        ("", 3, False, False),
        ("SIGN TRAILING", 3, False, False),
        ("SIGN IS LEADING", 3, True, False),
        ("SIGN LEADING SEPARATE CHARACTER", 4, True, True),
        ("SIGN TRAILING SEPARATE", 4, False, True),
    ],
)
def test_sign_clauses(clause: str, size: int, leading: bool, separate: bool) -> None:
    field = parse_copybook(f"01 R.\n   05 F PIC S9(3) {clause}.\n").fields()[0]
    assert (field.size, field.sign_leading, field.sign_separate) == (size, leading, separate)


def test_a_sign_clause_on_a_group_applies_to_its_numbers() -> None:
    fields = parse_copybook("01 R SIGN LEADING SEPARATE.\n   05 A PIC S9(2).\n   05 B PIC S9(2).\n").fields()
    assert [(f.offset, f.size, f.sign_leading) for f in fields] == [(0, 3, True), (3, 3, True)]


@pytest.mark.parametrize(("usage", "size"), [("COMP-1", 4), ("COMP-2", 8), ("COMPUTATIONAL-2", 8)])
def test_floats(usage: str, size: int) -> None:
    assert shape(f"01 R.\n   05 F {usage}.\n") == [("F", 0, size, "float")]


def test_more_than_18_digits() -> None:
    assert shape("01 R.\n   05 A PIC S9(31) COMP-3.\n   05 B PIC 9(38).\n") == [
        ("A", 0, 16, "packed"),
        ("B", 16, 38, "zoned"),
    ]


def test_national_and_dbcs_take_two_bytes_a_character() -> None:
    assert shape("01 R.\n   05 A PIC N(4).\n   05 B PIC G(3) DISPLAY-1.\n") == [
        ("A", 0, 8, "national"),
        ("B", 8, 6, "dbcs"),
    ]


def test_usage_on_a_group_reaches_its_items() -> None:
    assert shape("01 R.\n   05 G COMP-3.\n      10 A PIC S9(3).\n      10 B PIC 9(4) DISPLAY.\n") == [
        ("A", 0, 2, "packed"),
        ("B", 2, 4, "zoned"),
    ]


@pytest.mark.parametrize(
    ("picture", "digits", "scale"), [("9(3)PP", 3, -2), ("PP99", 2, 4), ("VPPP9", 1, 4), ("S99V9", 3, 1)]
)
def test_p_scaling(picture: str, digits: int, scale: int) -> None:
    field = parse_copybook(f"01 R.\n   05 F PIC {picture}.\n").fields()[0]
    assert (field.size, field.digits, field.scale) == (digits, digits, scale)


def test_sync_aligns_binary_items_on_their_boundary() -> None:
    source = "01 R.\n   05 A PIC X.\n   05 B PIC S9(4) COMP SYNC.\n   05 C PIC X.\n   05 D PIC S9(9) BINARY SYNC.\n"
    assert shape(source) == [("A", 0, 1, "text"), ("B", 2, 2, "binary"), ("C", 4, 1, "text"), ("D", 8, 4, "binary")]


def test_66_renames_is_read_and_shapes_nothing() -> None:
    layout = parse_copybook("01 R.\n   05 A PIC X.\n   05 B PIC X.\n66 AB RENAMES A THRU B.\n")
    assert layout.renames == {"AB": ("A", "B")}
    assert [f.name for f in layout.fields()] == ["A", "B"]


def test_inline_comments_continuations_and_mixed_formats() -> None:
    source = (
        "000100 01  REC.                                                          IGNORED1\n"
        "   05 A PIC X(3). *> three letters\n"
        "      *    a comment in the reference format\n"
        "000300     05  B   PIC X(2) VALUE 'AB\n"
        "000400-    'C'.\n"
        "           05  C PIC 9.\n"
        "           EJECT\n"
        "\x1a"
    )
    assert shape(source) == [("A", 0, 3, "text"), ("B", 3, 2, "text"), ("C", 5, 1, "zoned")]


def test_a_stray_period_is_named_not_a_crash() -> None:
    with pytest.raises(CopybookError, match="line 3: a period with no entry"):
        parse_copybook("01 R.\n   05 A PIC X.\n   .\n")


def test_an_01_with_a_picture_is_a_record_of_one_field() -> None:
    assert shape("01 SIMPLE-RECORD PIC X(10).\n") == [("SIMPLE-RECORD", 0, 10, "text")]
    assert parse_copybook("77 COUNTER PIC S9(4) COMP.\n").record_size == 2
