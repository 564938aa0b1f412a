"""Copybook source text → sentences of words: what the parser reads.

Each line is read in the reference format (sequence area in columns 1–6,
indicator in column 7, code in columns 8–72) when it looks like one, and
as free format otherwise: copybooks pasted together from several sources
mix both, so the choice is made line by line. Comment lines (``*`` or
``/`` in column 7, ``*`` first in free format), debugging lines (``D``),
inline ``*>`` comments and listing directives (``EJECT``, ``SKIP1``…)
are dropped; a ``-`` in column 7 continues the previous line (a literal
carries on after its opening quote). A trailing end-of-file byte (0x1A,
left by DOS-era transfers) is dropped. ``COPY``, ``REPLACE`` and
``EXEC SQL`` lines are refused by name: their text is not in the copybook.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bascule.errors import CopybookError

Sentence = tuple[int, list[str]]  # (line of its first word, its words, the period removed)

_INDICATORS = set(" *-/Dd$")
_LISTING = re.compile(r"(EJECT|SKIP[123]|TITLE\b.*)\.?", re.I)
_FOREIGN = re.compile(r"(COPY|REPLACE|EXEC\s+SQL|EXEC\s+CICS|INCLUDE|\+\+INCLUDE|-INC)(?=[\s.]|$)", re.I)
_TOKEN = re.compile(r"(?:[XNGZB]|NX)?'(?:[^']|'')*'?|(?:[XNGZB]|NX)?\"(?:[^\"]|\"\")*\"?|[^\s'\"]+", re.I)


def sentences(source: str) -> Iterator[Sentence]:
    """The copybook's entries as (line, words); words keep literals whole, quotes included."""
    words: list[str] = []
    start = 0
    for number, code in _code_lines(source.rstrip("\x1a\r\n\t ")):
        for token in _TOKEN.findall(code):
            if not words:
                start = number
            ends = token.endswith(".") and not _is_literal(token)
            token = token[:-1] if ends else token
            if token and not _is_literal(token):
                token = token.rstrip(",;")  # a comma or semicolon before a space only separates
            if token:
                words.append(token)
            if ends:
                if not words:
                    raise CopybookError(f"line {number}: a period with no entry before it; remove the stray period")
                yield start, words
                words = []
    if words:
        raise CopybookError(f"line {start}: entry {' '.join(words)!r} does not end with a period")


def _is_literal(token: str) -> bool:
    return "'" in token[:3] or '"' in token[:3]


def _code_lines(source: str) -> Iterator[tuple[int, str]]:
    """(line number, code) with comments, sequence areas and continuations resolved."""
    pending: tuple[int, str] | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        line = line.replace("\t", "    ")
        reference = _is_reference_format(line)
        indicator = line[6] if reference else ""
        if indicator in ("*", "/", "D", "d", "$") or (not reference and line.lstrip().startswith("*")):
            continue
        code = _strip_inline_comment(line[7:72] if reference else line)
        if indicator == "-":
            if pending is None:
                raise CopybookError(f"line {number}: a continuation line ('-' in column 7) continues nothing")
            pending = (pending[0], _continue(pending[1], code))
            continue
        if pending is not None:
            yield _checked(*pending)
        pending = (number, code) if code.strip() else None
    if pending is not None:
        yield _checked(*pending)


def _is_reference_format(line: str) -> bool:
    """Columns 1–6 blank or a sequence mark (no space inside, a digit in it), column 7 an indicator."""
    if len(line) < 7 or line[6] not in _INDICATORS:
        return False
    sequence = line[:6]
    return not sequence.strip() or (" " not in sequence and any(c.isdigit() for c in sequence))


def _strip_inline_comment(code: str) -> str:
    """Code before a ``*>`` that is not inside a literal."""
    quote = ""
    for i, char in enumerate(code):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif code.startswith("*>", i):
            return code[:i]
    return code


def _continue(previous: str, code: str) -> str:
    """Join a continuation line: an open literal goes on after the quote that restarts it."""
    body = code.lstrip()
    if _open_quote(previous) and body[:1] in ("'", '"'):
        return previous.ljust(65) + body[1:] if len(previous) < 65 else previous + body[1:]
    return previous.rstrip() + body


def _open_quote(code: str) -> str:
    quote = ""
    for char in code:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
    return quote


def _checked(number: int, code: str) -> tuple[int, str]:
    stripped = code.strip()
    if _LISTING.fullmatch(stripped):
        return number, ""
    foreign = _FOREIGN.match(stripped)
    if foreign:
        what = " ".join(foreign.group(1).upper().split())
        raise CopybookError(
            f"line {number}: {stripped[:60]!r}: a {what} statement brings in text that is not in this copybook; "
            "expand it (paste the copybook or the SQL declaration it names) and give the result"
        )
    return number, code
