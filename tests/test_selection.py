"""Passage selection (search/selection.py): the best passages, a few per article while other
articles have passages to show, and articles left unread once none of theirs can place."""

from __future__ import annotations

from typing import Any

from newsearch.search.selection import PER_ARTICLE, Candidate, floor_of, in_order, pick


def cand(score: float, doc: int, index: int = 0) -> Candidate:
    return Candidate(score, doc, index, {})


def test_pick_caps_one_article_while_others_have_passages() -> None:
    cands = [cand(10 - i * 0.1, 1, i) for i in range(6)] + [cand(1.0, 2), cand(0.5, 3)]
    chosen = pick(cands, 4)
    assert [c.docnum for c in chosen].count(1) == PER_ARTICLE
    assert {c.docnum for c in chosen} == {1, 2, 3}
    assert [c.score for c in chosen] == sorted((c.score for c in chosen), reverse=True)


def test_pick_fills_from_one_article_when_no_other_has_any() -> None:
    cands = [cand(5 - i, 1, i) for i in range(5)]
    assert len(pick(cands, 4)) == 4


def test_ties_break_by_article_then_passage() -> None:
    cands = [cand(1.0, 2, 1), cand(1.0, 1, 3), cand(1.0, 1, 0)]
    # each article's best first (ties by article), then the rest
    assert [(c.docnum, c.index) for c in pick(cands, 3)] == [(1, 0), (2, 1), (1, 3)]


def test_floor_is_unknown_until_the_selection_is_settled() -> None:
    assert floor_of([cand(3, 1), cand(2, 2)], 3) is None  # fewer than the limit
    full = [cand(3, 1), cand(2, 2), cand(1, 3)]
    assert floor_of(full, 3) == 1


def test_listing_in_date_order_stops_at_the_limit() -> None:
    read: list[int] = []

    def load(docnum: int) -> dict[str, Any]:
        read.append(docnum)
        return {
            "meta": {"passages": [[0, 5, []], [6, 11, []]], "title": None},
            "body": "aaaa bbbbb",
        }

    out = in_order(load, [7, 3, 9, 4], None, 2)
    assert [c.docnum for c in out] == [7, 3]  # the lead passage of each, in the order given
    assert read == [7, 3]
