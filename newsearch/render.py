"""Turning results into JSON objects and terminal text (rich on a terminal, plain otherwise).

The ``*_json`` functions are pure (a model in, plain dicts and lists out): the CLI's ``--json``
and any other front end share them. The ``print_*`` functions print every piece of text from a
user or an article (query, suggestion, notices, titles, sources, paths, facet values, stats) as
a ``rich.text.Text``, which rich never reads as markup (``[/b]``) or emoji codes (``:fire:``),
whatever the console's settings; echoes of the query are cut to ``ECHO_CHARS``. Each such text
goes through ``escape`` first: a file name holding a newline or a terminal escape sequence
prints as ``\n`` or ``\x1b`` on its one line, never as a line of its own. ``to_json`` does the
same for JSON output (JSON escapes newlines itself).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsearch.models import (
    ArticleInfo,
    ArticleView,
    Copy,
    EntitySummary,
    FacetValue,
    Hit,
    IndexStats,
    IndexSummary,
    SearchResults,
)

MARK_OPEN, MARK_CLOSE = "**", "**"
RELATED_OPEN, RELATED_CLOSE = "_", "_"  # words close in meaning to the query's (hybrid mode)
ECHO_CHARS = 80  # the query (or a suggestion) said back to the user is cut here
NOTICE_CHARS = 300
_FIELD_NAMES = {
    "text": "passage",
    "title": "title",
    "atext": "article",
    "atitle": "article title",
}


# Characters that move the cursor, end a line, recolour or reorder what follows on a terminal:
# C0 and C1 controls and DEL, Unicode's line and paragraph separators, the bidirectional
# controls; and lone surrogates (the undecodable bytes of a file name, as Python reads them).
_LEFT_RAW_BY_JSON = r"\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(rf"[\x00-\x1f{_LEFT_RAW_BY_JSON}]")
_UNSAFE_IN_JSON = re.compile(rf"[{_LEFT_RAW_BY_JSON}]")  # JSON escapes C0 controls itself
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 in a file name
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str, newline: str | None = None) -> str:
    """``text`` safe to print: control characters, line separators, bidirectional controls and
    undecodable file-name bytes as backslash escapes (``\\n``, ``\\x1b``, ``\\u202e``,
    ``\\xe9``). ``newline`` (e.g. a space) replaces line breaks instead, for passages."""
    if newline is not None:
        text = text.replace("\r\n", "\n").replace("\n", newline)
    return _UNSAFE.sub(_escaped, text) if _UNSAFE.search(text) else text


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def to_json(obj: Any, indent: int | None = 1) -> str:
    """``obj`` as indented JSON that prints safely: JSON's own escapes, and ``\\uXXXX`` for the
    characters it leaves raw (DEL, C1 controls, line separators, bidirectional controls, lone
    surrogates). Every value reads back unchanged; only ASCII is escaped outside strings.
    ``indent=None``: on one line (JSON Lines)."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    return _UNSAFE_IN_JSON.sub(_json_escaped, text) if _UNSAFE_IN_JSON.search(text) else text


def clip(text: str, limit: int = ECHO_CHARS) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def article_json(a: ArticleInfo) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "source": a.source,
        "author": a.author,
        "date": a.date.isoformat() if a.date else None,
        "path": a.path,
        "url": a.url,
        "language": a.language,
    }


def hit_json(h: Hit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rank": h.rank,
        "score": round(h.score, 4),
        "text": h.text,
        "highlights": [list(x) for x in h.highlights],
        "related": [list(x) for x in h.related],
        "start": h.start,
        "end": h.end,
        "article": article_json(h.article),
    }
    if h.entities:
        out["entities"] = [{"name": e.name, "type": e.type} for e in h.entities]
    if h.explanation:
        out["explain"] = [dataclasses.asdict(c) for c in h.explanation]
    if h.also_in is not None:  # (collapsed results)
        out["also_in"] = [a.id for a in h.also_in]
    if h.copies is not None:  # (copies collapsed: the rest of its copy group)
        out["copies"] = [copy_json(c) for c in h.copies]
    return out


def copy_json(c: Copy) -> dict[str, Any]:
    """Another article of a copy group (with ``show``: what it changed, word by word)."""
    a = c.article
    out: dict[str, Any] = {
        "id": a.id,
        "source": a.source,
        "date": a.date.isoformat() if a.date else None,
        "similarity": c.similarity,
        "original": c.original,
        "title": a.title,
        "path": a.path,
    }
    if c.changes:
        out["changes"] = [dataclasses.asdict(x) for x in c.changes]
    return out


def facets_json(facets: Mapping[str, tuple[FacetValue, ...]]) -> dict[str, Any]:
    return {k: [{"value": v.value, "count": v.count} for v in vals] for k, vals in facets.items()}


def results_json(r: SearchResults) -> dict[str, Any]:
    out: dict[str, Any] = {
        "query": r.query,
        "total": r.total,
        "notices": list(r.notices),
        "results": [hit_json(h) for h in r.results],
    }
    if r.offset:
        out["offset"] = r.offset
    if r.facets:
        out["facets"] = facets_json(r.facets)
    if r.suggestion:
        out["suggestion"] = r.suggestion
    return out


# ``--format csv``: one row per passage, these columns (README "Export").
EXPORT_COLUMNS = (
    "rank",
    "score",
    "article_id",
    "source",
    "date",
    "title",
    "author",
    "url",
    "path",
    "start",
    "end",
    "text",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so


def cell(value: str | None) -> str:
    """A text cell for a spreadsheet: escaped as for printing (line breaks kept), and with a
    ``'`` before a leading ``=``, ``+``, ``-`` or ``@``, so that no article's text is run as
    a formula."""
    if not value:
        return ""
    value = "\n".join(escape(line) for line in value.replace("\r\n", "\n").split("\n"))
    return "'" + value if value.startswith(_FORMULA) else value


def csv_row(h: Hit) -> list[str | int | float]:
    """A hit as a row of EXPORT_COLUMNS."""
    a = h.article
    return [
        h.rank,
        round(h.score, 4),
        cell(a.id),
        cell(a.source),
        a.date.isoformat() if a.date else "",
        cell(a.title),
        cell(a.author),
        cell(a.url),
        cell(a.path),
        h.start,
        h.end,
        cell(h.text),
    ]


def article_view_json(v: ArticleView) -> dict[str, Any]:
    """``newsearch show --json``: the article's metadata as in a hit, its tags, body,
    entities and passages; with a query, the matches' offsets into the body and title."""
    out: dict[str, Any] = {
        "article": article_json(v.article),
        "tags": [{"kind": k, "value": val} for k, val in v.tags],
        "body": v.body,
        "entities": [{"name": e.name, "type": e.type} for e in v.entities],
        "passages": [
            {
                "index": p.index,
                "start": p.start,
                "end": p.end,
                "entities": [{"name": e.name, "type": e.type} for e in p.entities],
            }
            for p in v.passages
        ],
    }
    if v.query is not None:
        out["query"] = v.query
        out["notices"] = list(v.notices)
        out["highlights"] = [list(x) for x in v.highlights]
        out["related"] = [list(x) for x in v.related]
        out["title_highlights"] = [list(x) for x in v.title_highlights]
    out["story"] = v.story
    out["copies"] = [copy_json(c) for c in v.copies]
    return out


def facet_counts_json(
    query: str, facets: Mapping[str, tuple[FacetValue, ...]], notices: Sequence[str] = ()
) -> dict[str, Any]:
    """Facet counts alone (``newsearch facets``), with the query they count and what the
    parser repaired in it."""
    return {"query": query, "notices": list(notices), "facets": facets_json(facets)}


def entities_json(query: str, with_: str | None, found: Sequence[EntitySummary]) -> dict[str, Any]:
    """``newsearch entities --json``: the query and ``--with`` name they count over, and each
    entity's name, type, article count and variants."""
    return {
        "query": query,
        "with": with_,
        "entities": [
            {"name": e.name, "type": e.type, "count": e.count, "variants": list(e.variants)}
            for e in found
        ],
    }


def summary_json(s: IndexSummary) -> dict[str, Any]:
    return {
        "read": s.read,
        "indexed": s.indexed,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "duplicate": s.duplicate,
        "moved": s.moved,
        "skipped": len(s.skipped),
        "pruned": s.pruned,
        "dry_run": s.dry_run,
        "skips": [{"path": k.path, "location": k.location, "reason": k.reason} for k in s.skipped],
        "duplicates": [{"path": d, "duplicate_of": k} for d, k in s.duplicates],
        "moves": [{"path": new, "moved_from": old} for new, old in s.moves],
        "prunes": [{"path": p} for p in s.prunes],
        "warnings": list(s.warnings),
        "fields": dict(s.fields),  # field -> the record field it was read from
        "ignored": dict(s.ignored),  # passed over by rule, by kind (hidden, index...)
        "index": s.index_dir,
        "seconds": round(s.seconds, 3),
    }


def stats_json(s: IndexStats) -> dict[str, Any]:
    return {
        "articles": s.articles,
        "passages": s.passages,
        "sources": s.sources,
        "first_date": s.first_date.isoformat() if s.first_date else None,
        "last_date": s.last_date.isoformat() if s.last_date else None,
        "entities": s.entities,
        "size_bytes": s.size_bytes,
        "updated": s.updated.isoformat() if s.updated else None,
        "index": s.index_dir,
        "vectors": s.vectors,
        "stories": s.stories,
    }


def highlighted(h: Hit, rich: bool) -> Text:
    """The passage with the query's words lit (``**word**`` in plain text) and related words
    lit apart (``_word_``)."""
    return marked(h.text, h.highlights, h.related, rich)


def marked(
    text: str,
    lit: Sequence[tuple[int, int]],
    related: Sequence[tuple[int, int]],
    rich: bool,
    lines: bool = False,
) -> Text:
    """``text`` with the ``lit`` spans marked as the query's words and ``related`` ones as
    words close in meaning; ``lines``: its line breaks kept (else each is a space)."""

    def safe(part: str) -> str:
        if lines:
            return "\n".join(escape(line) for line in part.replace("\r\n", "\n").split("\n"))
        return escape(part, newline=" ")

    marks = sorted([(s, e, False) for s, e in lit] + [(s, e, True) for s, e in related])
    out = Text()
    pos = 0
    for start, end, near in marks:
        if start < pos:  # overlapping marks: the first one wins
            continue
        out.append(safe(text[pos:start]))
        word = safe(text[start:end])
        if rich:
            out.append(word, style="italic cyan" if near else "bold yellow")
        elif near:
            out.append(RELATED_OPEN + word + RELATED_CLOSE)
        else:
            out.append(MARK_OPEN + word + MARK_CLOSE)
        pos = end
    out.append(safe(text[pos:]))
    return out


def print_notices(console: Console, notices: Sequence[str]) -> None:
    """What the parser repaired in the query, one ``Notice:`` line each (the CLI: on stderr)."""
    for notice in notices:
        console.print(Text(f"Notice: {escape(clip(notice, NOTICE_CHARS))}"))


def print_results(console: Console, r: SearchResults, rich: bool) -> None:
    if r.suggestion:
        shown = escape(clip(r.suggestion))
        console.print(Text(f"Did you mean: {shown}", style="italic" if rich else ""))
    if not r.results and r.offset:
        console.print(Text(f"No more passages: the results end before passage {r.offset + 1}."))
    elif not r.results:
        console.print(Text(f"No passages match '{escape(clip(r.query))}'."))
    for h in r.results:
        a = h.article
        head = Text(f"{h.rank}. ", style="bold" if rich else "")
        head.append(escape(a.title or "(untitled)"), style="bold" if rich else "")
        when = a.date.isoformat() if a.date else "unknown date"
        if a.language and a.language != "en":  # English, the common case, goes unsaid
            when += f", {a.language}"
        head.append(f"  [{escape(a.source or 'unknown source')}, {when}]")
        head.append(f"  score {h.score:.2f}", style="dim" if rich else "")
        console.print(head)
        console.print(highlighted(h, rich))
        if h.also_in:
            names = ", ".join(escape(a.source or a.title or a.path) for a in h.also_in)
            console.print(Text(f"also in {len(h.also_in)}: {clip(names, NOTICE_CHARS)}"))
        if h.copies:  # (copies collapsed)
            names = ", ".join(sorted({c.article.source or "unknown" for c in h.copies}))
            many = "copy" if len(h.copies) == 1 else "copies"
            console.print(Text(f"and {len(h.copies)} {many} (outlets {escape(clip(names))})"))
        where = f"{escape(a.path)}  (id {escape(a.id)}, chars {h.start}-{h.end})"
        console.print(Text(where, style="dim"))
        if h.explanation:
            parts = [
                f"{_FIELD_NAMES.get(c.field, c.field)} {escape(c.term)} {c.score:+.2f}"
                for c in h.explanation
            ]
            console.print(Text("    why: " + ", ".join(parts), style="dim" if rich else ""))
        console.print()
    if r.results:  # with none, "No passages match" above says it all
        articles = len({h.article.id for h in r.results})
        shown = f"{len(r.results)} passages from {articles} of {r.total} matching articles"
        if r.offset:  # a later page
            last = r.offset + len(r.results)
            shown = f"passages {r.offset + 1}-{last} ({articles} articles) of {r.total} matching"
        outlets = sorted({h.article.source for h in r.results if h.article.source})
        if outlets:
            shown += f"; outlets: {escape(clip(', '.join(outlets)))}"
        console.print(Text(shown))
    if r.facets:
        print_facets(console, r.facets)


def print_facets(console: Console, facets: Mapping[str, tuple[FacetValue, ...]]) -> None:
    for name, values in facets.items():
        table = Table(
            title=Text(name, style="table.title"), show_header=False, box=None, title_justify="left"
        )
        for v in values:
            table.add_row(Text(escape(v.value)), Text(str(v.count)))
        if not values:
            table.add_row(Text("(none)"), Text(""))
        console.print(table)


def print_entities(console: Console, found: Sequence[EntitySummary]) -> None:
    """One row per entity: name, type, articles, the other names it was seen under."""
    table = Table(show_header=True, box=None)
    for column in ("entity", "type", "articles", "also seen as"):
        table.add_column(column)
    for e in found:
        others = ", ".join(escape(v) for v in e.variants if v != e.name)
        table.add_row(Text(escape(e.name)), Text(e.type), Text(str(e.count)), Text(others))
    if not found:
        table.add_row(Text("(none)"), Text(""), Text(""), Text(""))
    console.print(table)


def print_summary(console: Console, s: IndexSummary) -> None:
    """A line per skip, warning and pruned article (a dry run: per move too, as ``would
    move OLD -> NEW``), then the counts."""
    for k in s.skipped:
        console.print(Text(f"skipped {escape(k.describe())}"))
    for w in s.warnings:
        console.print(Text(f"warning {escape(w)}"))
    if s.dry_run:
        for new, old in s.moves:
            console.print(Text(f"would move {escape(old)} -> {escape(new)}"))
    for p in s.prunes:
        console.print(Text(f"{'would prune' if s.dry_run else 'pruned'} {escape(p)}"))
    if s.fields:  # which record field each field was read from
        read_as = ", ".join(f"{k} = {v}" for k, v in s.fields.items())
        console.print(Text(f"fields read: {escape(read_as)}"))
    if s.ignored:
        passed = ", ".join(f"{n} {kind}" for kind, n in s.ignored.items())
        console.print(Text(f"passed over by rule: {escape(passed)}"))
    console.print(
        Text(
            ("dry run, nothing written: " if s.dry_run else "")
            + f"{s.read} read: {s.indexed} indexed, {s.updated} updated, "
            + (f"{s.moved} moved, " if s.moved else "")
            + f"{s.unchanged} unchanged, {s.duplicate} duplicate, {len(s.skipped)} skipped"
            + (f", {s.pruned} pruned" if s.pruned else "")
            + f" in {s.seconds:.1f} s -> {escape(s.index_dir)}"
        )
    )


def print_stats(console: Console, s: IndexStats) -> None:
    table = Table(show_header=False, box=None)
    for key, value in stats_json(s).items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        table.add_row(Text(key), Text("-" if value is None else escape(str(value))))
    console.print(table)
