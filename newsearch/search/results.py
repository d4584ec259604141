"""From ranked passages to the public dataclasses: each hit's text, highlights, article, entities
and (when asked) the parts of its score. No Whoosh object leaves the package: stored fields are
copied into ``newsearch.models`` here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from newsearch.models import ArticleInfo, Entity, Hit, TermContribution
from newsearch.search.highlight import highlights
from newsearch.search.plan import Clause
from newsearch.search.related import Related
from newsearch.search.scoring import PassageScorer, article_terms, passage_terms
from newsearch.search.selection import Candidate
from newsearch.text import embedding

# The article's part of a passage's score, explained: (docnum) -> contributions
ArticleExplainer = Callable[[int], list[TermContribution]]


class HitMaker:
    """Hits for one open searcher; each article's metadata is copied once."""

    def __init__(self) -> None:
        self._articles: dict[str, ArticleInfo] = {}

    def hit(
        self,
        rank: int,
        c: Candidate,
        clauses: Sequence[Clause],
        scorer: PassageScorer | None = None,
        article_part: ArticleExplainer | None = None,
        related: Related | None = None,
    ) -> Hit:
        """Passage ``c`` as the ``rank``-th hit; with ``scorer`` and ``article_part``, its
        score explained; with ``related``, the words close to the query's lit."""
        fields = c.fields
        meta, body = fields["meta"], fields["body"]
        passages = meta["passages"]
        start, end, ents = passages[c.index] if passages else (0, 0, [])
        text = body[start:end]
        explanation: list[TermContribution] = []
        if scorer is not None:
            if passages:
                p = article_terms(fields)[c.index]
            else:  # (an article without passages: its title's terms)
                p = passage_terms(body, [(0, 0)], meta["title"], meta.get("language"))[0]
            explanation = scorer.contributions(p)
            if article_part is not None:
                explanation += article_part(c.docnum)
            if c.meaning is not None and c.words is not None:  # what the hybrid score adds up
                explanation += [
                    TermContribution("words (scaled to the best candidate)", "hybrid", c.words),
                    TermContribution("meaning (cosine to the query)", "hybrid", c.meaning),
                ]
        lit = highlights(text, clauses, language=meta.get("language"))
        served = embedding.serves(meta.get("language"))  # (related words: the model's language)
        return Hit(
            rank=rank,
            score=c.score,
            text=text,
            highlights=lit,
            related=related.spans(text, lit) if related is not None and served else (),
            start=start,
            end=end,
            article=self.article(fields["article_id"], meta),
            entities=tuple(Entity(name, kind) for kind, name in ents),
            explanation=tuple(explanation),
        )

    def article(self, article_id: str, meta: dict[str, Any]) -> ArticleInfo:
        info = self._articles.get(article_id)
        if info is None:
            date = meta.get("date")
            info = ArticleInfo(
                id=article_id,
                title=meta.get("title"),
                source=meta.get("source"),
                author=meta.get("author"),
                date=dt.date.fromisoformat(date) if date else None,
                path=meta.get("path", ""),
                url=meta.get("url"),
                language=meta.get("language"),
            )
            self._articles[article_id] = info
        return info
