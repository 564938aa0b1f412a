"""Encode records through a layout: the inverse of the decoders.

Used to write synthetic extracts (``sample_data/``), test cases and the
benchmark's files. It is not on any hot path, so it favours plainness:
one value at a time, written from IBM's definitions of each format, not
from the decoders. Values are given as the frames hold them: text as
``str``, numbers as ``int`` in units of the field's last digit (cents for
``V99``), floats as ``float``, dates as ``datetime.date`` (``None`` for no
date).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import SupportsFloat

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


def encode_fields(
    fields: Sequence[Field], size: int, values: Mapping[str, object], charset: Charset, *, ibm_float: bool = True
) -> bytes:
    """One record of any layout: ``size`` bytes of spaces, each field given written at its place."""
    record = bytearray(bytes([charset.space]) * size)
    for field in fields:
        if field.name in values:
            record[field.offset : field.end] = encode_value(field, values[field.name], charset, ibm_float=ibm_float)
    return bytes(record)


def encode_value(
    field: Field, value: object, charset: Charset, is_date: bool = False, *, ibm_float: bool = True
) -> bytes:
    """The bytes of one field."""
    if field.kind == "text":
        return _text(field, "" if value is None else str(value), charset)
    if field.kind == "national":
        raw = str(value or "").encode("utf-16-be")
        return raw + " ".encode("utf-16-be") * ((field.size - len(raw)) // 2)
    if field.kind == "float":
        real = _real(field, value)
        if ibm_float:
            return ibm_hex_float(real, field.size)
        return struct.pack(">f" if field.size == 4 else ">d", real)
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
    if field.kind == "edited":
        return edit_number(number, field.edit).encode(charset.name)
    if field.sign_separate:
        sign = bytes([charset.minus if number < 0 else charset.plus])
        body = f"{abs(number):0{field.digits}d}".encode(charset.name)
        return sign + body if field.sign_leading else body + sign
    return zone_decimal(number, field.digits, field.signed, charset, leading=field.sign_leading)


def _real(field: Field, value: object) -> float:
    """A float field's value as a float (no value is 0.0)."""
    value = value or 0.0
    if not isinstance(value, SupportsFloat | str):
        raise EncodingFailure(f"{field.name}: {value!r} is not a number")
    return float(value)


def _text(field: Field, text: str, charset: Charset) -> bytes:
    raw = text.encode(charset.name)
    if len(raw) > field.size:
        raise EncodingFailure(f"{field.name}: {text!r} is longer than {field.size} bytes")
    return raw + " ".encode(charset.name) * (field.size - len(raw))


def zone_decimal(number: int, digits: int, signed: bool, charset: Charset, leading: bool = False) -> bytes:
    """Zoned decimal, the sign overpunched on the last byte (the first: ``leading``) when the field is signed."""
    text = f"{abs(number):0{digits}d}"
    if not signed:
        return text.encode(charset.name)
    position = 0 if leading else len(text) - 1
    digit = int(text[position])
    if charset.ebcdic:
        punched = bytes([(0xD0 if number < 0 else 0xC0) | digit])
    else:
        punched = (_LATIN1_MINUS if number < 0 else _LATIN1_PLUS)[digit].encode("latin-1")
    raw = bytearray(text.encode(charset.name))
    raw[position : position + 1] = punched
    return bytes(raw)


def edit_number(number: int, edit: str) -> str:
    """A number as an edited picture prints it (fixed symbols; ``Z`` suppresses leading zeros before the point)."""
    body = edit[:-2] if edit.endswith(("CR", "DB")) else edit
    slots = [i for i, symbol in enumerate(body) if symbol in "9Z"]
    digits = iter(f"{abs(number):0{len(slots)}d}")
    point = body.find(".") if "." in body else len(body)
    out, leading = [], True
    for i, symbol in enumerate(body):
        if symbol in "9Z":
            digit = next(digits)
            leading = leading and digit == "0" and symbol == "Z" and i < point
            out.append(" " if leading else digit)
        elif symbol in "+-":
            out.append("-" if number < 0 else "+" if symbol == "+" else " ")
        elif symbol == "B":
            out.append(" ")
        else:
            out.append(" " if leading and symbol == "," else symbol)
    if body != edit:
        out.append(edit[-2:] if number < 0 else "  ")
    return "".join(out)


def ibm_hex_float(number: float, size: int) -> bytes:
    """IBM hexadecimal floating point (System/360): sign bit, excess-64 exponent of 16, then the fraction."""
    if number == 0:
        return bytes(size)
    bits = 8 * size - 8
    mantissa, exponent = math.frexp(abs(number))  # abs(number) = mantissa × 2**exponent, 0.5 <= mantissa < 1
    power = -(-exponent // 4)  # abs(number) = fraction × 16**power, 1/16 <= fraction < 1
    fraction = round(math.ldexp(mantissa, exponent - 4 * power + bits))
    if fraction >> bits:
        fraction, power = fraction >> 4, power + 1
    if not 0 <= power + 64 <= 127:
        raise EncodingFailure(f"{number} is out of the range of IBM floating point")
    head = (0x80 if number < 0 else 0) | (power + 64)
    return bytes([head]) + fraction.to_bytes(size - 1, "big")


def pack_decimal(number: int, size: int) -> bytes:
    """Packed decimal (COMP-3) of ``size`` bytes, sign nibble C or D."""
    nibbles = f"{abs(number):0{size * 2 - 1}d}" + ("D" if number < 0 else "C")
    return bytes.fromhex(nibbles)
