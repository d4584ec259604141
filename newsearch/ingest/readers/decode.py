"""Bytes to text for every reader, and whether the bytes are text at all.

The rule, in order (plain UTF-8, nearly every file, costs one ``bytes.decode``):

1. a byte order mark (UTF-8, UTF-16 or UTF-32, either byte order) names the encoding;
2. valid UTF-8 with few control characters is UTF-8;
3. otherwise, when the bytes give it something to go on (many control characters, as UTF-16 or
   UTF-32 without a BOM shows in UTF-8, or enough non-ASCII bytes), charset-normalizer picks the
   encoding from a sample;
4. else Windows-1252 (Latin-1 for the five bytes it leaves undefined), with a warning. Under 16
   non-ASCII bytes, or under 1 byte in 20, the detector is not asked: it has too little to go on
   (it reads a BBC story's one ``£`` as Shift-JIS, a French sentence as Baltic).

Then the text is judged: more than ``BINARY_SHARE`` control characters in its first 8 KiB
(terminal escape sequences aside) and it is binary. A stray NUL byte or ANSI colour codes do not
make a text binary: they are removed from the text, with a warning.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

BINARY_SHARE = 0.05  # control characters per character, in the text's first 8 KiB
_JUDGED_CHARS = 8192
_DETECT_BYTES = 64 * 1024  # the detector reads a sample this long, cut at a line end
_MIN_EVIDENCE = 16  # non-ASCII bytes before the detector is asked
_HIGH_BYTES = bytes(range(128))  # deleted by translate: what is left is the non-ASCII bytes

_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_STARTS = tuple(bom for bom, _ in _BOMS)
_NOT_C0 = bytes(b for b in range(256) if not (b <= 8 or 14 <= b <= 31 or b == 127))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_UNICODE = frozenset({"utf_8", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le",
                      "utf_32_be", "ascii"})  # fmt: skip
_WESTERN = "cp1252"
# Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links), two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
# Control characters that are not layout: C0 but tab, line feed, vertical tab, form feed,
# carriage return; DEL; C1.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Decoded:
    """The text of some bytes (escape sequences and control characters removed), the warnings
    to attach to what is read from it, and whether the bytes are binary rather than text."""

    text: str
    warnings: tuple[str, ...]
    binary: bool
    encoding: str


def decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """The text of ``data`` and warnings (none for valid UTF-8, or UTF-16/32 with a BOM or
    recognisable without one); binary data is decoded all the same."""
    decoded = decode_bytes(data)
    return decoded.text, decoded.warnings


def looks_binary(data: bytes) -> bool:
    """True when ``data`` is not text in any encoding ``decode`` reads."""
    return decode_bytes(data).binary


def decode_bytes(data: bytes) -> Decoded:
    """``data`` decoded by the module's rule, cleaned, and judged text or binary."""
    if not data.startswith(_BOM_STARTS) and not _utf8_controls(data):
        try:  # the common case, at the cost of two passes in C over the bytes
            return Decoded(data.decode("utf-8"), (), False, "utf-8")
        except UnicodeDecodeError:
            pass
    text, encoding, warnings = _decode(data)
    return _clean(text, encoding, warnings)


def _utf8_controls(data: bytes) -> bool:
    """Whether ``data`` holds a control byte, or a C1 control encoded as UTF-8 (without the
    character-class regex over the text, which would cost ~10 ns a character)."""
    if data.translate(None, _NOT_C0):
        return True
    return b"\xc2" in data and _C1_UTF8.search(data) is not None


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            if encoding != "utf-8":
                return _decode_as(body, encoding, [])
            data = body  # a UTF-8 BOM that lies is forgotten: the rest is judged as usual
            break
    text: str | None
    where = ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text, where = None, f"byte {exc.start}"
    if text is not None and _control_share(text) <= BINARY_SHARE:
        return text, "utf-8", []
    high = len(data.translate(None, _HIGH_BYTES))
    evidence = high >= _MIN_EVIDENCE and high * 20 >= len(data)
    if text is not None or evidence:
        found = _detect(data)
        if found in _UNICODE:
            return _decode_as(data, found, [])
        if found is not None:
            named = "Windows-1252" if found == _WESTERN else f"{found} (detected)"
            note = "not valid UTF-8" + (f" ({where})" if text is None else "")
            return _decode_as(data, found, [f"{note}: decoded as {named}"])
    if text is not None:
        return text, "utf-8", []  # no better reading: the control characters decide below
    try:
        return (
            data.decode(_WESTERN),
            _WESTERN,
            [f"not valid UTF-8 ({where}): decoded as Windows-1252/Latin-1"],
        )
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", [f"not valid UTF-8 ({where}): decoded as Latin-1"]


def _decode_as(data: bytes, encoding: str, warnings: list[str]) -> tuple[str, str, list[str]]:
    try:
        return data.decode(encoding), encoding, warnings
    except UnicodeDecodeError as exc:
        shown = codecs.lookup(encoding).name.upper()
        warnings.append(f"not valid {shown} (byte {exc.start}): bad bytes read as '\ufffd'")
        return data.decode(encoding, errors="replace"), encoding, warnings


def _sample(data: bytes) -> bytes:
    """At most ``_DETECT_BYTES`` of ``data`` for the detector, cut after a line feed (and on a
    4-byte boundary when NUL bytes say UTF-16 or UTF-32), so no character is cut in two."""
    if len(data) <= _DETECT_BYTES:
        return data
    head = data[:_DETECT_BYTES]
    cut = head.rfind(b"\n") + 1
    if cut <= 0:
        return head
    if b"\x00" in head:
        cut = min(-(-cut // 4) * 4, len(head))
    return head[:cut]


def _detect(data: bytes) -> str | None:
    """charset-normalizer's encoding for ``data`` (Python's codec name), or None for binary.
    Windows-1252 when it reads the bytes the same as the encoding it picked."""
    try:
        best = charset_normalizer.from_bytes(_sample(data)).best()
    except Exception:  # a detector failure leaves the Windows-1252 fallback
        return None
    if best is None:
        return None
    if _WESTERN in best.could_be_from_charset:
        return _WESTERN
    return str(best.encoding)


def _control_share(text: str) -> float:
    """Control characters per character in the first 8 KiB of ``text``, escape sequences not
    counted."""
    head = text[:_JUDGED_CHARS]
    if not _CONTROL.search(head):
        return 0.0
    head = _ANSI.sub("", head)
    return len(_CONTROL.findall(head)) / max(len(head), 1)


def clean_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Text decoded elsewhere (by an HTML page's declared charset) cleaned as ``decode``
    cleans, and the warning saying what was removed."""
    decoded = _clean(text, "", [])
    return decoded.text, decoded.warnings


def _clean(text: str, encoding: str, warnings: list[str]) -> Decoded:
    """Escape sequences and control characters out of ``text``, with a warning saying so;
    binary when there were too many of them."""
    binary = _control_share(text) > BINARY_SHARE
    if not _CONTROL.search(text):
        return Decoded(text, tuple(warnings), binary, encoding)
    text, escapes = _ANSI.subn("", text)
    nuls = text.count("\x00")
    text, controls = _CONTROL.subn("", text)
    removed = [
        _count(escapes, "terminal escape sequence"),
        _count(nuls, "NUL byte"),
        _count(controls - nuls, "other control character"),
    ]
    warnings.append(f"removed {', '.join(r for r in removed if r)} from the text")
    return Decoded(text, tuple(warnings), binary, encoding)


def _count(n: int, what: str) -> str:
    return "" if n == 0 else f"{n} {what}{'s' if n > 1 else ''}"
