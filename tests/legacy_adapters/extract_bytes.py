"""Edit an extract record by record and field by field, for tests."""

from __future__ import annotations

from pathlib import Path

from bascule.legacy_adapters.charsets import Charset, detect_charset
from bascule.legacy_adapters.progres_layout import ProgresLayout, shipped_layout
from bascule.legacy_adapters.writer import encode_value


class ExtractBytes:
    """The records of an extract as a list of byte strings."""

    def __init__(self, raw: bytes) -> None:
        charset = detect_charset(raw)
        assert charset is not None
        self.charset: Charset = charset
        self.layout: ProgresLayout = shipped_layout(1)
        size = self.layout.record_size
        self.records = [bytearray(raw[i : i + size]) for i in range(0, len(raw), size)]

    @classmethod
    def of(cls, path: Path) -> ExtractBytes:
        return cls(path.read_bytes())

    def type_of(self, index: int) -> str:
        return bytes(self.records[index][:2]).decode(self.charset.name)

    def set(self, index: int, name: str, value: object) -> ExtractBytes:
        """Write a value, encoded the way the field wants it."""
        spec = self.layout.specs[self.type_of(index)]
        field = spec.field(name)
        self.records[index][field.offset : field.end] = encode_value(field, value, self.charset, name in spec.dates)
        return self

    def poke(self, index: int, name: str, raw: bytes) -> ExtractBytes:
        """Write raw bytes into a field, whatever they mean."""
        field = self.layout.specs[self.type_of(index)].field(name)
        assert len(raw) == field.size
        self.records[index][field.offset : field.end] = raw
        return self

    def write(self, path: Path) -> Path:
        path.write_bytes(b"".join(bytes(r) for r in self.records))
        return path
