"""Article text and metadata as HTML that cannot run: every piece escaped, marks added by us.

``marked`` lights a text's matches as ``<mark>`` (the query's words) and ``<mark
class="related">`` (words close in meaning) around escaped slices of it; ``safe_url`` lets
only http and https addresses become links; ``histogram`` draws the date facet as the bars of
an inline SVG, each a link to the search narrowed to its dates. Nothing here trusts the text:
a title ``<script>...`` is shown as those characters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from newsearch.models import FacetValue
from newsearch.search.facets import DateBucket

# An address a link may point at: http(s), a host, no spaces or control characters anywhere
# (a browser drops those before reading the scheme: "java\tscript:" is javascript:).
_WEB_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f/?#]+[^\s\x00-\x1f\x7f]*", re.IGNORECASE)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http or https address a link may point at, else None (shown as
    text, never as a link: ``javascript:``, ``data:``, relative paths)."""
    if not url or not _WEB_URL.fullmatch(url):
        return None
    return url


def marked(
    text: str,
    lit: Sequence[tuple[int, int]],
    related: Sequence[tuple[int, int]] = (),
    start: int = 0,
    end: int | None = None,
    paragraphs: bool = False,
) -> Markup:
    """``text[start:end]`` escaped, with the ``lit`` spans (offsets into ``text``) in
    ``<mark>`` and the ``related`` ones in ``<mark class="related">`` (overlaps: the first
    wins); ``paragraphs``: each line a ``<p>``, else line breaks are spaces."""
    end = len(text) if end is None else end
    marks = sorted([(s, e, False) for s, e in lit] + [(s, e, True) for s, e in related])
    pieces: list[str] = []
    pos = start
    for s, e, near in marks:
        s, e = max(s, start), min(e, end)
        if s < pos or s >= e:
            continue
        pieces.append(_plain(text[pos:s], paragraphs))
        word = _plain(text[s:e], paragraphs)
        pieces.append(f'<mark class="related">{word}</mark>' if near else f"<mark>{word}</mark>")
        pos = e
    pieces.append(_plain(text[pos:end], paragraphs))
    html = "".join(pieces)
    if paragraphs:
        parts = [p.strip() for p in html.split("\n")]
        return Markup("".join(f"<p>{p}</p>" for p in parts if p))
    return Markup(html)


def _plain(text: str, keep_lines: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not keep_lines:
        text = text.replace("\n", " ")
    return str(escape(text))


# --- the date histogram ---------------------------------------------------------------------

BUCKETS = ("day", "month", "year")
MOST_DAYS = 62  # a range this long or shorter is drawn by day
MOST_MONTHS = 60  # by month; longer ranges by year
WIDTH, HEIGHT, GAP = 600, 80, 1
MOST_TICKS = 12  # labels under the bars
MOST_BAR = 40  # the widest a bar is drawn (its link is its whole slot)


def bucket_for(first: dt.date | None, last: dt.date | None) -> DateBucket:
    """The bucket that draws ``first``..``last`` in a few dozen bars at most."""
    if first is None or last is None:
        return "month"
    if (last - first).days < MOST_DAYS:
        return "day"
    if (last.year - first.year) * 12 + last.month - first.month < MOST_MONTHS:
        return "month"
    return "year"


def bars_needed(first: dt.date | None, last: dt.date | None, bucket: str) -> int:
    """How many buckets ``first``..``last`` spans (the facet values to ask for)."""
    if first is None or last is None:
        return 1
    if bucket == "day":
        return (last - first).days + 1
    if bucket == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


@dataclass(frozen=True)
class Bar:
    label: str  # "1987-03"
    count: int
    x: float  # the slot (what a click hits)
    width: float
    bar_x: float  # the bar drawn in it
    bar_width: float
    height: float
    url: str


@dataclass(frozen=True)
class Histogram:
    bars: tuple[Bar, ...]
    undated: int
    first: str
    last: str
    most: int
    bucket: str
    ticks: tuple[str, ...]  # a label under each bar (every few bars: "" between)
    width: int = WIDTH
    height: int = HEIGHT


def _step(label: str, bucket: str) -> str:
    """The bucket after ``label``."""
    if bucket == "year":
        return f"{int(label) + 1:04d}"
    if bucket == "month":
        y, m = int(label[:4]), int(label[5:7])
        return f"{y + m // 12:04d}-{m % 12 + 1:02d}"
    return (dt.date.fromisoformat(label) + dt.timedelta(days=1)).isoformat()


def histogram(
    values: Sequence[FacetValue], bucket: str, url: Callable[[str], str]
) -> Histogram | None:
    """Bars for the date facet's ``values`` (``unknown`` counted apart), one per bucket from
    the first to the last, empty ones too; ``url(label)``: the link of a bar."""
    dated = {v.value: v.count for v in values if v.value != "unknown"}
    undated = sum(v.count for v in values if v.value == "unknown")
    if not dated:
        return None
    labels = [min(dated)]
    while labels[-1] < max(dated) and len(labels) < 400:
        labels.append(_step(labels[-1], bucket))
    most = max(dated.values())
    slot = WIDTH / len(labels)
    wide = min(slot - GAP, MOST_BAR) if slot > GAP else slot  # a bar or two: not the width
    bars = tuple(
        Bar(
            label=label,
            count=dated.get(label, 0),
            x=round(i * slot, 2),
            width=round(slot, 2),
            bar_x=round(i * slot + (slot - wide) / 2, 2),
            bar_width=round(wide, 2),
            height=round(max(dated.get(label, 0) / most * HEIGHT, 2 if label in dated else 0), 2),
            url=url(label),
        )
        for i, label in enumerate(labels)
    )
    step = -(-len(labels) // MOST_TICKS)
    ticks = tuple(label if i % step == 0 else "" for i, label in enumerate(labels))
    return Histogram(bars, undated, labels[0], labels[-1], most, bucket, ticks)
