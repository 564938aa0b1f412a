"""Data shown on a terminal: never read as rich markup, never a control character the terminal would obey.

Text that comes from outside (an extract's caisse name or raw bytes, a file
path, a results file, a waiver's id) reaches a report as rich ``Text``, which
rich does not parse: ``[red]`` and ``[link=…]`` are shown as they are written,
``:smile:`` is not an emoji. Its control characters (ESC starting an ANSI
sequence, NUL, a carriage return that would overwrite a line, the C1 range)
and the bidirectional overrides that reorder what is read ("Trojan source")
are shown as ``\\xNN`` or ``\\uNNNN``: visible, and never acted on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from markupsafe import Markup
from rich.text import Text

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNSEEN = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
# In a page, tabs, line ends and carriage returns are white space like any other: only the others are written out.
UNSEEN_IN_PAGE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
UNSEEN_IN_JSON = re.compile(f"[\\x7f-\\x9f{BIDI_CONTROLS}]")  # JSON writes the C0 range out itself


def visible(value: object) -> str:
    """The value as text, every control character written out (ESC as ``\\x1B``)."""
    return UNSEEN.sub(_written_out, str(value))


def _written_out(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02X}" if point < 0x100 else f"\\u{point:04X}"


def page_value(value: object) -> object:
    """A value a template shows (Jinja's ``finalize``, before escaping): text with its controls written out.

    A page read with ``curl`` on a terminal obeys the escapes it holds; a
    browser shows a bidirectional override's reordering. Markup the
    templates make, and numbers, are left as they are.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return UNSEEN_IN_PAGE.sub(_written_out, value)
    return value


def plain(value: object, style: str = "") -> Text:
    """A rich Text of data (None: empty): shown as written, whatever brackets it holds."""
    return Text("" if value is None else visible(value), style=style)


def json_text(value: object, default: Callable[[object], object] | None = None) -> str:
    """The value as indented JSON that is safe on a terminal, and the same value once read back.

    Text is kept as it is (``ensure_ascii=False``: "Créteil", not
    ``\\u00e9``), but for DEL, the C1 controls (``\\x9b`` starts an ANSI
    sequence on some terminals) and the bidirectional overrides, written
    as ``\\uNNNN``; JSON itself writes out the C0 range.
    """
    text = json.dumps(value, indent=2, ensure_ascii=False, default=default)
    return UNSEEN_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
