"""Amounts are integer cents everywhere; this is how people read them."""

from __future__ import annotations


def euros(cents: int | None) -> str:
    """``-123456`` → ``"-1,234.56 €"``, without ever going through a float."""
    if cents is None:
        return "unreadable"
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d} €"
