"""``inspect``: read a whole extract for its summary only, in bounded memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bascule.legacy_adapters.chunks import DEFAULT_CHUNK_BYTES
from bascule.legacy_adapters.reader import ExtractReader, ExtractSummary


def inspect_extract(
    path: str | Path,
    *,
    copybook: str | Path | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    on_progress: Callable[[int], None] | None = None,
) -> ExtractSummary:
    """Read every record, keep the counts, rejects and trailer check, drop the frames.

    ``on_progress`` is called with the number of bytes read after each chunk.
    """
    reader = ExtractReader(path, copybook=copybook, chunk_bytes=chunk_bytes)
    for chunk in reader:
        if on_progress is not None:
            on_progress(chunk.record_count * reader.layout.record_size)
    return reader.summary
