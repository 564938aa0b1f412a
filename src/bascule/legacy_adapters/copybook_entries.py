"""One data-description entry: its level, its name and its clauses, read into an :class:`Item`."""

from __future__ import annotations

import decimal
import re

from bascule.errors import CopybookError
from bascule.legacy_adapters.copybook_model import Item, Range, Usage, Value
from bascule.legacy_adapters.pictures import parse_picture

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
_FIGURATIVE: dict[str, Value] = {
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


def parse_entry(line: int, tokens: list[str]) -> Item:
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
