"""Bytes to text (readers/decode.py) and record ids (readers/ids.py): one rule for every reader."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsearch.ingest.readers import decode as decoding
from newsearch.ingest.readers import formats, reuters, tabular, text, web
from newsearch.ingest.readers.decode import decode, looks_binary
from newsearch.ingest.readers.ids import make_id


@pytest.mark.parametrize(
    ("data", "want", "warned"),
    [
        (b"caf\xc3\xa9", "café", False),
        (b"\xef\xbb\xbfcaf\xc3\xa9", "café", False),  # the BOM is not text
        ("café".encode("utf-16"), "café", False),  # BOM little-endian
        (b"\xfe\xff" + "café".encode("utf-16-be"), "café", False),
        (b"caf\xe9 \x93quoted\x94", "café “quoted”", True),  # Windows-1252
        # not Windows-1252 either: Latin-1, and the C1 control it gives is removed
        (b"caf\xe9 \x81", "café ", True),
    ],
)
def test_decode(data: bytes, want: str, warned: bool) -> None:
    got, warnings = decode(data)
    assert got == want
    assert bool(warnings) == warned
    assert all("not valid UTF-8" in w for w in warnings[:1])


def test_every_reader_decodes_with_the_one_function() -> None:
    for module in (formats, reuters, tabular, web):
        assert module.decode is decoding.decode, module.__name__  # type: ignore[attr-defined]
    assert text.decode_bytes is decoding.decode_bytes  # type: ignore[attr-defined]


def test_looks_binary() -> None:
    assert not looks_binary(b"text\x00more, a stray NUL in a line of text")
    assert looks_binary(bytes(range(1, 32)) * 10)
    assert looks_binary(b"\x00" * 100)
    assert not looks_binary(b"Plain text.\n\tIndented.\r\n\x0c")
    assert not looks_binary(b"")


def test_ids_are_stable_and_take_names_that_are_not_utf8(tmp_path: Path) -> None:
    odd = tmp_path / os.fsdecode(b"caf\xe9.txt")
    assert make_id(odd) == make_id(tmp_path / ".." / tmp_path.name / odd.name)
    assert make_id(odd) != make_id(odd, "line 2") != make_id(tmp_path / "cafe.txt")
    assert len(make_id(odd)) == 16
