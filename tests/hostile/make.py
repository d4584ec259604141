"""Hostile inputs built in a folder, and the accounting of a run over them.

``fixed_corpus`` builds one folder holding every kind of hostile input issue 13 lists (for
tests/hostile/test_hostile_corpus.py); ``random_corpus`` builds a larger one from a seed (for
benchmarks/hostile.py). Each made entry is an ``Entry`` saying what a run must do with it:
index its marker words at its path, skip it (with a word of the reason), or either.

Marker words are "zq" and consonants (``zqbkdt``): the stemmer leaves them alone, and nothing
else in the inputs holds them, so a query for one finds its article and nothing else.
``SECRET`` lives only in files outside the folder that XXE feeds point at: a run must never
index it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import random
import re
import socket
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from newsearch.ingest.readers.tree import REUTERS_DOCS

_LETTERS = "bcdfghjklmnpqrtvwxz"  # no vowels, no s or y: the stemmer leaves markers alone
SECRET = "zqvvkkrrtt"  # longer than any marker: never made by ``Markers``
NOWHERE = "http://10.255.255.1/never"  # a routable-looking address that never answers

# What a run must do with an entry.
INDEX, SKIP, ANY = "index", "skip", "any"


@dataclass(frozen=True)
class Entry:
    """A directory entry made in the folder: ``expect`` is INDEX (each of ``markers`` indexed
    at ``path``), SKIP (``path`` skipped, ``reason`` a word of the reason) or ANY (read or
    skipped: accounted for either way)."""

    path: Path
    kind: str
    expect: str = ANY
    markers: tuple[str, ...] = ()
    reason: str = ""


class Markers:
    """Distinct marker words, in a fixed order."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        n = self.count
        self.count += 1
        word = ""
        for _ in range(4):
            n, r = divmod(n, len(_LETTERS))
            word = _LETTERS[r] + word
        return "zq" + word

    def take(self, n: int) -> list[str]:
        return [self() for _ in range(n)]


# ---------------------------------------------------------------------------- good articles


def title_of(m: str) -> str:
    return f"Harbour council story {m}"


def body_of(m: str) -> str:
    return (
        f"The council met about {m} on Monday. Its members argued for an hour. "
        f"Nothing was decided about the {m} budget.\n\n"
        f"A second meeting on {m} is planned for May. The mayor said little about it."
    )


def good_txt(ms: list[str]) -> bytes:
    return f"{title_of(ms[0])}\n\n{body_of(ms[0])}\n".encode()


def good_md(ms: list[str]) -> bytes:
    m = ms[0]
    return (
        f"---\ntitle: {title_of(m)}\ndate: 2025-04-28\nsource: Harbour Courier\n---\n\n"
        f"{body_of(m)}\n"
    ).encode()


def _record(m: str) -> dict[str, Any]:
    return {"title": title_of(m), "body": body_of(m), "date": "2025-04-28", "source": "Courier"}


def good_json(ms: list[str]) -> bytes:
    return json.dumps([_record(m) for m in ms], indent=1).encode()


def good_jsonl(ms: list[str]) -> bytes:
    return "".join(json.dumps(_record(m)) + "\n" for m in ms).encode()


def good_csv(ms: list[str]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["title", "body", "date", "source"])
    for m in ms:
        w.writerow([title_of(m), body_of(m), "2025-04-28", "Courier"])
    return out.getvalue().encode()


def good_rss(ms: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{title_of(m)}</title><link>https://courier.example.com/{m}</link>"
        f"<pubDate>Mon, 28 Apr 2025 09:16:00 +0900</pubDate>"
        f"<description>{xml_escape(body_of(m))}</description></item>\n"
        for m in ms
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Harbour Courier</title><link>https://courier.example.com/</link>\n{items}"
        "</channel></rss>\n"
    ).encode()


def good_atom(ms: list[str]) -> bytes:
    entries = "".join(
        f"<entry><title>{title_of(m)}</title><id>urn:story:{m}</id>"
        f'<link href="https://courier.example.com/{m}"/><updated>2025-04-28T09:16:00Z</updated>'
        f"<content>{xml_escape(body_of(m))}</content></entry>\n"
        for m in ms
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Harbour Courier</title><id>urn:courier</id>\n{entries}</feed>\n"
    ).encode()


def good_html(ms: list[str]) -> bytes:
    m = ms[0]
    paragraphs = "".join(f"<p>{xml_escape(p)}</p>\n" for p in body_of(m).split("\n\n"))
    more = (
        "<p>The harbour has been closed since the storm in March, and the fishing fleet has "
        "waited at the outer moorings for repairs to the sea wall to end.</p>\n"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title_of(m)}</title></head><body><nav>Home | News</nav><article>"
        f"<h1>{title_of(m)}</h1>\n{paragraphs}{more}</article><footer>(c) Courier</footer>"
        "</body></html>\n"
    ).encode()


def good_xml(ms: list[str]) -> bytes:
    records = "".join(
        f"<article><headline>{title_of(m)}</headline><date>2025-04-28</date>"
        f"<text><p>{xml_escape(body_of(m))}</p></text></article>\n"
        for m in ms
    )
    return f'<?xml version="1.0"?>\n<articles>\n{records}</articles>\n'.encode()


def newid(m: str) -> str:
    """A Reuters NEWID of its own for each marker (the id of a Reuters article is its NEWID)."""
    return "1" + "".join(f"{_LETTERS.index(ch):02}" for ch in m[2:])


def good_sgml(ms: list[str]) -> bytes:
    docs = "".join(
        f'<REUTERS TOPICS="NO" NEWID="{newid(m)}">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
        f"<TEXT>&#2;\n<TITLE>{title_of(m).upper()}</TITLE>\n"
        f"<BODY>{xml_escape(body_of(m))}\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
        for m in ms
    )
    return f'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n{docs}'.encode()


# format -> (file name suffix, maker, the most articles one file holds)
GOOD: dict[str, tuple[str, Callable[[list[str]], bytes], int]] = {
    "txt": (".txt", good_txt, 1),
    "md": (".md", good_md, 1),
    "json": (".json", good_json, 3),
    "jsonl": (".jsonl", good_jsonl, 3),
    "csv": (".csv", good_csv, 3),
    "rss": (".rss", good_rss, 3),
    "atom": (".atom", good_atom, 3),
    "html": (".html", good_html, 1),
    "xml": (".xml", good_xml, 3),
    "sgml": (".sgm", good_sgml, 3),
}


# ---------------------------------------------------------------------------- hostile pieces

# lol9 is 10**9 "lol"s: each entity is ten of the one before.
LAUGHS = '<!ENTITY lol0 "lol">\n' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10)
)


def laughs(root: str, body: str) -> bytes:
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{LAUGHS}]>\n{body}'.encode()


def quadratic(root: str, body: str) -> bytes:
    """One 30 kB entity used 2,000 times: 60 MB if expanded (no nesting to catch)."""
    big = "a" * 30_000
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY a "{big}">]>\n{body}'.encode()


def xxe(root: str, body: str, secret: Path, dtd: Path) -> bytes:
    """External entities to the secret: by URI, by path, a parameter entity through an external
    DTD, and one to an address that never answers (a fetch would hang)."""
    subset = (
        f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">\n'
        f'<!ENTITY xxp SYSTEM "{secret}">\n'
        f'<!ENTITY far SYSTEM "{NOWHERE}">\n'
        f'<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;\n'
    )
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{subset}]>\n{body}'.encode()


def outside_files(outside: Path) -> tuple[Path, Path]:
    """The secret, and a DTD that names it, outside the folder indexed."""
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "secret.txt"
    secret.write_text(f"Secret story\n\nThe secret word is {SECRET}, never to be indexed.\n")
    dtd = outside / "evil.dtd"
    dtd.write_text(f'<!ENTITY ext SYSTEM "{secret.as_uri()}">\n<!ENTITY extp SYSTEM "{secret}">')
    return secret, dtd


def entity_bodies(m: str, refs: str) -> dict[str, str]:
    """Documents of each root that use the entities ``refs``, beside the marker ``m``."""
    return {
        "doc": f"<doc><title>{title_of(m)}</title><p>The council {m} {refs} end.</p></doc>",
        "rss": (
            f'<rss version="2.0"><channel><title>Wire</title><item><title>{title_of(m)}</title>'
            f"<description>The council {m} {refs} end.</description></item></channel></rss>"
        ),
        "feed": (
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><entry>'
            f"<title>{title_of(m)}</title><id>urn:{m}</id><updated>2025-04-28T00:00:00Z</updated>"
            f"<content>The council {m} {refs} end.</content></entry></feed>"
        ),
    }


def make_special(path: Path, kind: str, target: Path | None = None) -> None:
    """A directory entry that is not a regular file (or a link that leads nowhere good)."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        cwd = os.getcwd()
        os.chdir(path.parent)  # a socket's path is at most 107 bytes: bind its name alone
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.bind(path.name)  # the socket file stays after the socket is closed
        finally:
            os.chdir(cwd)
    elif kind == "self-link":
        path.symlink_to(path.name)
    elif kind == "broken-link":
        path.symlink_to(path.parent / "no such file")
    elif kind.startswith("link:"):
        path.symlink_to(kind[5:])
    elif kind == "link" and target is not None:
        path.symlink_to(target)
    else:
        raise ValueError(kind)


SPECIAL_REASONS = {
    "fifo": "named pipe",
    "socket": "socket",
    "self-link": "loop",
    "broken-link": "broken symbolic link",
    "link:/dev/zero": "character device",
    "link:/dev/null": "character device",
    "link:/dev/urandom": "character device",
    "link:/dev/stdin": "",  # whatever the run's standard input is: a device or a pipe
    "link:/proc/self/mem": "",  # a regular file that cannot be read
    "link:/": "symbolic link to a directory",
}


# Pieces that mean something to one format or another.
PIECES = [b"<", b">", b"&", b"&lol;", b'"', b"{", b"}", b"[", b",", b"\n", b"\x00", b"\xff\xfe",
          b"\xef\xbb\xbf", b"\x1b[31m", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"]]>", b"<![CDATA[",
          b"\\", b"\r", b"\t", b"\xc3", b"</", b"---\n", b"date ", b"\xe2\x80\xa6?", b"&#0;",
          b"&#xD800;", b"\\ud800", b"\xed\xa0\x80", b"<item>", b"<entry>", b"<p>", b"\xfe\xff",
          b"NaN", b"1e999", b"-", b'""', b"\x1a", b"\x0c"]  # fmt: skip
MUTATIONS = ("delete", "insert", "replace", "duplicate", "truncate", "swap")


def mutate(data: bytes, rng: random.Random, count: int) -> bytes:
    """``data`` after ``count`` random edits: bytes deleted, inserted, replaced, repeated, the
    end cut off, the halves swapped."""
    for _ in range(count):
        op = rng.choice(MUTATIONS)
        at = int(rng.random() * (len(data) + 1))
        size = rng.randint(1, 64)
        piece = rng.choice(PIECES) if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 16))
        if op == "delete":
            data = data[:at] + data[at + size :]
        elif op == "insert":
            data = data[:at] + piece + data[at:]
        elif op == "replace":
            data = data[:at] + piece + data[at + len(piece) :]
        elif op == "duplicate":
            data = data[:at] + data[at : at + size * 8] * rng.randint(1, 4) + data[at:]
        elif op == "truncate":
            data = data[:at]
        else:
            data = data[at:] + data[:at]
    return data


# Encodings a story can be given in, and whether it must then be read (BOMs, UTF-16/32
# without one, legacy single-byte code pages: the marker is ASCII and survives any of them).
ENCODINGS: dict[str, tuple[Callable[[str], bytes], bool]] = {
    "utf-8-bom": (lambda t: codecs.BOM_UTF8 + t.encode(), True),
    "utf-16-le-bom": (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), True),
    "utf-16-be-bom": (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), True),
    "utf-16-le": (lambda t: t.encode("utf-16-le"), True),
    "utf-16-be": (lambda t: t.encode("utf-16-be"), True),
    "utf-32-le-bom": (lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"), True),
    "utf-32-be-bom": (lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be"), True),
    "utf-32-le": (lambda t: t.encode("utf-32-le"), True),
    "utf-32-be": (lambda t: t.encode("utf-32-be"), True),
    "latin-1": (lambda t: t.replace("meeting", "réunion café").encode("latin-1"), True),
    "cp1252": (lambda t: t.replace("meeting", "“meeting” – café").encode("cp1252"), True),
    "koi8-r": (lambda t: t.replace("meeting", "встреча в гавани").encode("koi8-r"), True),
    "shift-jis": (lambda t: t.replace("meeting", "港の会議").encode("shift_jis"), True),
    "stray-nul": (lambda t: t.replace("Its members", "Its \x00members").encode(), True),
    "many-nuls": (lambda t: t.replace(" ", " \x00", 5).encode(), True),
    "ansi-escapes": (
        lambda t: (
            t.replace("council", "\x1b[1;31mcouncil\x1b[0m")
            .replace("May", "\x1b]0;x\x07May")
            .encode()
        ),
        True,
    ),
    "invalid-utf8": (lambda t: t.replace("hour", "h\xffour\xfe").encode("latin-1"), True),
    "overlong-utf8": (lambda t: t.encode() + b"\xc0\xaf\xe0\x80\xaf and more.\n", True),
    "utf8-surrogate": (lambda t: t.encode() + b"\xed\xa0\x80\xed\xbf\xbf end.\n", True),
    "cut-multibyte": (lambda t: (t + " caf\u00e9").encode()[:-1], True),
    "mixed-utf8-latin1": (lambda t: t.encode() + " café".encode("latin-1") + " é".encode(), True),
    "utf-16-odd-length": (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le") + b"\x00", True),
    "cr-only": (lambda t: t.replace("\n", "\r").encode(), True),
    "crlf": (lambda t: t.replace("\n", "\r\n").encode(), True),
    "separators": (lambda t: t.replace("\n\n", "\u2028\u2029\x0b\x0c\x85").encode(), True),
    "bidi-zero-width": (lambda t: t.replace("council", "\u202ecouncil\u202c\u200b").encode(), True),
    "dos-eof": (lambda t: t.encode() + b"\x1a", True),
}


# File names that a terminal or a parser may take for something else. Each holds a story.
BAD_NAMES: dict[str, bytes] = {
    "newline": b"news\nline.txt",
    "fake-skip-line": b"x\nskipped FAKE-LINE: forged.txt",
    "carriage-return": b"over\rwritten.txt",
    "tab": b"tab\there.txt",
    "ansi": b"\x1b[31mred\x1b[0m\x1b]0;title\x07.txt",
    "bell-del": b"bell\x07del\x7f.txt",
    "latin-1": b"caf\xe9.txt",
    "invalid-utf8": b"\xff\xfe\xc3(.txt",
    "bidi": "evil\u202etxt.exe".encode(),
    "c1-control": "c1\u0085\u009b.txt".encode(),
    "line-separator": "ls\u2028ps\u2029.txt".encode(),
    "nfc": "caf\u00e9-nfc.txt".encode(),
    "nfd": "cafe\u0301-nfd.txt".encode(),
    "dash": b"-rf.txt",
    "spaces": b"  spaced name .txt",
    "backslash": b"back\\slash.txt",
    "long": b"L" * 250 + b".txt",
    "no-extension": b"noextension",
    "json-looking": b'{"path": 1}.txt',
    "markup-looking": b"[bold red]x[link=file:]:fire:.txt",
}


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def named(folder: Path, raw: bytes) -> Path:
    """``folder`` / a name given as bytes (not UTF-8 is kept, as the system keeps it)."""
    return folder / os.fsdecode(raw)


# Inputs a run did not survive, or did not account for, when this suite found them (issue 13),
# all fixed since: name -> (file name, contents, what went wrong). test_hostile_corpus.py tries
# each alone.
_STORY = "The council met on Monday. Its members argued for an hour. Nothing was decided."
KNOWN_DEFECTS: dict[str, tuple[str, bytes, str]] = {
    "json-huge-integer": (
        "big.json",
        b'[{"title": "Big", "body": "%s", "date": 1%s}]' % (_STORY.encode(), b"0" * 5000),
        "the whole run ends: unexpected ValueError (int max str digits) from json.loads",
    ),
    "jsonl-huge-integer": (
        "big.jsonl",
        b'{"title": "Big", "body": "%s", "id": 1%s}\n' % (_STORY.encode(), b"0" * 5000),
        "the whole run ends: unexpected ValueError (int max str digits) from json.loads",
    ),
    "json-lone-surrogate": (
        "surrogate.json",
        b'[{"title": "Lone \\ud800 surrogate", "body": "%s \\udcff"}]' % _STORY.encode(),
        "the whole run ends: unexpected UnicodeEncodeError in norm_hash",
    ),
    "sgml-surrogate-reference": (
        "wire.sgm",
        b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n<REUTERS NEWID="7"><DATE>26-FEB-1987</DATE>'
        b"<TEXT><TITLE>T &#55296;</TITLE><BODY>%s</BODY></TEXT></REUTERS>\n" % _STORY.encode(),
        "the whole run ends: unexpected UnicodeEncodeError in norm_hash",
    ),
    "empty-jsonl": ("empty.jsonl", b"\n \n", "neither read nor skipped: '0 read, 0 skipped'"),
    "csv-header-only": (
        "header.csv",
        b"title,body,date\n",
        "neither read nor skipped: '0 read, 0 skipped'",
    ),
}


# Inputs found after those (all fixed since): name -> (file name, contents, what went wrong, a
# marker word the run must index). test_hostile_corpus.py tries each alone, and they are in
# ``fixed_corpus`` too. An input found to break a run goes here first, its test a strict xfail
# until it is fixed.
_GOOD_ITEM = f"<item><title>{title_of('zqgxxd')}</title><description>{body_of('zqgxxd')}</description></item>"  # noqa: E501
OPEN_DEFECTS: dict[str, tuple[str, bytes, str, str]] = {
    "feed-surrogate-reference": (
        "wire.rss",
        (
            f'<rss version="2.0"><channel><title>Wire</title>{_GOOD_ITEM}<item><title>Bad &#xD800;'
            "</title><description>The council met on Monday &#xDC00;.</description></item>"
            "</channel></rss>"
        ).encode(),
        "a reference to a surrogate (&#xD800;) in one item: feedparser's lenient parser raises "
        "(handle_charref: chr(c).encode('utf-8')), the whole feed is skipped, its good items too",
        "zqgxxd",
    ),
}


# ---------------------------------------------------------------------------- the fixed corpus


class Corpus:
    """Entries made in ``root``; ``add`` makes a file and records what a run must do."""

    def __init__(self, root: Path, outside: Path) -> None:
        self.root = root
        self.entries: list[Entry] = []
        self.marks = Markers()
        self.secret, self.dtd = outside_files(outside)
        root.mkdir(parents=True, exist_ok=True)

    def note(self, entry: Entry) -> Entry:
        self.entries.append(entry)
        return entry

    def add(
        self,
        rel: str | Path,
        data: bytes,
        kind: str,
        expect: str = ANY,
        *markers: str,
        reason: str = "",
    ) -> Entry:
        path = write(self.root / rel, data)
        return self.note(Entry(path, kind, expect, tuple(markers), reason))

    def good(self, rel: str | Path, fmt: str, n: int = 1, kind: str = "") -> Entry:
        _, make, most = GOOD[fmt]
        ms = self.marks.take(min(n, most))
        return self.add(rel, make(ms), kind or f"good {fmt}", INDEX, *ms)


def fixed_corpus(root: Path, outside: Path, max_file_bytes: int, root_user: bool) -> Corpus:
    """One folder holding every kind of hostile input issue 13 lists, and good articles of each
    format beside them. ``max_file_bytes`` is the run's --max-file-size. The unreadable
    directory is made only when ``root_user`` is false (root reads any directory)."""
    c = Corpus(root, outside)
    m = c.marks

    # Good articles of every format, some in sub-folders.
    for fmt, (suffix, _, most) in GOOD.items():
        c.good(f"good/{fmt}-one{suffix}", fmt, 1)
        if most > 1:
            c.good(f"good/nested/{fmt}-many{suffix}", fmt, most)
    deep = Path(*(f"d{i}" for i in range(60)))
    c.good(deep / "deep.txt", "txt", kind="good txt, 60 folders deep")
    c.good("reuters/reut2-000.sgm", "sgml", 3, kind="good Reuters distribution file")

    # Empty and nearly empty.
    for suffix in (".txt", ".json", ".csv", ".rss", ".atom", ".html", ".xml", ".sgm"):
        word = "" if suffix in (".rss", ".atom", ".html") else "empty"  # these: "no entries"
        c.add(f"empty/empty{suffix}", b"", f"empty {suffix}", SKIP, reason=word)
    c.add("empty/blank.txt", b" \n\t\r\n\n  \n", "whitespace only", SKIP, reason="empty")
    c.add("empty/bom-only.txt", codecs.BOM_UTF8, "UTF-8 BOM only", SKIP, reason="empty")
    c.add("empty/utf16-bom-only.txt", codecs.BOM_UTF16_LE, "UTF-16 BOM only", SKIP)
    c.add("empty/punctuation.txt", b"...\n\n---\n!!!\n", "punctuation only")
    c.add("empty/front-matter-only.md", b"---\ntitle: Nothing\n---\n", "front matter only")

    # Binary.
    rng = random.Random(13)
    c.add("binary/random.bin", rng.randbytes(20_000), "random bytes", SKIP, reason="binary")
    c.add("binary/random.txt", rng.randbytes(5_000), "random bytes named .txt", SKIP)
    c.add("binary/zeros.txt", bytes(4096), "NUL bytes only", SKIP)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(3000)
    c.add("binary/image.png", png, "PNG image", SKIP, reason="binary")
    c.add("binary/gzip.json", b"\x1f\x8b\x08\x00" + rng.randbytes(2000), "gzip named .json", SKIP)
    c.add("binary/pdf.html", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(3000), "PDF as .html")
    c.add("binary/elf.xml", b"\x7fELF\x02\x01\x01" + bytes(9) + rng.randbytes(3000), "ELF as .xml")

    # Huge: over --max-file-size by one byte, and a sparse file of 10 GB (never read).
    over = b"Over the limit story\n\n" + b"word " * (max_file_bytes // 5)
    c.add(
        "huge/one-over.txt",
        over[: max_file_bytes + 1],
        "1 byte over the size",
        SKIP,
        reason="--max-file-size",
    )
    sparse = c.add("huge/sparse.txt", b"", "10 GB sparse", SKIP, reason="--max-file-size")
    os.truncate(sparse.path, 10**10)
    c.add("huge/long-line.txt", b"Long line\n\n" + b"x" * (max_file_bytes // 2), "one long word")
    words = " ".join(f"w{i}" for i in range(max_file_bytes // 12))
    c.good("huge/ok.txt", "txt")  # a small file beside them
    c.add("huge/many-words.txt", f"Many words {m()}\n\n{words}.\n".encode(), "many distinct words")

    # Special files and links.
    special = c.root / "special"
    special.mkdir()
    for kind, word in SPECIAL_REASONS.items():
        path = special / (kind.replace("link:", "to").replace("/", "-") + ".txt")
        make_special(path, kind)
        c.note(Entry(path, kind, SKIP, reason=word))
    make_special(special / "a.txt", "link", Path("b.txt"))
    make_special(special / "b.txt", "link", Path("a.txt"))
    c.note(Entry(special / "a.txt", "link loop a->b", SKIP, reason="loop"))
    c.note(Entry(special / "b.txt", "link loop b->a", SKIP, reason="loop"))
    (special / "loop").mkdir()
    make_special(special / "loop" / "up", "link", Path(".."))
    c.note(Entry(special / "loop" / "up", "link to a parent folder", SKIP, reason="directory"))
    target = c.good("special/target.txt", "txt")
    make_special(special / "to-target.txt", "link", Path("target.txt"))
    c.note(Entry(special / "to-target.txt", "link to a file in the folder"))  # a duplicate
    os.link(target.path, special / "hard-link.txt")
    c.note(Entry(special / "hard-link.txt", "hard link to a file in the folder"))

    # Hidden files, documentation, archives, an index.
    c.add(".hidden.txt", good_txt([m()]), "hidden file", SKIP, reason="hidden file")
    c.add(".git/HEAD", b"ref: refs/heads/main\n", "inside a hidden folder")
    c.entries.pop()  # .git itself is the entry
    c.note(Entry(c.root / ".git", "hidden folder", SKIP, reason="hidden directory"))
    c.add("dots/...", good_txt([m()]), "a name of dots", SKIP, reason="hidden")
    c.add("dots/README.md", b"# About\n", "README", SKIP, reason="documentation")
    c.add("dots/LICENSE", b"All rights reserved.\n", "LICENSE", SKIP, reason="documentation")
    c.add("dots/SHA256SUMS", b"00  x\n", "checksums", SKIP, reason="documentation")
    c.add("dots/old.zip", b"PK\x05\x06" + bytes(18), "zip", SKIP, reason="archive")
    c.add("dots/old.tar.gz", b"\x1f\x8b\x08\x00" + bytes(20), "tar.gz", SKIP, reason="archive")
    c.add("old-index/CURRENT", b"gen-1\n", "index marker")
    c.add("old-index/write.lock", b"", "index lock")
    c.entries[-2:] = [Entry(c.root / "old-index", "a newsearch index", SKIP, reason="index")]

    # Bad encodings: each a story that must be read.
    for name, (encode, must) in ENCODINGS.items():
        mk = m()
        text = f"{title_of(mk)}\n\n{body_of(mk)}\n"
        c.add(f"encodings/{name}.txt", encode(text), f"encoding {name}", INDEX if must else ANY, mk)

    # File and folder names that are not what they seem; each holds a story.
    for name, raw in BAD_NAMES.items():
        c.good(named(c.root / "names", raw).relative_to(c.root), "txt", kind=f"name {name}")
    c.good(named(c.root, b"dir\nwith\x1b[2Jnewline") / "in.txt", "txt", kind="folder name")
    c.good(named(c.root, b"dir\xff\xfe") / "in.txt", "txt", kind="folder name not UTF-8")

    # Malformed JSON / JSON Lines.
    mk = m()
    c.add(
        "json/truncated.json",
        good_json([mk, m()])[:-40],
        "truncated JSON",
        SKIP,
        reason="malformed JSON",
    )
    c.add("json/deep-array.json", b"[" * 200_000, "deep array", SKIP, reason="JSON")
    c.add("json/deep-object.json", b'{"a":' * 30_000 + b"1" + b"}" * 30_000, "deep object")
    kinds = [1, "two", None, [], True, {"title": "only a title"}, {"body": 5}]
    wrong = [*kinds, _record(mk := m()), {"title": {"x": [1, 2]}, "body": ["a", {"text": mk}]}]
    c.add("json/wrong-types.json", json.dumps(wrong).encode(), "wrong types", INDEX, mk)
    c.add("json/wrapped-not-list.json", b'{"articles": "none", "items": 5}', "wrapper, no list")
    c.add("json/number.json", b"12345", "a bare number", SKIP)
    c.add("json/nan.json", b'[{"title": NaN, "body": Infinity, "date": -Infinity}]', "NaN")
    c.add("json/dup-keys.json", b'{"body": "first", "body": "second story body"}', "dup keys")
    lines = good_jsonl([mk1 := m(), mk2 := m()]).split(b"\n")
    mixed = lines[0] + b"\n{broken\n" + b"[" * 100_000 + b"\n42\n\n" + lines[1] + b'\n{"tit'
    c.add("json/mixed.jsonl", mixed, "JSON Lines, good and bad lines", INDEX, mk1, mk2)
    c.add(
        "json/jsonl-as.json",
        lines[0] + b"\n" + good_jsonl([mk := m()]),  # its first record: a duplicate
        "JSONL in .json",
        INDEX,
        mk,
    )

    # Malformed CSV.
    mk = m()
    rows = good_csv([mk, m()])
    c.add("csv/truncated.csv", rows[:-60] + b'"unterminated, quote', "truncated CSV", INDEX, mk)
    c.add("csv/huge-field.csv", b"title,body\nBig," + b"y" * (max_file_bytes // 2), "huge field")
    c.add(
        "csv/nul.csv",
        good_csv([mk := m()]).replace(b"Monday", b"Mon\x00day"),
        "NUL in CSV",
        ANY,
        mk,
    )
    c.add("csv/ragged.csv", b'title,body,date\nA\nB,c,d,e,f,g\n,,,\n"x"y,z\n', "ragged rows")
    c.add("csv/no-header.csv", b"1,2,3\n4,5,6\n", "numbers, no header")
    c.add("csv/semicolons.csv", good_csv([mk := m()]).replace(b",", b";"), "semicolons", INDEX, mk)
    c.add(
        "csv/utf16.csv",
        codecs.BOM_UTF16_LE + good_csv([mk := m()]).decode().encode("utf-16-le"),
        "CSV in UTF-16",
        INDEX,
        mk,
    )

    # Malformed XML, feeds and HTML.
    c.add("xml/truncated.xml", good_xml([m(), m()])[:-80], "truncated XML")
    c.add("xml/not-xml.xml", b"<<<>>>&&&", "no XML at all")
    c.add("xml/deep.xml", b"<a>" * 60_000 + b"text", "60,000 nested elements")
    c.add(
        "xml/bad-chars.xml", b"<doc><p>bad &#0; &#xD800; &#xFFFF; &bogus; x</p></doc>", "bad refs"
    )
    c.add(
        "xml/xinclude.xml",
        (
            f'<doc xmlns:xi="http://www.w3.org/2001/XInclude"><p>Include {m()} here.</p>'
            f'<xi:include href="{c.secret}" parse="text"/></doc>'
        ).encode(),
        "XInclude of the secret",
    )
    c.add("feeds/truncated.rss", good_rss([mk := m(), m()])[:-150], "truncated RSS", ANY, mk)
    c.add("feeds/truncated.atom", good_atom([mk := m(), m()])[:-150], "truncated Atom", ANY, mk)
    c.add(
        "feeds/empty-items.rss",
        good_rss([]).replace(b"</channel>", b"<item></item>" * 5000 + b"</channel>"),
        "5,000 empty items",
    )
    c.add("feeds/no-channel.rss", b'<rss version="2.0"><item><title>x</title></item></rss>', "RSS")
    c.add("feeds/wrong-root.atom", b"<html><body><p>Not a feed</p></body></html>", "HTML as .atom")
    c.add("feeds/pointer.rss", str(c.secret).encode(), "a feed that is a path", SKIP)
    c.add("feeds/url.rss", NOWHERE.encode(), "a feed that is a URL", SKIP)
    c.add("feeds/deep.rss", b'<rss version="2.0"><channel>' + b"<item>" * 30_000, "deep feed")
    c.add(
        "feeds/rdf.xml",
        (
            '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/"><item><title>{title_of(mk := m())}</title>'
            f"<description>{body_of(mk)}</description></item></rdf:RDF>"
        ).encode(),
        "RSS 1.0",
        INDEX,
        mk,
    )
    c.add("html/truncated.html", good_html([m()])[:300], "truncated HTML")
    c.add("html/deep.html", b"<html><body>" + b"<div>" * 35_000 + b"deep text", "deep divs")
    c.add("html/script-only.html", b"<html><script>" + b"var x=1;" * 2000 + b"</script>", "script")
    c.add("html/nul.html", good_html([mk := m()]).replace(b"Monday", b"Mon\x00day"), "NUL", ANY, mk)
    for charset in ("utf-16", "punycode", "unicode_escape", "rot13", "nonsense", "utf-7"):
        page = good_html([mk := m()]).replace(b'charset="utf-8"', f'charset="{charset}"'.encode())
        c.add(f"html/charset-{charset}.html", page, f"declared charset {charset}", ANY, mk)
    c.add(
        "html/secret-links.html",
        (
            f'<html><head><meta http-equiv="refresh" content="0;url={c.secret.as_uri()}">'
            f'<link rel="import" href="{c.secret}"></head><body><article><h1>Links {m()}</h1>'
            f'<iframe src="{c.secret.as_uri()}"></iframe><object data="{c.secret}"></object>'
            f"<p>{body_of(m())}</p></article></body></html>"
        ).encode(),
        "links to the secret",
    )
    c.add(
        "text/bad-front-matter.md",
        b"---\ntitle: [unclosed\nsource: {\n---\nBody text here.\n",
        "bad front matter",
    )
    c.add("text/unclosed-front.md", b"---\ntitle: x\n" + b"key: value\n" * 3000, "no closing ---")
    c.add("text/credit-lines.txt", b"Title\n\nbody\n" + b"edited by " * 18_000, "credit lines")
    c.add("text/blank-lines.txt", f"Blank {m()}\n".encode() + b"\n" * 50_000 + b"end.\n", "blanks")
    c.add("reuters/bad/reut2-001.sgm", good_sgml([m(), m()])[:-120] + b"<BODY>" * 5000, "SGML")

    # Entity bombs and external entities, in plain XML, RSS and Atom.
    for root_name, suffix in (("doc", ".xml"), ("rss", ".rss"), ("feed", ".atom")):
        bodies = entity_bodies(m(), "&lol9;")
        c.add(
            f"bombs/laughs-{root_name}{suffix}",
            laughs(root_name, bodies[root_name]),
            f"billion laughs {root_name}",
        )
        refs = "&a;" * 2000
        c.add(
            f"bombs/quadratic-{root_name}{suffix}",
            quadratic(root_name, entity_bodies(m(), refs)[root_name]),
            f"quadratic {root_name}",
        )
        doc = entity_bodies(m(), "&xxe; &xxp; &far; &ext; &extp;")[root_name]
        c.add(
            f"bombs/xxe-{root_name}{suffix}",
            xxe(root_name, doc, c.secret, c.dtd),
            f"XXE {root_name}",
        )
    c.add(
        "bombs/external-dtd.xml",
        (
            f'<?xml version="1.0"?>\n<!DOCTYPE doc SYSTEM "{c.dtd.as_uri()}">\n'
            f"<doc><p>The council {m()} &ext; end.</p></doc>"
        ).encode(),
        "external DTD",
    )

    # Found by this suite (KNOWN_DEFECTS): each once ended the whole run (with the parallel
    # writer, a process that never exited), or was neither read nor skipped.
    for name, (file_name, data, what) in KNOWN_DEFECTS.items():
        c.add(Path("found", name, file_name), data, f"found: {what}")
    for name, (file_name, data, what, mk) in OPEN_DEFECTS.items():
        c.add(Path("found", name, file_name), data, f"found: {what}", INDEX, mk)

    # Many small files in one folder.
    for i in range(200):
        c.add(f"many/e{i:03}.txt", b"" if i % 2 else b"\n", "one of 200 empty files", SKIP)

    # An unreadable folder (root reads any: tested apart, see the test).
    if not root_user:
        c.good("locked/in.txt", "txt")
        c.entries[-1] = Entry(c.root / "locked", "unreadable folder", SKIP, reason="cannot be read")
        os.chmod(c.root / "locked", 0)
    return c


def unlock(root: Path) -> None:
    """Make the unreadable folder readable again (so that it can be removed)."""
    locked = root / "locked"
    if locked.is_dir() and not locked.is_symlink():
        os.chmod(locked, stat.S_IRWXU)


# ---------------------------------------------------------------------------- a random corpus

# What ``random_corpus`` makes, and how often (weights).
RANDOM_KINDS = {
    "good": 12,  # a valid file of a random format: its articles must be indexed
    "mutated": 30,  # a valid file after 1-8 random edits
    "random bytes": 8,
    "encoding": 10,  # a story in an odd encoding, or with NULs and escapes: must be indexed
    "noisy text": 6,  # a story with control characters inserted between words: must be indexed
    "structure": 8,  # deep nesting, many records, huge fields, long lines
    "bomb": 4,  # entity expansion, external entities, XInclude
    "special": 5,  # FIFOs, sockets, links to devices, link loops, broken links
    "empty": 4,
    "ignored name": 4,  # hidden files and folders, documentation, archives, an index
    "over size": 2,  # over --max-file-size (sparse)
    "copy": 3,  # a copy, hard link or symbolic link of an earlier file
    "bad name": 4,  # a story under a name that is not what it seems
}
_SUFFIXES = [s for s, _, _ in GOOD.values()] + [".bin", ".dat", ".htm", ".tsv", ".ndjson", ""]
_NOISE = ["\x00", "\x1b[31m", "\x1b[0m", "\x07", "\x0c", "\x85", "\u202e", "\u2028", "\ufeff",
          "\x1a", "\x7f", "\u200b"]  # fmt: skip


def _random_name(rng: random.Random, i: int, suffix: str) -> bytes:
    """A name that is not hidden, documentation or an archive, made odd half of the time."""
    base = f"f{i:05}".encode()
    if rng.random() < 0.5:
        return base + suffix.encode()
    if rng.random() < 0.5:
        odd = os.path.splitext(rng.choice(list(BAD_NAMES.values())))[0][:40]
    else:
        odd = bytes(b for b in rng.randbytes(rng.randint(1, 24)) if b not in b"/\0")
    return base + b"-" + odd.lstrip(b".") + suffix.encode()


def _structure(rng: random.Random, marks: Markers, limit: int) -> tuple[str, bytes]:
    n = rng.randint(1_000, max(1_001, limit // 8))
    mk = marks()
    m = mk.encode()
    choices: list[tuple[str, bytes]] = [
        (".json", b"[" * n),
        (".json", b'{"a":' * (n // 5) + b"1" + b"}" * (n // 5)),
        (
            ".jsonl",
            b"".join(
                b'{"title": "t%d", "body": "Item %d of %s."}\n' % (j, j, m) for j in range(n // 500)
            ),
        ),
        (".xml", b"<a>" * (n // 3) + mk.encode()),
        (".rss", good_rss([mk]).replace(b"<item>", b"<item>" * (n // 60), 1)),
        (
            ".rss",
            good_rss([mk]).replace(b"</channel>", b"<item></item>" * (n // 130) + b"</channel>"),
        ),
        (".html", b"<html><body>" + b"<div>" * (n // 5) + body_of(mk).encode()),
        (".csv", b"title,body\nBig," + b"y" * n + b"\n"),
        (
            ".csv",
            b"title,body\n" + b"".join(b"t%d,Row %d of %s.\n" % (j, j, m) for j in range(n // 200)),
        ),
        (".txt", f"{title_of(mk)}\n\n".encode() + b"x" * n),
        (".txt", f"{title_of(mk)}\n\n".encode() + b"\n" * n + body_of(mk).encode()),
        (".txt", b"Title\n\nbody\n" + b"edited by " * (n // 10)),
        (".md", b"---\ntitle: x\n" + b"key: value\n" * (n // 11)),
        (".sgm", b"<!DOCTYPE lewis>\n<REUTERS>" + b"<BODY>" * (n // 6)),
    ]
    return rng.choice(choices)


def _bomb(rng: random.Random, marks: Markers, secret: Path, dtd: Path) -> tuple[str, bytes]:
    root, suffix = rng.choice((("doc", ".xml"), ("rss", ".rss"), ("feed", ".atom")))
    which = rng.choice(("laughs", "quadratic", "xxe", "dtd", "xinclude"))
    m = marks()
    if which == "laughs":
        return suffix, laughs(root, entity_bodies(m, "&lol9;")[root])
    if which == "quadratic":
        return suffix, quadratic(root, entity_bodies(m, "&a;" * 2000)[root])
    if which == "xxe":
        return suffix, xxe(root, entity_bodies(m, "&xxe; &xxp; &far; &ext;")[root], secret, dtd)
    if which == "dtd":
        head = f'<?xml version="1.0"?>\n<!DOCTYPE {root} SYSTEM "{dtd.as_uri()}">\n'
        return suffix, (head + entity_bodies(m, "&ext; &extp;")[root]).encode()
    return ".xml", (
        f'<doc xmlns:xi="http://www.w3.org/2001/XInclude"><p>Include {m} here.</p>'
        f'<xi:include href="{secret}" parse="text"/><xi:include href="{secret.as_uri()}"/></doc>'
    ).encode()


def random_corpus(root: Path, outside: Path, rng: random.Random, files: int, limit: int) -> Corpus:
    """``files`` directory entries of the kinds in RANDOM_KINDS, in a random tree of folders
    (some with odd names), drawn from ``rng``; ``limit`` is the run's --max-file-size."""
    c = Corpus(root, outside)
    folders = [root]
    kinds, weights = zip(*RANDOM_KINDS.items(), strict=True)
    made: list[Entry] = []  # regular files made so far, for copies
    for i in range(files):
        if rng.random() < 0.04 and len(folders) < 200:
            parent = rng.choice(folders)
            name = b"d" + (_random_name(rng, i, "") if rng.random() < 0.3 else b"%05d" % i)
            folder = named(parent, name)
            if len(os.fsencode(folder.relative_to(root))) < 2000:  # the same wherever made
                folder.mkdir()
                folders.append(folder)
        folder = rng.choice(folders)
        kind = rng.choices(kinds, weights)[0]
        fmt = rng.choice(list(GOOD))
        suffix, maker, most = GOOD[fmt]
        plain = f"f{i:05}".encode()
        if kind in ("good", "mutated", "bad name"):
            ms = c.marks.take(rng.randint(1, most))
            data = maker(ms)
            if kind == "mutated":
                data = mutate(data, rng, rng.randint(1, 8))
                e = Entry(named(folder, plain + suffix.encode()), f"mutated {fmt}", ANY, tuple(ms))
            elif kind == "bad name":
                e = Entry(named(folder, _random_name(rng, i, suffix)), "bad name", INDEX, tuple(ms))
            else:
                e = Entry(named(folder, plain + suffix.encode()), f"good {fmt}", INDEX, tuple(ms))
        elif kind == "random bytes":
            data = rng.randbytes(int(2 ** rng.uniform(0, 16)))
            e = Entry(named(folder, plain + rng.choice(_SUFFIXES).encode()), kind)
        elif kind == "encoding":
            codec, (encode, must) = rng.choice(list(ENCODINGS.items()))
            mk = c.marks()
            data = encode(f"{title_of(mk)}\n\n{body_of(mk)}\n")
            e = Entry(named(folder, plain + b".txt"), f"encoding {codec}", INDEX if must else ANY,
                      (mk,))  # fmt: skip
        elif kind == "noisy text":
            mk = c.marks()
            words = f"{title_of(mk)}\n\n{body_of(mk)}\n".split(" ")
            for _ in range(rng.randint(1, 4)):
                at = rng.randrange(1, len(words))
                words[at] = rng.choice(_NOISE) + words[at]
            data = " ".join(words).encode()
            e = Entry(named(folder, plain + b".txt"), kind, INDEX, (mk,))
        elif kind == "structure":
            suffix, data = _structure(rng, c.marks, limit)
            e = Entry(named(folder, plain + suffix.encode()), kind)
        elif kind == "bomb":
            suffix, data = _bomb(rng, c.marks, c.secret, c.dtd)
            e = Entry(named(folder, plain + suffix.encode()), kind)
        elif kind == "empty":
            data = rng.choice([b"", b"\n", b" \t\r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
            e = Entry(named(folder, plain + rng.choice(_SUFFIXES).encode()), kind)
        elif kind == "over size":
            path = named(folder, plain + rng.choice(_SUFFIXES).encode())
            path.write_bytes(b"Too big\n\n")
            os.truncate(path, limit + 1 + int(2 ** rng.uniform(0, 34)))
            c.note(Entry(path, kind, SKIP, reason="--max-file-size"))
            continue
        elif kind == "special":
            special = rng.choice([*SPECIAL_REASONS, "dir-link", "loop-a"])
            path = named(folder, plain + b".txt")
            if special == "dir-link":
                make_special(path, "link", rng.choice(folders))
                c.note(Entry(path, "special link to a folder", SKIP, reason="directory"))
            elif special == "loop-a":
                other = named(folder, plain + b"-b.txt")
                make_special(path, "link", Path(other.name))
                make_special(other, "link", Path(path.name))
                c.note(Entry(path, "special link loop", SKIP, reason="loop"))
                c.note(Entry(other, "special link loop", SKIP, reason="loop"))
            else:
                make_special(path, special)
                c.note(Entry(path, f"special {special}", SKIP, reason=SPECIAL_REASONS[special]))
            continue
        elif kind == "ignored name":
            which = rng.choice(("hidden", "hidden dir", "doc", "archive", "index"))
            body = good_txt([c.marks()])
            if which == "hidden":
                c.add(named(folder, b"." + plain + b".txt"), body, kind, SKIP, reason="hidden")
            elif which == "hidden dir":
                write(named(folder, b"." + plain) / "x.txt", body)
                c.note(Entry(named(folder, b"." + plain), kind, SKIP, reason="hidden"))
            elif which == "doc":
                doc = rng.choice([b"README", b"readme.md", b"LICENSE.txt", b"COPYING", b"MD5SUMS"])
                if not named(folder, doc).exists():
                    c.add(named(folder, doc), b"About this folder.\n", kind, SKIP)
            elif which == "archive":
                ext = rng.choice([".gz", ".zip", ".tar", ".bz2", ".xz", ".7z", ".tgz"])
                c.add(named(folder, plain + ext.encode()), rng.randbytes(100), kind, SKIP,
                      reason="archive")  # fmt: skip
            else:
                write(named(folder, plain) / "CURRENT", b"gen-1\n")
                write(named(folder, plain) / "write.lock", b"")
                c.note(Entry(named(folder, plain), "an index", SKIP, reason="index"))
            continue
        else:  # a copy of an earlier file
            if not made:
                continue
            source = rng.choice(made)
            path = named(folder, plain + source.path.suffix.encode())
            how = rng.choice(("copy", "hard link", "link"))
            if how == "copy":
                path.write_bytes(source.path.read_bytes())
            elif how == "hard link":
                os.link(source.path, path)
            else:
                path.symlink_to(source.path)
            c.note(Entry(path, f"{how} of a file"))
            continue
        write(e.path, data)
        c.note(e)
        made.append(e)
    return c


# ---------------------------------------------------------------------------- accounting


def stored_articles(index_dir: Path) -> dict[str, list[str]]:
    """path -> the bodies (with titles) of the articles the index holds from it."""
    from newsearch.index import store

    ix = store.open_index(index_dir)
    try:
        with ix.searcher() as s:
            out: dict[str, list[str]] = {}
            for f in s.all_stored_fields():
                meta = f["meta"]
                out.setdefault(meta["path"], []).append(f"{meta.get('title') or ''}\n{f['body']}")
    finally:
        ix.close()
    return out


def accounted_paths(summary: dict[str, Any], articles: dict[str, list[str]]) -> set[str]:
    """Every path a run says it read or skipped: skips, indexed articles, duplicates and moves
    (these two named ``path:location`` for a record of a file: both forms are kept)."""
    out = set(articles)
    out.update(s["path"] for s in summary.get("skips", ()))
    for key in ("duplicates", "moves"):
        for d in summary.get(key, ()):
            out.update((d["path"], d["path"].rsplit(":", 1)[0]))
    return out


def unaccounted(root: Path, accounted: set[str]) -> list[str]:
    """The entries under ``root`` that a run neither read nor skipped. A real folder that is
    not itself skipped is entered (its entries must be accounted for, not it); a Reuters
    distribution's own documentation is passed over by design (walk's docstring)."""
    lost: list[str] = []
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue  # a folder the run must have skipped: checked by its Entry
        reuters = any(n.startswith("reut2-") and n.endswith(".sgm") for n in names)
        for name in names:
            path = d / name
            if str(path) in accounted or (reuters and name.lower() in REUTERS_DOCS):
                continue
            if path.is_dir() and not path.is_symlink():
                stack.append(path)
            else:
                lost.append(str(path))
    return lost


_MARKER = re.compile(r"\bzq[a-z]+\b")


@dataclass
class Verdict:
    """What a run did with the made entries, against what each must get: each a (path, what
    went wrong) pair."""

    lost: list[tuple[str, str]]  # neither read nor skipped; or its articles not indexed
    wrong: list[tuple[str, str]]  # must be skipped (or for a reason) and was not
    secret_leaked: list[str]  # paths whose stored text holds SECRET

    def describe(self, which: str) -> str:
        return "\n".join(f"{p!r}: {what}" for p, what in getattr(self, which))


def judge(
    root: Path, entries: list[Entry], summary: dict[str, Any], articles: dict[str, list[str]]
) -> Verdict:
    """Each entry against what it must get. A marker counts as indexed wherever it is: a
    record that is a copy of another is a duplicate, its text indexed once."""
    kinds = {str(e.path): e.kind for e in entries}
    lost = [
        (p, f"{kinds.get(p, 'an entry')}: neither read nor skipped")
        for p in unaccounted(root, accounted_paths(summary, articles))
    ]
    found = {w for texts in articles.values() for t in texts for w in _MARKER.findall(t)}
    skips: dict[str, list[str]] = {}
    for s in summary.get("skips", ()):
        skips.setdefault(s["path"], []).append(s["reason"])
    wrong: list[tuple[str, str]] = []
    for e in entries:
        key = str(e.path)
        missing = [mk for mk in e.markers if mk not in found]
        if e.expect == INDEX and missing:
            lost.append((key, f"{e.kind}: {' '.join(missing)} not indexed; skips {skips.get(key)}"))
        elif e.expect == SKIP:
            reasons = skips.get(key, [])
            if not reasons:
                wrong.append((key, f"{e.kind}: not skipped"))
            elif e.reason and not any(e.reason in r for r in reasons):
                wrong.append((key, f"{e.kind}: skipped for {reasons}, not '{e.reason}'"))
    leaked = sorted(p for p, texts in articles.items() if any(SECRET in t for t in texts))
    return Verdict(sorted(set(lost)), wrong, leaked)


def walk_entries(root: Path) -> Iterator[Path]:
    """Every entry under ``root`` (links not followed), for counting."""
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            yield Path(d) / name
