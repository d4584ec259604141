"""Entities of articles in other languages than English (``entities.SpacyExtractor`` asks).

- **French**: spaCy's ``fr_core_news_sm`` (LGPL-LR; PER, ORG, LOC; MISC left out), its ``ner``
  alone, loaded the first time a process meets a French article (an English corpus never
  loads it), its spans cleaned by ``entities.normalise`` as English's are; places the model
  does not tag but the gazetteer knows are added, and every place is named as English names
  it (``Allemagne`` -> ``Germany``).
- **Every other language**: places alone, from the gazetteer (places_i18n: each country's and
  big city's names in the language, as English names them); English's model reads other
  languages badly (benchmarks/README.md, Languages), so it is not asked.

Nothing here is loaded by an English-only run but ``text_languages`` (which says so).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from newsearch.ingest.places_i18n import place_table, places
from newsearch.models import Entity, Mention
from newsearch.text import languages as lang

if TYPE_CHECKING:
    from newsearch.ingest.entities import SpacyExtractor, Span

FRENCH_MODEL = "fr_core_news_sm"
_FRENCH_ELISION = re.compile(r"[lLdD]['’](?=\w)")
_FRENCH_ARTICLE = re.compile(r"(?:[lLdD]['’]|(?:la|le|les|La|Le|Les)\s+)(?=\w)")
_FRENCH_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC"}  # MISC: none of the three


# ---------------------------------------------------------------------------- languages


def text_languages(texts: Sequence[str]) -> list[str] | None:
    """The language of each text (a ``LanguageText`` says it; another is detected), or None
    when every one is English (the caller's English path, unchanged)."""
    codes: list[str] = []
    for text in texts:
        code = getattr(text, "language", None)
        if code is None:
            code = lang.detect(None, text)[0] if text else lang.DEFAULT_LANGUAGE
        codes.append(code)
    english = all(lang.family(c) == "en" for c in codes)
    return None if english else codes


def extract_languages(
    extractor: SpacyExtractor, texts: Sequence[str], codes: Sequence[str]
) -> list[tuple[Mention, ...]]:
    """Mentions for each text in its language: English texts by the extractor's English path
    (together: they share its vote), French by the French model, others by the gazetteer."""
    out: list[tuple[Mention, ...]] = [() for _ in texts]
    english = [i for i, c in enumerate(codes) if lang.family(c) == "en"]
    if english:
        found = extractor.english([texts[i] for i in english])
        for i, mentions in zip(english, found, strict=True):
            out[i] = mentions
    french = [i for i, c in enumerate(codes) if c == "fr" and texts[i]]
    nlp = french_model() if french else None
    if nlp is not None:
        found = _french(nlp, [texts[i] for i in french], extractor)
        for i, mentions in zip(french, found, strict=True):
            out[i] = mentions
    done = set(english) | (set(french) if nlp is not None else set())
    for i, code in enumerate(codes):
        if i not in done and texts[i]:
            out[i] = tuple(
                Mention(Entity(name, "place"), s, e) for s, e, name in places(texts[i], code)
            )
    return out


@functools.cache
def french_model() -> Any:
    """fr_core_news_sm's ``ner`` alone, or None when it is not installed (French articles then
    get the gazetteer's places, as other languages do)."""
    try:
        import spacy

        path = spacy.util.get_package_path(FRENCH_MODEL)
    except (ImportError, OSError, ModuleNotFoundError):
        return None
    meta = spacy.util.load_meta(path / "meta.json")
    names = [str(name) for name in meta.get("components", [])]
    return spacy.load(FRENCH_MODEL, exclude=[name for name in names if name != "ner"])


def _french(nlp: Any, texts: list[str], extractor: SpacyExtractor) -> list[tuple[Mention, ...]]:
    """French texts through the French model, then ``normalise`` as English's; the gazetteer's
    places the model left out joined as places; every place named as English names it."""
    from newsearch.ingest.entities import _chunks, _groups, normalise

    pieces = [(i, off, chunk) for i, t in enumerate(texts) for off, chunk in _chunks(t)]
    spans: list[list[Span]] = [[] for _ in texts]
    for group in _groups([len(chunk) for _, _, chunk in pieces], extractor.batch_size):
        part = [pieces[k] for k in group]
        docs = nlp.pipe((chunk for _, _, chunk in part), batch_size=len(part))
        for (i, off, _), doc in zip(part, docs, strict=True):
            spans[i].extend(
                (_french_start(texts[i], e.start_char + off, label), e.end_char + off, label)
                for e in doc.ents
                if (label := _FRENCH_LABELS.get(e.label_))
            )
    for text, found in zip(texts, spans, strict=True):
        taken = [(s, e) for s, e, _ in found]
        for s, e, _ in places(text, "fr"):
            if not any(s < b and a < e for a, b in taken):
                found.append((s, e, "LOC"))
        found.sort()
    table = place_table("fr")
    out: list[tuple[Mention, ...]] = []
    for text, mentions in zip(texts, normalise(texts, spans, cures=extractor.cures), strict=True):
        named = []
        for m in mentions:
            if m.entity.type == "place":
                whole = table.whole(text[m.start : m.end])
                if whole is not None:
                    m = Mention(Entity(whole, "place"), m.start, m.end)
            named.append(m)
        out.append(tuple(named))
    return out


def _french_start(text: str, start: int, label: str) -> int:
    """Where a French name begins: after an elided article (``l'OTAN`` is ``OTAN``), and a
    place's after an article (``la Chine``; ``Le Monde`` is the paper's name)."""
    m = (_FRENCH_ARTICLE if label == "LOC" else _FRENCH_ELISION).match(text, start)
    return m.end() if m else start
