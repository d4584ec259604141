"""Text read as text: byte order marks, UTF-16/32 without one, legacy encodings, and the stray
NUL or terminal colour codes that used to make a text file "binary"."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from newsearch.ingest.pipeline import build_index
from newsearch.ingest.readers import decode as decoding
from newsearch.ingest.readers import iter_items
from newsearch.ingest.readers.decode import decode, decode_bytes
from newsearch.models import Article, Skip

STORY = "Kursk report\n\nTroops were seen near Kursk on Monday, officials said.\n"
RUSSIAN = (
    "Войска под Курском\n\nВойска были замечены под Курском в понедельник, сообщили "
    "официальные лица. Это первое подобное сообщение за последние месяцы, и оно вызвало "
    "много вопросов у наблюдателей и журналистов.\n"
)


def read_one(path: Path, data: bytes) -> Article | Skip:
    path.write_bytes(data)
    (item,) = list(iter_items([path]))
    return item


def article(path: Path, data: bytes) -> Article:
    item = read_one(path, data)
    assert isinstance(item, Article), item
    return item


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_a_byte_order_mark_names_the_encoding(tmp_path: Path, bom: bytes, codec: str) -> None:
    a = article(tmp_path / "story.txt", bom + STORY.encode(codec))
    assert a.title == "Kursk report"
    assert a.body == "Troops were seen near Kursk on Monday, officials said."
    assert a.warnings == ()


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("text", [STORY, RUSSIAN], ids=["english", "russian"])
def test_utf16_and_utf32_without_a_bom_are_recognised(
    tmp_path: Path, codec: str, text: str
) -> None:
    a = article(tmp_path / "story.txt", text.encode(codec))
    assert a.title == text.split("\n")[0]
    assert a.body == text.split("\n\n", 1)[1].strip()


def test_a_stray_nul_byte_is_removed_with_a_warning(tmp_path: Path) -> None:
    data = b"Nul byte story\n\nA stray \x00 byte sits in this otherwise plain story about Kursk.\n"
    a = article(tmp_path / "nul.txt", data)
    assert a.title == "Nul byte story"
    assert "\x00" not in a.body and "plain story about Kursk" in a.body
    assert a.warnings == ("removed 1 NUL byte from the text",)


def test_terminal_colour_codes_are_removed_with_a_warning(tmp_path: Path) -> None:
    data = b"Ansi story\n\nA \x1b[1;31mred\x1b[0m word about \x1b]0;title\x07Kursk.\n"
    a = article(tmp_path / "ansi.txt", data)
    assert a.body == "A red word about Kursk."
    assert a.warnings == ("removed 3 terminal escape sequences from the text",)


def test_binary_files_are_still_skipped(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(3000)
    for name, data in (("noise.txt", noise), ("zeros.txt", b"\x00" * 4096)):
        item = read_one(tmp_path / name, data)
        assert isinstance(item, Skip) and "binary file" in item.reason, name


def test_one_english_pound_sign_is_windows_1252_not_a_guess(tmp_path: Path) -> None:
    # A story with one byte that is not UTF-8: charset-normalizer, given so little, reads it as
    # Windows-1250 ("Ł15.8m"; the BBC story it comes from, as Shift-JIS).
    filler = "Chelsea have sacked Adrian Mutu after he failed a drugs test. " * 20
    data = f"Chelsea sack Mutu\n\n{filler}Mutu was a ".encode() + b"\xa315.8m signing.\n"
    a = article(tmp_path / "mutu.txt", data)
    assert a.body.endswith("Mutu was a £15.8m signing.")
    where = data.index(b"\xa3")
    assert a.warnings == (f"not valid UTF-8 (byte {where}): decoded as Windows-1252/Latin-1",)


def test_a_legacy_cyrillic_text_is_detected(tmp_path: Path) -> None:
    a = article(tmp_path / "ru.txt", RUSSIAN.encode("cp1251"))
    assert a.title == "Войска под Курском"
    assert any("cp1251 (detected)" in w for w in a.warnings)


def test_plain_utf8_never_asks_the_detector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the detector was asked about UTF-8")

    monkeypatch.setattr(decoding.charset_normalizer, "from_bytes", refuse)
    assert decode(("Café in Kursk. " * 1000).encode()) == ("Café in Kursk. " * 1000, ())
    assert decode_bytes(b"a \x00 b " * 100).warnings == ("removed 100 NUL bytes from the text",)


def test_the_sample_given_to_the_detector_is_not_cut_inside_a_character() -> None:
    big = (RUSSIAN * 400).encode("utf-16-le")  # over the 64 KiB sample
    assert len(big) > 2 * 64 * 1024
    text, warnings = decode(big)
    assert text == RUSSIAN * 400 and warnings == ()


def test_an_undecodable_byte_under_a_bom_is_replaced_not_fatal() -> None:
    text, warnings = decode(codecs.BOM_UTF16_LE + "Kursk".encode("utf-16-le") + b"\x00")
    assert text.startswith("Kursk") and text.endswith("\ufffd")
    assert warnings == ("not valid UTF-16-LE (byte 10): bad bytes read as '\ufffd'",)


def test_the_hostile_texts_of_the_check_are_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    utf16 = "Kursk report in UTF-16\n\nTroops were seen near Kursk.\n".encode("utf-16-le")
    (folder / "utf16.txt").write_bytes(b"\xff\xfe" + utf16)
    (folder / "nul.txt").write_bytes(
        b"Nul byte story\n\nA stray \x00 byte sits in this otherwise plain story about Kursk.\n"
    )
    summary = build_index([folder], tmp_path / "idx", entities=False)
    assert (summary.indexed, summary.skipped) == (2, ())
    assert any(w.endswith("nul.txt: removed 1 NUL byte from the text") for w in summary.warnings)
