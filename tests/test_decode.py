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
        (b"caf\xe9 \x81", "café \x81", True),  # not Windows-1252 either: Latin-1
    ],
)
def test_decode(data: bytes, want: str, warned: bool) -> None:
    got, warnings = decode(data)
    assert got == want
    assert bool(warnings) == warned
    assert all("not valid UTF-8" in w for w in warnings)


def test_every_reader_decodes_with_the_one_function() -> None:
    for module in (formats, reuters, tabular, text, web):
        assert module.decode is decoding.decode, module.__name__  # type: ignore[attr-defined]


def test_looks_binary() -> None:
    assert looks_binary(b"text\x00more")
    assert looks_binary(bytes(range(1, 32)) * 10)
    assert not looks_binary(b"Plain text.\n\tIndented.\r\n\x0c")
    assert not looks_binary(b"")


def test_ids_are_stable_and_take_names_that_are_not_utf8(tmp_path: Path) -> None:
    odd = tmp_path / os.fsdecode(b"caf\xe9.txt")
    assert make_id(odd) == make_id(tmp_path / ".." / tmp_path.name / odd.name)
    assert make_id(odd) != make_id(odd, "line 2") != make_id(tmp_path / "cafe.txt")
    assert len(make_id(odd)) == 16
