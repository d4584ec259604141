"""Plain-text articles: the seed conventions, plus optional front matter.

Recognised, and removed from the body:
- front matter at the top: ``---`` / ``key: value`` lines / ``---`` with keys title, date, source,
  author, url, id, language (or lang) (values given here win over anything guessed from the
  text; a value that is a YAML list or mapping, only punctuation, or too long is refused with a
  warning; a language that names none, ``language: xx-unknown``, is a warning and the text's
  language is detected, as for records);
- a header line `` date 2025-04-28 By RFA``: an all-capitals name or a known outlet is the
  source, anything else the author;
- a headline as the first line (short, no closing full stop, more text after it); one ending in
  ``?`` or ``...`` is a headline too when a blank line follows it (``Can Yahoo dominate next
  decade?``);
- a ``Published: 28 Apr. 2025, 09:16`` line near the top;
- a trailing byline ``BY BAE JAE-SUNG [...]`` and a credit line ``... edited by Korea JoongAng
  Daily staff.`` (the outlet).
Nothing else is guessed: a file without a date or source keeps them empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from newsearch.ingest.readers.decode import decode_bytes
from newsearch.ingest.readers.ids import make_id
from newsearch.ingest.readers.options import DEFAULT_OPTIONS, ReadOptions
from newsearch.models import Article, Skip
from newsearch.text.dates import parse_date
from newsearch.text.languages import language_code

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}

KNOWN_OUTLETS = {
    name.lower(): name
    for name in (
        "RFA AP AFP Reuters Bloomberg Yonhap KCNA BBC CNN NPR UPI TASS Xinhua DPA ANSA EFE "
        "NHK KBS VOA RFE/RL Kyodo"
    ).split()
}

_HEADER = re.compile(r"^\s*date\s+(?P<date>\S+)(?:\s+[Bb]y\s+(?P<by>.+?))?\s*$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^\s*(?:Published|Posted|Updated)\s*:?\s*(?P<date>.+?)\s*$", re.I)
_BY_LINE = re.compile(r"^\s*(?i:by)\s+(?P<name>[A-Z][\w.'’ -]{1,60}?)\s*(?:\[.*\])?\s*$")
_CREDIT = re.compile(r"\b(?:edited|written|reported|produced) by (?:the )?(?P<outlet>.+?) staff\b")
_FRONT_KEYS = {"title", "date", "source", "author", "url", "id", "language", "lang"}
_LANGUAGE_KEYS = ("language", "lang")  # the article's language: it wins over detection
# Header, byline and credit lines are shorter; on a longer line (a paragraph) the lazy patterns
# above would take time growing with its square (a 300 kB line: minutes).
_HEADER_CHARS = 300
# The longest value each front matter key takes; a longer one is not what the key means.
_FRONT_LIMITS = {
    "title": 300,
    "date": 60,
    "source": 120,
    "author": 200,
    "url": 2048,
    "id": 200,
    "language": 60,
    "lang": 60,
}
_FRONT_EXAMPLES = {
    "title": "Troops in Kursk",
    "date": "2025-04-28",
    "source": "Reuters",
    "author": "A. Writer",
    "url": "https://example.org/story",
    "id": "story-1",
    "language": "de",
    "lang": "de",
}
_WORDY = re.compile(r"\w")
# A headline may end in a question mark or an ellipsis; a paragraph's sentence break may not
# sit inside it ("Why now? Because..." is a paragraph).
_ASKING_END = re.compile(r"(?:\?|\.\.\.|…)$")
_SENTENCE_BREAK = re.compile(r"[.!?…]\s+[A-Z\"“‘']")


def sniff(path: Path, data: bytes) -> bool:
    return True  # the fallback reader


def _name_case(name: str) -> str:
    """``BAE JAE-SUNG`` -> ``Bae Jae-sung``; names already in mixed case are kept."""
    if not name.isupper():
        return name
    return " ".join(w[:1] + w[1:].lower() for w in name.split())


def _source_or_author(by: str) -> tuple[str | None, str | None]:
    by = by.strip()
    known = KNOWN_OUTLETS.get(by.lower())
    if known:
        return known, None
    if re.fullmatch(r"[A-Z][A-Z/&.]{1,9}", by):
        return by, None
    return None, _name_case(by)


def _front_matter(text: str, path: Path) -> tuple[dict[str, str], int, list[str]]:
    """Parsed front matter, the offset where the rest begins, and warnings."""
    if not text.startswith("---"):
        return {}, 0, []
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, 0, []
    meta: dict[str, str] = {}
    warnings: list[str] = []
    offset = len(lines[0]) + 1
    for n, line in enumerate(lines[1:], start=2):
        offset += len(line) + 1
        if line.strip() == "---":
            return meta, min(offset, len(text)), warnings
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in _FRONT_KEYS:
            warnings.append(
                f"front matter line {n} ignored (keys: {', '.join(sorted(_FRONT_KEYS))})"
            )
            continue
        value = value.strip().strip("\"'")
        problem = _front_problem(key, value)
        if problem:
            warnings.append(
                f"front matter {key} {_shown(value)} refused ({problem}): "
                f"write one plain value, e.g. {key}: {_FRONT_EXAMPLES[key]}"
            )
            continue
        if key in _LANGUAGE_KEYS and value:
            code = language_code(value)
            if code is None:
                warnings.append(
                    f"front matter line {n}: language {_shown(value)} not understood: detected "
                    "from the text instead (write a code or a name, e.g. language: de)"
                )
                continue
            key, value = "language", code
        meta[key] = value
    warnings.append("front matter has no closing '---': read as text")
    return {}, 0, warnings


def _front_problem(key: str, value: str) -> str | None:
    """Why a front matter value cannot be the field's value, or None when it can."""
    if not value:
        return None
    if value[0] in "{[":
        return "a YAML mapping or list, not one value"
    if not _WORDY.search(value):
        return "no letter or digit in it"
    if len(value) > _FRONT_LIMITS[key]:
        return f"{len(value)} characters, over {_FRONT_LIMITS[key]}"
    return None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:39] + "…")


def _headline(line: str, blank_after: bool) -> bool:
    """Whether a first line is a headline: short, with no closing full stop or comma; or ending
    in ``?``/``...`` when a blank line follows and no sentence ends inside it."""
    if len(line) > 200:
        return False
    if not re.search(r"[.!?;,:”\"]$", line):
        return True
    return (
        blank_after
        and len(line) <= 150
        and bool(_ASKING_END.search(line))
        and not _SENTENCE_BREAK.search(line)
    )


def parse_text(text: str, path: Path, article_id: str | None = None) -> Article | Skip:
    """One article from a text, with its metadata; a Skip if nothing is left to index."""
    meta, pos, warnings = _front_matter(text, path)
    title = date = time = source = author = None
    # Work on line spans so the body stays an exact slice of the text.
    lines: list[tuple[int, int]] = []
    for lm in re.finditer(r"[^\n]*\n?", text[pos:]):
        if lm.group():
            lines.append((pos + lm.start(), pos + lm.end()))

    def content(i: int) -> str:
        return text[lines[i][0] : lines[i][1]].strip()

    nonblank = [i for i in range(len(lines)) if content(i)]
    first, last = 0, len(nonblank)  # the body is nonblank[first:last]
    # Header lines at the top: "date ... By ...", a headline, "Published: ...", "By ...".
    for _ in range(4):
        if first >= last:
            break
        line = content(nonblank[first])
        if len(line) > _HEADER_CHARS:  # a paragraph: the patterns below are not run on it
            break
        if (m := _HEADER.match(line)) and date is None:
            parsed = parse_date(m["date"])
            if parsed:
                date, time = parsed
            if m["by"]:
                source, author = _source_or_author(m["by"])
        elif (m := _PUBLISHED.match(line)) and date is None and (parsed := parse_date(m["date"])):
            date, time = parsed
        elif (m := _BY_LINE.match(line)) and author is None and source is None:
            source, author = _source_or_author(m["name"])
        elif (
            title is None
            and first + 1 < last
            and _headline(line, nonblank[first + 1] > nonblank[first] + 1)
        ):
            title = line
        else:
            break
        first += 1
    # Trailing byline and credit line.
    for _ in range(3):
        if last - 1 <= first:
            break
        line = content(nonblank[last - 1])
        if len(line) > _HEADER_CHARS:
            break
        if (m := _BY_LINE.match(line)) and author is None:
            _, author = _source_or_author(m["name"])
            author = author or _name_case(m["name"])
        elif (m := _CREDIT.search(line)) and source is None:
            source = m["outlet"].strip()
        else:
            break
        last -= 1
    if first >= last:
        return Skip(str(path), "empty file: nothing to index")
    start = lines[nonblank[first]][0]
    end = lines[nonblank[last - 1]][1]
    body = text[start:end].strip()
    if meta.get("date"):
        parsed = parse_date(meta["date"])
        if parsed:
            date, time = parsed
        else:
            warnings.append(f"front matter date {meta['date']!r} not understood: use YYYY-MM-DD")
    return Article(
        id=meta.get("id") or article_id or make_id(path),
        path=str(path),
        body=body,
        title=meta.get("title") or title,
        date=date,
        time=time,
        source=meta.get("source") or source,
        author=meta.get("author") or author,
        url=meta.get("url") or None,
        language=meta.get("language") or None,
        warnings=tuple(warnings),
    )


def read(
    path: Path, data: bytes, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Article | Skip]:
    if not data.strip():
        yield Skip(str(path), "empty file: nothing to index")
        return
    decoded = decode_bytes(data)
    if decoded.binary:
        yield Skip(str(path), "binary file, not text: remove it or convert it to text")
        return
    text, warnings = decoded.text, decoded.warnings
    item = parse_text(text.replace("\r\n", "\n"), path)
    if warnings and isinstance(item, Article):
        item = Article(**{**item.__dict__, "warnings": (*warnings, *item.warnings)})
    yield item
