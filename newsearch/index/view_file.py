"""A read-only file over a memoryview, reading the bytes in place (see whoosh_compat.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class ViewFile:
    """What Whoosh and ``pickle.load`` ask of a binary file (read, readline, peek, seek, tell)
    over a memoryview, copying only the bytes each call returns: ``io.BytesIO(view)`` would copy
    the whole view first (a part of a memory-mapped segment file, up to hundreds of MB)."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        end = len(self._buf) if n is None or n < 0 else min(self._pos + n, len(self._buf))
        out = bytes(self._buf[self._pos : end])
        self._pos = max(end, self._pos)
        return out

    def peek(self, n: int = 1) -> bytes:  # lets pickle.load read ahead: two calls a pickle
        return bytes(self._buf[self._pos : self._pos + max(n, 1)])

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        end, size = self._pos, len(self._buf)
        stop = size if limit is None or limit < 0 else min(size, self._pos + limit)
        while end < stop and self._buf[end] != 10:  # b"\n"
            end += 1
        return self.read(min(end + 1, stop) - self._pos)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def seek(self, pos: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass
