"""Pseudo-relevance feedback (RM3): words the best first-round articles share, added to the query.

RM3 (Lavrenko & Croft's relevance model, mixed with the original query as in Abdul-Jaleel et
al., 2004): the top ``docs`` articles of a first search stand in for relevant ones; each word
is weighted by how much of each article it makes up, times that article's share of the
first-round score; the ``terms`` heaviest words, with ``1 - original`` of the weight, join the
query's own words (``original`` of it) for the second search.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from newsearch.text.analysis import term_spans

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 20
ORIGINAL_WEIGHT = 0.7  # chosen on CRAN (0.5: 0.327, 0.7: 0.332, 0.85: 0.325 MAP)


def relevance_model(
    docs: Sequence[tuple[float, Sequence[str]]], terms: int = FEEDBACK_TERMS
) -> dict[str, float]:
    """The ``terms`` most likely words of the relevance model of ``docs``, weights summing to 1.

    ``docs`` are ``(first-round score, the article's index terms)``.
    """
    total_score = sum(score for score, words in docs if words and score > 0)
    if total_score <= 0:
        return {}
    model: defaultdict[str, float] = defaultdict(float)
    for score, words in docs:
        if not words or score <= 0:
            continue
        share = score / total_score
        length = len(words)
        for word, tf in Counter(words).items():
            model[word] += share * tf / length
    top = sorted(model.items(), key=lambda kv: (-kv[1], kv[0]))[:terms]
    norm = sum(w for _, w in top)
    return {word: w / norm for word, w in top} if norm > 0 else {}


def expanded_weights(
    query_terms: Iterable[str],
    model: dict[str, float],
    original: float = ORIGINAL_WEIGHT,
) -> dict[str, float]:
    """RM3: ``original`` x the query's own words (uniform) + ``1 - original`` x the model.

    Returned weights are relative to a query word's weight without feedback (1.0), so the
    original words keep their scale and feedback words come in below them."""
    own = list(dict.fromkeys(query_terms))
    if not own or not model:
        return {w: 1.0 for w in own}
    mixed: defaultdict[str, float] = defaultdict(float)
    for w in own:
        mixed[w] += original / len(own)
    for w, p in model.items():
        mixed[w] += (1 - original) * p
    scale = len(own) / original if original > 0 else float(len(own))
    return {w: p * scale for w, p in mixed.items()}


def feedback_words(
    load: Callable[[int], dict[str, Any]], top: Sequence[tuple[int, float]], own: Iterable[str]
) -> list[tuple[str, float]]:
    """RM3 over the best ``top`` articles (``(docnum, score)``, their stored fields from
    ``load``): the words they share that the query (``own`` terms) lacks, with their weights."""
    docs: list[tuple[float, list[str]]] = []
    for docnum, score in top[:FEEDBACK_DOCS]:
        fields = load(docnum)
        text = f"{fields['meta'].get('title') or ''}\n\n{fields['body']}"
        language = fields["meta"].get("language")
        docs.append((score, [t for t, _, _ in term_spans(text, language) if not t.isdigit()]))
    known = set(own)
    weights = expanded_weights(sorted(known), relevance_model(docs))
    return [(w, weight) for w, weight in weights.items() if w not in known]
