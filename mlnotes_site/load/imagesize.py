"""Pixel sizes read from image headers (PNG, JPEG, GIF, WebP, SVG), so an <img> can carry width and
height and the page does not jump as images load. Nothing is decoded beyond the header."""
from __future__ import annotations

import re
import struct

_SVG_TAG_RE = re.compile(rb"<svg\b[^>]*>", re.S)
_ATTR_RE = re.compile(rb"""\s(width|height|viewBox)\s*=\s*["']([^"']*)["']""")
_LENGTH_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px|pt)?\s*$")


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    try:
        if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if mime == "image/gif" and data[:4] == b"GIF8":
            return struct.unpack("<HH", data[6:10])
        if mime == "image/jpeg":
            return _jpeg(data)
        if mime == "image/webp" and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if mime == "image/svg+xml":
            return _svg(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    kind = data[12:16]
    if kind == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if kind == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _svg(data: bytes) -> tuple[int, int] | None:
    tag = _SVG_TAG_RE.search(data[:4096])
    if tag is None:
        return None
    attrs = {name.decode(): value.decode("utf-8", "replace") for name, value in _ATTR_RE.findall(tag.group(0))}
    width, height = _length(attrs.get("width")), _length(attrs.get("height"))
    if width and height:
        return width, height
    box = attrs.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        w, h = float(box[2]), float(box[3])
        if w > 0 and h > 0:
            return round(w), round(h)
    return None


def _length(value: str | None) -> int | None:
    match = _LENGTH_RE.match(value or "")
    if not match:
        return None  # a percentage or em: no fixed size
    number = float(match.group(1)) * (4 / 3 if match.group(2) == "pt" else 1)
    return round(number) or None
