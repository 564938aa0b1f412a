"""One exception hierarchy for bascule, each class carrying its exit code.

Exit codes follow docs/DESIGN.md: 0 ok / GO, 1 divergences / NO-GO / rejects,
2 an error of use or input, 3 a bug of bascule's own (an invariant
broken: please report it), 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class BasculeError(Exception):
    """Base of every error bascule raises on purpose.

    The message says what is wrong and how to fix it; the CLI prints it
    without a traceback (``--debug`` shows one).
    """

    exit_code = EXIT_USAGE


class CopybookError(BasculeError):
    """A copybook cannot be parsed, or uses a feature bascule does not read."""


class ExtractUnreadable(BasculeError):
    """An extract cannot be read at all (missing, empty, unknown encoding or layout)."""


class UnusableFile(BasculeError):
    """A file or folder given cannot be used: missing, not a regular file, unreadable, not UTF-8, not writable."""


class InternalInconsistency(BasculeError):
    """bascule broke one of its own invariants: a bug to report, never bad input."""

    exit_code = EXIT_BUG
