"""Bytes to text for readers: UTF-8, else Latin-1/cp1252 with a warning; binary is refused."""

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


def decode(data: bytes) -> tuple[str, str | None]:
    """Text and a warning (None when the bytes were valid UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    try:
        return data.decode("cp1252"), f"not valid UTF-8 ({where}): decoded as Windows-1252/Latin-1"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"not valid UTF-8 ({where}): decoded as Latin-1"
