"""A COBOL copybook parser: record description entries → a byte layout.

Reads the data-description subset that fixed-width extracts use:
level numbers 01–49 and 77, ``FILLER`` (or an omitted name), ``PIC`` with
``X``, ``A``, ``9``, ``S``, ``V`` and repetition counts, ``USAGE DISPLAY``,
``COMP-3`` / ``PACKED-DECIMAL``, ``COMP`` / ``COMP-4`` / ``COMP-5`` /
``BINARY``, ``REDEFINES``, ``OCCURS n [TIMES]`` and 88-level condition
names. Anything that would change the byte layout and is not read here
(``OCCURS DEPENDING ON``, ``SIGN SEPARATE``, ``SYNCHRONIZED``, ``RENAMES``,
edited or scaled pictures) is refused with a :class:`CopybookError` naming
the line, never skipped.

The source is read in the reference format (sequence area in columns 1–6,
indicator in column 7, code in columns 8–72) when it looks like it, and as
free format otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bascule.errors import CopybookError
from bascule.files import read_text

Usage = Literal["display", "packed", "binary"]
Kind = Literal["text", "zoned", "packed", "binary"]

_USAGE_WORDS: dict[str, Usage] = {
    "DISPLAY": "display",
    "COMP-3": "packed",
    "COMPUTATIONAL-3": "packed",
    "PACKED-DECIMAL": "packed",
    "COMP": "binary",
    "COMPUTATIONAL": "binary",
    "COMP-4": "binary",
    "COMPUTATIONAL-4": "binary",
    "COMP-5": "binary",
    "COMPUTATIONAL-5": "binary",
    "BINARY": "binary",
}
_REFUSED_WORDS = {
    "SYNC": "SYNCHRONIZED adds slack bytes",
    "SYNCHRONIZED": "SYNCHRONIZED adds slack bytes",
    "RENAMES": "66-level RENAMES",
    "DEPENDING": "OCCURS DEPENDING ON gives variable-length records",
    "SEPARATE": "SIGN SEPARATE",
    "LEADING": "SIGN LEADING",
    "COMP-1": "floating point COMP-1",
    "COMP-2": "floating point COMP-2",
    "POINTER": "USAGE POINTER",
    "INDEX": "USAGE INDEX",
}
_IGNORED_WORDS = {"JUSTIFIED", "JUST", "RIGHT", "BLANK", "WHEN", "ZERO", "ZEROS", "ZEROES"}
MAX_DIGITS = 18  # what an int64 holds exactly


# --------------------------------------------------------------------- model
@dataclass(frozen=True)
class Picture:
    """A parsed PICTURE string: what its characters mean, not where they lie."""

    text: str
    numeric: bool
    digits: int  # numeric: number of digit positions; text: number of characters
    scale: int = 0  # digits after the implied decimal point (V)
    signed: bool = False

    def storage_size(self, usage: Usage) -> int:
        """Bytes one occurrence takes in a record."""
        if usage == "packed":
            return self.digits // 2 + 1
        if usage == "binary":
            return 2 if self.digits <= 4 else 4 if self.digits <= 9 else 8
        return self.digits


@dataclass
class Item:
    """One data-description entry and, for a group, its subordinate entries."""

    level: int
    name: str  # "FILLER" when the entry is unnamed
    line: int
    picture: Picture | None = None
    usage: Usage = "display"
    occurs: int = 1
    redefines: str | None = None
    conditions: dict[str, tuple[str | int, ...]] = field(default_factory=dict)
    children: list[Item] = field(default_factory=list)
    offset: int = 0
    size: int = 0  # of one occurrence

    @property
    def is_group(self) -> bool:
        return self.picture is None


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
    conditions: tuple[tuple[str, tuple[str | int, ...]], ...] = ()

    @property
    def end(self) -> int:
        return self.offset + self.size


@dataclass
class Layout:
    """The parsed copybook: its record tree and the fields of each view of it."""

    root: Item
    source: str = ""

    @property
    def record_size(self) -> int:
        return self.root.size * self.root.occurs

    def item(self, name: str) -> Item:
        """The entry called ``name`` (case-insensitive)."""
        for item in _walk(self.root):
            if item.name == name.upper():
                return item
        raise KeyError(f"no item {name!r} in the copybook")

    def redefinitions(self, name: str) -> list[Item]:
        """The entries that REDEFINE ``name``, in copybook order."""
        return [i for i in _walk(self.root) if i.redefines == name.upper()]

    def fields(self, choose: dict[str, str] | None = None) -> list[Field]:
        """Elementary fields of one view of the record.

        ``choose`` maps a redefined item's name to the name of the entry that
        should be read in its place (``{"PRG-CORPS": "PRG-AS"}``): that
        entry's fields replace the redefined item's, and every other
        alternative is left out. A redefined item with no choice is read as
        itself. FILLER is never returned.
        """
        choose = {k.upper(): v.upper() for k, v in (choose or {}).items()}
        return list(_flatten(self.root, choose, 0, ""))


# ------------------------------------------------------------------- reading
def parse_copybook(source: str) -> Layout:
    """Parse copybook text into a :class:`Layout` with offsets and sizes."""
    entries = list(_entries(_code_lines(source)))
    if not entries:
        raise CopybookError("the copybook holds no data-description entry")
    root = _build_tree(entries)
    _place(root, 0)
    return Layout(root=root, source=source)


def load_copybook(path: str | Path) -> Layout:
    """Read and parse a copybook file."""
    return parse_copybook(read_text(path, "copybook", CopybookError))


def _code_lines(source: str) -> Iterator[tuple[int, str]]:
    """(line number, code) pairs with comments and sequence areas removed."""
    lines = source.splitlines()
    fixed = all(_is_reference_format(line) for line in lines if line.strip())
    for number, line in enumerate(lines, start=1):
        if fixed:
            if len(line) > 6 and line[6] in "*/":
                continue
            line = line[7:72]
        elif line.lstrip().startswith("*"):
            continue
        if line.strip():
            yield number, line


def _is_reference_format(line: str) -> bool:
    """Columns 1-6 blank or a sequence number, column 7 an indicator."""
    sequence, indicator = line[:6], line[6:7]
    return (not sequence.strip() or sequence.isdigit()) and indicator in ("", " ", "*", "/", "-", "D", "d")


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^\s'\"]+")


def _entries(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """Sentences of the copybook: (first line, tokens), the period removed."""
    tokens: list[str] = []
    start = 0
    for number, code in lines:
        for token in _TOKEN.findall(code):
            if not tokens:
                start = number
            ends = token.endswith(".") and token[0] not in "'\""
            if ends:
                token = token[:-1]
            if token:
                tokens.append(token)
            if ends:
                yield start, tokens
                tokens = []
    if tokens:
        raise CopybookError(f"line {start}: entry {' '.join(tokens)!r} does not end with a period")


def _build_tree(entries: list[tuple[int, list[str]]]) -> Item:
    """Nest the entries by level number; 88-levels attach to the item above."""
    items = [_parse_entry(line, tokens) for line, tokens in entries]
    if items[0].level not in (1, 77):
        raise CopybookError(f"line {items[0].line}: the first entry must be level 01")
    root, stack = items[0], [items[0]]
    for item in items[1:]:
        if item.level == 88:
            target = stack[-1]
            target.conditions.update(item.conditions)
            continue
        if item.level in (1, 77):
            raise CopybookError(
                f"line {item.line}: a second level-{item.level:02d} record ({item.name}); "
                "give each record layout its own copybook"
            )
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
    return root


def _parse_entry(line: int, tokens: list[str]) -> Item:
    """One entry: level, optional name, then clauses in any order."""
    words = [t if t[0] in "'\"" else t.upper() for t in tokens]
    if not words[0].isdigit():
        raise CopybookError(f"line {line}: an entry must start with a level number, not {tokens[0]!r}")
    level = int(words[0])
    if level == 66:
        raise CopybookError(f"line {line}: 66-level RENAMES is not supported")
    if not (1 <= level <= 49 or level in (77, 88)):
        raise CopybookError(f"line {line}: {level} is not a level number (01-49, 77, 88)")
    rest = words[1:]
    name = "FILLER"
    if rest and not _is_clause_word(rest[0]):
        name, rest = rest[0], rest[1:]
    item = Item(level=level, name=name, line=line)
    if level == 88:
        item.conditions[name] = _condition_values(line, rest)
        return item
    _read_clauses(item, rest)
    return item


def _is_clause_word(word: str) -> bool:
    return word in {"PIC", "PICTURE", "REDEFINES", "USAGE", "OCCURS", "VALUE", "VALUES"} or (
        word in _USAGE_WORDS
    )


def _read_clauses(item: Item, words: list[str]) -> None:
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("PIC", "PICTURE"):
            i += 2 if i + 1 < len(words) and words[i + 1] == "IS" else 1
            item.picture = _parse_picture(item.line, _take(item, words, i))
        elif word == "REDEFINES":
            item.redefines = _take(item, words, i + 1).upper()
            i += 1
        elif word == "USAGE":
            i += 2 if i + 1 < len(words) and words[i + 1] == "IS" else 1
            item.usage = _usage(item, _take(item, words, i))
        elif word in _USAGE_WORDS:
            item.usage = _USAGE_WORDS[word]
        elif word == "OCCURS":
            item.occurs = _occurs(item, words[i + 1 :])
            i += 2 if i + 2 < len(words) and words[i + 2] == "TIMES" else 1
        elif word in ("VALUE", "VALUES"):
            i = _skip_value(words, i)  # initial values do not shape the layout
            continue
        elif word in _REFUSED_WORDS:
            raise CopybookError(f"line {item.line}: {item.name}: {_REFUSED_WORDS[word]} is not supported")
        elif word not in _IGNORED_WORDS and word not in ("IS", "SIGN", "TRAILING"):
            raise CopybookError(f"line {item.line}: {item.name}: unexpected word {word!r}")
        i += 1
    if item.picture is None and item.usage != "display":
        raise CopybookError(f"line {item.line}: {item.name}: a USAGE needs a PIC in this reader")


def _take(item: Item, words: list[str], i: int) -> str:
    if i >= len(words):
        raise CopybookError(f"line {item.line}: {item.name}: the entry ends too early")
    return words[i]


def _usage(item: Item, word: str) -> Usage:
    if word in _REFUSED_WORDS:
        raise CopybookError(f"line {item.line}: {item.name}: {_REFUSED_WORDS[word]} is not supported")
    if word not in _USAGE_WORDS:
        raise CopybookError(f"line {item.line}: {item.name}: unknown USAGE {word!r}")
    return _USAGE_WORDS[word]


def _occurs(item: Item, words: list[str]) -> int:
    if not words or not words[0].isdigit():
        raise CopybookError(f"line {item.line}: {item.name}: OCCURS needs a fixed count")
    if "DEPENDING" in words:
        raise CopybookError(f"line {item.line}: {item.name}: {_REFUSED_WORDS['DEPENDING']} is not supported")
    count = int(words[0])
    if count < 1:
        raise CopybookError(f"line {item.line}: {item.name}: OCCURS {count} is not a count")
    return count


def _skip_value(words: list[str], i: int) -> int:
    i += 1
    while i < len(words) and words[i] in ("IS", "ARE"):
        i += 1
    while i < len(words) and not _is_clause_word(words[i]):
        i += 1
    return i


def _condition_values(line: int, words: list[str]) -> tuple[str | int, ...]:
    if not words or words[0] not in ("VALUE", "VALUES"):
        raise CopybookError(f"line {line}: an 88-level needs a VALUE clause")
    values: list[str | int] = []
    for word in words[1:]:
        if word in ("IS", "ARE", "THRU", "THROUGH"):
            continue
        values.append(_literal(line, word))
    if not values:
        raise CopybookError(f"line {line}: an 88-level VALUE clause names no value")
    return tuple(values)


def _literal(line: int, word: str) -> str | int:
    if word[0] in "'\"":
        quote = word[0]
        return word[1:-1].replace(quote * 2, quote)
    if re.fullmatch(r"[+-]?\d+", word):
        return int(word)
    if word in ("SPACE", "SPACES"):
        return " "
    if word in ("ZERO", "ZEROS", "ZEROES"):
        return 0
    raise CopybookError(f"line {line}: {word!r} is not a literal this reader understands")


_PIC_REPEAT = re.compile(r"(.)\((\d+)\)")


def _parse_picture(line: int, text: str) -> Picture:
    """Expand repetitions and read the symbols of a PICTURE string."""
    expanded = _PIC_REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text.upper())
    if set(expanded) <= {"X", "A"}:
        return Picture(text=text, numeric=False, digits=len(expanded))
    signed = expanded.startswith("S")
    integer, _, fraction = expanded[signed:].partition("V")
    if not re.fullmatch(r"9+", integer + fraction):
        raise CopybookError(
            f"line {line}: PIC {text}: only X, A, 9, S and V pictures are read "
            "(edited or scaled pictures are not supported)"
        )
    digits = len(integer) + len(fraction)
    if digits > MAX_DIGITS:
        raise CopybookError(f"line {line}: PIC {text} has {digits} digits; at most {MAX_DIGITS} are read exactly")
    return Picture(text=text, numeric=True, digits=digits, scale=len(fraction), signed=signed)


def _place(item: Item, offset: int) -> int:
    """Give every item its offset and size; returns the size of one occurrence."""
    item.offset = offset
    if item.picture is not None:
        if not item.picture.numeric and item.usage != "display":
            raise CopybookError(f"line {item.line}: {item.name}: PIC {item.picture.text} cannot be {item.usage}")
        item.size = item.picture.storage_size(item.usage)
        return item.size
    cursor = offset
    placed: dict[str, Item] = {}
    for child in item.children:
        if child.redefines:
            target = placed.get(child.redefines)
            if target is None:
                raise CopybookError(
                    f"line {child.line}: {child.name} REDEFINES {child.redefines}, "
                    "which is not an earlier item of the same group"
                )
            size = _place(child, target.offset) * child.occurs
            if size > target.size * target.occurs:
                raise CopybookError(
                    f"line {child.line}: {child.name} ({size} bytes) is larger than "
                    f"{target.name} ({target.size * target.occurs} bytes), which it redefines"
                )
        else:
            cursor += _place(child, cursor) * child.occurs
        placed[child.name] = child
    item.size = cursor - offset
    if item.size == 0:
        raise CopybookError(f"line {item.line}: group {item.name} holds no data")
    return item.size


# ---------------------------------------------------------------- flattening
def _walk(item: Item) -> Iterator[Item]:
    yield item
    for child in item.children:
        yield from _walk(child)


def _flatten(item: Item, choose: dict[str, str], shift: int, suffix: str) -> Iterator[Field]:
    """Elementary fields under ``item``, OCCURS unrolled as NAME(i) or NAME(i,j).

    Offsets come from :func:`_place` (first occurrence); ``shift`` adds what
    the enclosing occurrences move them by.
    """
    for occurrence in range(item.occurs):
        at = shift + occurrence * item.size
        mark = suffix if item.occurs == 1 else _subscript(suffix, occurrence + 1)
        if item.picture is None:
            yield from _flatten_children(item, choose, at, mark)
        elif item.name != "FILLER":
            yield _field(item, item.offset + at, mark)


def _flatten_children(group: Item, choose: dict[str, str], shift: int, suffix: str) -> Iterator[Field]:
    """A group's children, each redefined item read as the entry chosen for it."""
    by_name = {child.name: child for child in group.children}
    for child in group.children:
        if child.redefines is not None:
            continue  # read only in place of the item it redefines, when chosen
        if child.name in choose:
            if choose[child.name] not in by_name:
                raise KeyError(f"{choose[child.name]} is not an entry of group {group.name}")
            child = by_name[choose[child.name]]
        yield from _flatten(child, choose, shift, suffix)


def _subscript(suffix: str, index: int) -> str:
    return f"({index})" if not suffix else f"{suffix[:-1]},{index})"


def _field(item: Item, offset: int, suffix: str) -> Field:
    picture = item.picture
    assert picture is not None
    kind: Kind = "text" if not picture.numeric else "zoned" if item.usage == "display" else item.usage
    return Field(
        name=item.name + suffix,
        offset=offset,
        size=item.size,
        kind=kind,
        digits=picture.digits,
        scale=picture.scale,
        signed=picture.signed,
        conditions=tuple(item.conditions.items()),
    )
