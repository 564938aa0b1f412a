"""Encode records through a layout: the inverse of the decoders.

Used to write synthetic extracts (``sample_data/``) and test cases. It is
not on any hot path, so it favours plainness: one record at a time. Values
are given as the frames hold them: text as ``str``, numbers as ``int`` in
units of the field's last digit (cents for ``V99``), dates as
``datetime.date`` (``None`` for no date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from bascule.legacy_adapters.charsets import Charset
from bascule.legacy_adapters.copybook import Field
from bascule.legacy_adapters.progres_layout import ProgresLayout

_LATIN1_PLUS, _LATIN1_MINUS = "{ABCDEFGHI", "}JKLMNOPQR"


class EncodingFailure(ValueError):
    """A value does not fit its field."""


def encode_record(layout: ProgresLayout, code: str, values: Mapping[str, object], charset: Charset) -> bytes:
    """One record of type ``code``; fields not given are spaces or zero."""
    spec = layout.specs[code]
    record = bytearray(" ".encode(charset.name) * layout.record_size)
    type_field = layout.type_field
    record[type_field.offset : type_field.end] = code.encode(charset.name)
    for field in spec.fields:
        value = values.get(field.name)
        record[field.offset : field.end] = encode_value(field, value, charset, field.name in spec.dates)
    return bytes(record)


def encode_records(
    layout: ProgresLayout, records: Iterable[tuple[str, Mapping[str, object]]], charset: Charset
) -> bytes:
    return b"".join(encode_record(layout, code, values, charset) for code, values in records)


def encode_value(field: Field, value: object, charset: Charset, is_date: bool = False) -> bytes:
    """The bytes of one field."""
    if field.kind == "text":
        return _text(field, "" if value is None else str(value), charset)
    if is_date:
        value = 0 if value is None else int(value.strftime("%Y%m%d")) if isinstance(value, dt.date) else value
    number = 0 if value is None else value
    if not isinstance(number, int):
        raise EncodingFailure(f"{field.name}: {value!r} is not an integer number of units")
    if number < 0 and not field.signed:
        raise EncodingFailure(f"{field.name}: {number} is negative and the field is unsigned")
    if len(str(abs(number))) > field.digits:
        raise EncodingFailure(f"{field.name}: {number} has more than {field.digits} digits")
    if field.kind == "packed":
        return pack_decimal(number, field.size)
    if field.kind == "binary":
        return number.to_bytes(field.size, "big", signed=field.signed)
    return zone_decimal(number, field.digits, field.signed, charset)


def _text(field: Field, text: str, charset: Charset) -> bytes:
    raw = text.encode(charset.name)
    if len(raw) > field.size:
        raise EncodingFailure(f"{field.name}: {text!r} is longer than {field.size} bytes")
    return raw + " ".encode(charset.name) * (field.size - len(raw))


def zone_decimal(number: int, digits: int, signed: bool, charset: Charset) -> bytes:
    """Zoned decimal, the sign overpunched on the last byte when the field is signed."""
    text = f"{abs(number):0{digits}d}"
    body = text[:-1].encode(charset.name)
    last = int(text[-1])
    if not signed:
        return body + text[-1].encode(charset.name)
    if charset.name == "cp1147":
        return body + bytes([(0xD0 if number < 0 else 0xC0) | last])
    return body + (_LATIN1_MINUS if number < 0 else _LATIN1_PLUS)[last].encode("latin-1")


def pack_decimal(number: int, size: int) -> bytes:
    """Packed decimal (COMP-3) of ``size`` bytes, sign nibble C or D."""
    nibbles = f"{abs(number):0{size * 2 - 1}d}" + ("D" if number < 0 else "C")
    return bytes.fromhex(nibbles)
