"""Bytes to text for every reader: UTF-8 (with or without a BOM), UTF-16 with a BOM, else
Windows-1252/Latin-1 with a warning; ``looks_binary`` tells the text reader what to refuse."""

from __future__ import annotations

_CONTROL = {c for c in range(32) if c not in (9, 10, 12, 13)}


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or more than 5% control bytes in the first 8 KiB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b in _CONTROL)
    return controls / len(head) > 0.05


def decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """The text of ``data`` and warnings (none when the bytes were valid UTF-8 or UTF-16)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ()
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    try:
        text = data.decode("cp1252")
        return text, (f"not valid UTF-8 ({where}): decoded as Windows-1252/Latin-1",)
    except UnicodeDecodeError:
        return data.decode("latin-1"), (f"not valid UTF-8 ({where}): decoded as Latin-1",)
