"""Articles by id for the stories room's answers: the live ones' metadata and bodies, and an
article's copies with what each changed (``newsearch show``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from newsearch.index.segments import SegmentView
from newsearch.models import ArticleInfo, Copy
from newsearch.stories import diff
from newsearch.stories.groups import groups_of

Info = Callable[[str, dict[str, Any]], ArticleInfo]


def live_fields(view: SegmentView, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored fields of the live articles among ``ids``."""
    out: dict[str, dict[str, Any]] = {}
    s = view.searcher
    for aid in ids:
        docnum = s.document_number(article_id=aid)
        if docnum is not None and view.live[docnum]:
            out[aid] = view.stored_fields(int(docnum))
    return out


def infos(view: SegmentView, info: Info, ids: Iterable[str]) -> dict[str, ArticleInfo]:
    """The metadata of the live articles among ``ids`` (``info`` makes it from stored fields)."""
    return {aid: info(aid, f["meta"]) for aid, f in live_fields(view, ids).items()}


def copies_of(
    view: SegmentView, generation: Path | None, info: Info, fields: dict[str, Any]
) -> tuple[Copy, ...]:
    """The other live articles of the article's copy group (``fields``: its stored fields),
    the original first, each with what it changed against the article."""
    aid = fields["article_id"]
    group = groups_of(generation, [aid]).get(aid)
    if group is None:
        return ()
    others = group.others(aid)
    found = live_fields(view, (m.id for m in others))
    meta, body = fields["meta"], fields.get("body") or ""
    starts = [start for start, _, _ in meta.get("passages", [])] or [0]
    out: list[Copy] = []
    for m in others:
        theirs = found.get(m.id)
        if theirs is None:
            continue
        changed = diff.changes(
            body, starts, theirs.get("body") or "", meta.get("title"), theirs["meta"].get("title")
        )
        out.append(
            Copy(
                info(m.id, theirs["meta"]),
                round(m.similarity, 4),
                m.id == group.original.id,
                changed,
            )
        )
    return tuple(out)
