"""The postings of newsearch's text fields, made without Whoosh's token objects.

Whoosh's ``Positions`` format asks the analyzer for a token object per word and follows it
through a chain of generators; for the text fields, whose analyzer is ``news_analyzer`` (a
regex tokenizer and one filter), ``terms_between`` gives the same terms in order (tested) with
the tokens found in C. Positions are counted over the terms kept (stop words dropped), as
NewsFilter numbers them, and each posting is encoded by Whoosh itself: the postings on disk
are exactly Whoosh's. About a fifth of a writer process's time is this step.

A value that is a ``LanguageText`` (the document builder's) is analysed in its article's
language (``terms_between(..., language=...)``), or brings its terms made already (the
builder made each passage's, index/passage_terms.py); a plain string is analysed in English.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.formats import Positions

from newsearch.text.analysis import TOKEN, NewsFilter, terms_between


class NewsPositions(Positions):  # type: ignore[misc]
    """Whoosh's Positions format, quicker for newsearch's analyzer (and the same)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        if not _is_news_analyzer(analyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        made = getattr(value, "terms", None)  # (made by the document builder: not again)
        if made is None:
            terms = terms_between(value, language=getattr(value, "language", None))
        else:
            terms = made.split()
        for pos, term in enumerate(terms):
            found = positions.get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
        boost = self.field_boost
        encode = self.encode
        once = _ONCE
        for term, poslist in positions.items():
            if len(poslist) == 1:  # (three postings in four: a word the article says once)
                value = once.get(poslist[0])
                if value is None:
                    value = encode(poslist)
                    if poslist[0] < ONCE_MOST:
                        once[poslist[0]] = value
                yield (term, 1, boost, value)
            else:
                yield (term, len(poslist), len(poslist) * boost, encode(poslist))


# Whoosh's encoding of each single position met so far (the same bytes as ``encode([p])``),
# for the first ONCE_MOST positions of an article: a news article's run to a few thousand, and
# a huge one does not grow the table.
ONCE_MOST = 1 << 14
_ONCE: dict[int, bytes] = {}


def _is_news_analyzer(analyzer: Any) -> bool:
    """``news_analyzer()``: the regex tokenizer and NewsFilter, nothing else."""
    items = getattr(analyzer, "items", None)
    return (
        items is not None
        and len(items) == 2
        and isinstance(items[1], NewsFilter)
        and not getattr(items[0], "gaps", True)
        and getattr(getattr(items[0], "expression", None), "pattern", None) == TOKEN.pattern
    )
