"""Documents made beside the writer: a run without entities builds its articles' documents
(language, passages, vectors), their words for the vocabulary and what copies and stories
need of them (term counts, shingle hashes, LSH band keys) in worker processes, as a run with
entities extracts them there (``ner_pool``). The writing process is left the decisions that
go in order: identity, copies, stories, the writer.

Measured over Reuters-21578 on two cores (benchmarks/ingest.py, ``no_entities``): the writing
process did all of it, about 1.2 ms an article beside Whoosh's 1.6, and the run took three times
raw Whoosh; see benchmarks/README.md "Ingest" for the figures with workers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from newsearch.index.vocabulary import count_words
from newsearch.ingest.document import add_vectors, build_document
from newsearch.models import Article
from newsearch.stories import cluster, copies

Item = tuple[Article, tuple[str, str]]  # an article to write, with its content hashes


@dataclass(frozen=True)
class Prepared:
    """One article's document (vectors included when the run makes them) and its story
    features (term counts, shingle hashes, band keys, whether it is a table); ``words``, on
    the first article of a batch, counts the batch's words."""

    doc: dict[str, Any]
    counts: dict[int, float]
    hashes: copies.Hashes
    keys: npt.NDArray[np.int64]
    table: bool
    words: Counter[str] | None = None


class DocumentMaker:
    """What a worker runs on each batch (``ner_pool.extract_batches``' extractor): ``None``
    items (deletions, relocations: written from stored fields) get ``None``."""

    work = "making documents"  # (for a failing worker's message, ner_pool)
    fix = "or with --jobs 1 (no worker)"

    def __init__(self, vectors: bool, stories: bool = True) -> None:
        self.vectors = vectors
        self.stories = stories  # (without: no story features, which the run would not read)

    def extract(self, items: Sequence[Item | None]) -> list[Any]:
        words: Counter[str] = Counter()
        docs: list[dict[str, Any]] = []
        for item in items:
            if item is not None:
                article, hashes = item
                count_words(words, (article.title, article.body))
                docs.append(build_document(article, (), hashes))
        if self.vectors and docs:
            from newsearch.text.embedding import default_embedder

            embedder = default_embedder()
            add_vectors(docs, embedder.embed, embedder.vocabulary)
        out: list[Prepared | None] = []
        features = story_features(docs) if self.stories else [NO_FEATURES] * len(docs)
        made = iter(zip(docs, features, strict=True))
        for item in items:
            if item is None:
                out.append(None)
                continue
            doc, (counts, shingles, row, table) = next(made)
            out.append(Prepared(doc, counts, shingles, row, table, words or None))
            words = Counter()
        return out


Features = tuple[dict[int, float], copies.Hashes, npt.NDArray[np.int64], bool]
NO_FEATURES: Features = ({}, np.zeros(0, np.uint32), np.zeros(0, np.int64), False)


def story_features(docs: Sequence[dict[str, Any]]) -> list[Features]:
    """What copies and stories need of each document (stories/tracker.py's Features): its
    term counts, shingle hashes, LSH band keys, and whether it is a table."""
    shingled, keys = copies.signatures(docs)
    out: list[Features] = []
    for doc, shingles, row in zip(docs, shingled, keys, strict=True):
        body = doc.get("body") or ""
        counts = cluster.term_counts(doc.get("title"), body)
        out.append((counts, shingles, row, cluster.tabular(body)))
    return out
