"""Text analysis: the only module that imports nltk.

- ``split_sentences``: Punkt with a list of news abbreviations, as character spans;
- ``news_analyzer``: the Whoosh analyzer used for indexing, querying and highlighting, with a
  module-level, picklable Snowball stemming filter (Whoosh pickles the schema with the index).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from whoosh.analysis import Analyzer, Filter, RegexTokenizer
from whoosh.support.charset import accent_map

if TYPE_CHECKING:  # nltk is imported when first needed: a query on an index whose stem table
    # knows its words never loads it (importing nltk takes 0.4-1.5 s)
    from nltk.stem.snowball import SnowballStemmer
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# Abbreviations (lower case, without the final dot) after which Punkt must not end a sentence.
NEWS_ABBREVIATIONS = frozenset(
    """
    u.s u.n u.k e.u u.s.a u.a.e d.c n.y l.a p.m a.m e.g i.e etc vs v
    mr mrs ms dr prof gen lt col maj capt sgt cpl pvt adm cmdr brig
    sen rep gov pres amb rev st ft mt sr jr hon messrs
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    inc corp co ltd llc plc bros dept est approx no nos vol pp fig
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo
    mont neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
)

# A short English stop list (shipped here: NLTK's stopwords corpus is a download).
STOP_WORDS = frozenset(
    """
    a an and are as at be been but by for from had has have he her his i if in into is it its
    of on or our s she so t than that the their them then there these they this those to was
    we were which while who will with would you your
    """.split()
)

_TOKEN_PATTERN = r"\w+(?:[.’']\w+)*"


# Curly quotes and guillemets close a sentence as straight quotes do ('... “motherland.”
# Ukrainian officials ...' is two sentences). NLTK 3.10 learned this, but routes every regex
# through a ReDoS guard that makes Punkt 2.6x slower, so nltk is pinned to 3.9.4 (see
# pyproject.toml) and these two patterns are 3.10's.
_CLOSING = "\u2018\u2019\u201c\u201d\xab\xbb"
_BOUNDARY_REALIGNMENT = re.compile(r"[\"\')\]}" + _CLOSING + r"]+?(?:\s+|(?=--)|$)", re.MULTILINE)


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

    class NewsLanguageVars(PunktLanguageVars):  # type: ignore[misc]
        re_boundary_realignment = _BOUNDARY_REALIGNMENT

        @property
        def _re_non_word_chars(self) -> str:
            ends = re.escape("".join(set(self.sent_end_chars) - {"."}))
            return r"(?:[)\";}\]\*:@\'\({\[" + _CLOSING + ends + "])"

    params = PunktParameters()
    params.abbrev_types = set(NEWS_ABBREVIATIONS)
    return PunktSentenceTokenizer(params, lang_vars=NewsLanguageVars())


_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``; a blank line always ends a sentence.

    Spans exclude surrounding white space, so ``text[start:end]`` is a trimmed sentence.
    """
    spans: list[tuple[int, int]] = []
    tokenizer = _punkt()
    pos = 0
    for brk in [*_PARAGRAPH.finditer(text), None]:
        end = brk.start() if brk else len(text)
        block = text[pos:end]
        if block.strip():
            for s, e in tokenizer.span_tokenize(block):
                seg = block[s:e]
                lead = len(seg) - len(seg.lstrip())
                trail = len(seg.rstrip())
                if trail > lead:
                    spans.append((pos + s + lead, pos + s + trail))
        pos = brk.end() if brk else len(text)
    return spans


@lru_cache(maxsize=1)
def _stemmer() -> SnowballStemmer:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


class KnownStems:
    """Snowball stems already computed, so that a query on an index whose stem table holds its
    words never loads nltk (importing it takes 0.4-1.5 s). Each index saves the stems of its
    vocabulary (stem_table); an engine hands its table over with ``load``, once per version of
    the table. A memo of a pure function: a stem is the same whichever index taught it, so one
    memo serves every engine of the process."""

    def __init__(self) -> None:
        self._stems: dict[str, str] = {}
        self._loaded: set[object] = set()

    def load(self, version: object, table: Callable[[], dict[str, str]]) -> None:
        """Learn ``table()``'s stems unless the table of this ``version`` was learnt before."""
        if version not in self._loaded:
            self._stems.update(table())
            self._loaded.add(version)

    def get(self, word: str) -> str | None:
        return self._stems.get(word)


KNOWN_STEMS = KnownStems()
_LETTER = re.compile(r"[^\W\d_]")


def stem(word: str) -> str:
    """Snowball's English stem of a lower-case, accent-folded word."""
    if len(word) <= 2 or not _LETTER.search(word):  # Snowball leaves these alone (tested)
        return word
    known = KNOWN_STEMS.get(word)
    return known if known is not None else str(_stemmer().stem(word))


def known_stem(word: str) -> str | None:
    """The index term of a word if it is known without loading the stemmer (its stem is in
    the memo, or Snowball leaves it alone), else None; None for a stop word too."""
    text = _prestem(word)
    if text is None:
        return None
    if len(text) <= 2 or not _LETTER.search(text):
        return text
    return KNOWN_STEMS.get(text)


def stem_table(words: Iterable[str]) -> dict[str, str]:
    """``{word: stem}`` for the words as normalize_word sees them before stemming."""
    out: dict[str, str] = {}
    for w in words:
        key = _prestem(w)
        if key and len(key) > 2 and key not in out:
            out[key] = str(_stemmer().stem(key))
    return out


_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$")
_ACCENTS = str.maketrans(accent_map)


@lru_cache(maxsize=500_000)
def normalize_word(word: str) -> str | None:
    """The index term of one token, or None for a stop word.

    Lower case; a trailing possessive dropped (``Russia’s`` -> ``russia``); the dots of acronyms
    dropped (``U.S.`` -> ``us``, so it meets "US"); accents folded; Snowball-stemmed.
    """
    text = _prestem(word)
    return stem(text) if text else None


def _prestem(word: str) -> str | None:
    """normalize_word before stemming: None for a stop word."""
    text = fold_word(word)
    if text in STOP_WORDS or not text:
        return None
    return text


def fold_word(word: str) -> str:
    """A token as the index sees it before stemming: lower case, a trailing possessive dropped,
    the dots of an acronym dropped, accents folded (prefixes and fuzzy words are matched so)."""
    text = word.lower()
    if "’" in text or "'" in text:
        text = text.replace("’", "'")
        if text.endswith("'s"):
            text = text[:-2]
    if "." in text and _ACRONYM.match(text):
        text = text.replace(".", "")
    if not text.isascii():
        text = text.translate(_ACCENTS)
    return text


class NewsFilter(Filter):  # type: ignore[misc]
    """All of newsearch's token normalisation in one picklable filter (see normalize_word).

    One filter instead of a chain of five keeps indexing fast: each token passes once.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsFilter)

    def __hash__(self) -> int:
        return hash(NewsFilter)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        norm = normalize_word
        pos = 0
        for t in tokens:
            term = norm(t.text)
            if term is not None:
                t.text = term
                if t.positions:  # renumbered, so phrases match across dropped stop words
                    t.pos = pos
                    pos += 1
                yield t


def news_analyzer() -> Analyzer:
    """Tokenise, then normalise each token with NewsFilter (stop words removed)."""
    return RegexTokenizer(_TOKEN_PATTERN) | NewsFilter()


@lru_cache(maxsize=1)
def _shared_analyzer() -> Analyzer:
    return news_analyzer()


def analyze(text: str) -> list[str]:
    """The index terms of ``text`` (what the index and query see)."""
    return [t.text for t in _shared_analyzer()(text)]


TOKEN = _TOKEN = re.compile(_TOKEN_PATTERN, re.UNICODE)  # the analyzer's tokens


def term_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """``(term, start, end)`` for every indexed token of ``text``, offsets into ``text``.

    The same tokens and terms as news_analyzer() (tested), without Whoosh's token objects:
    the engine runs this over the passages of the best articles on every query."""
    norm = normalize_word
    for m in _TOKEN.finditer(text):
        term = norm(m.group())
        if term is not None:
            yield term, m.start(), m.end()


def terms_between(text: str, start: int = 0, end: int | None = None) -> tuple[str, ...]:
    """The index terms of ``text[start:end]`` in order: term_spans without the offsets, about
    four times faster (the tokens are found in C, each normalised once per process)."""
    found = _TOKEN.findall(text, start, len(text) if end is None else end)
    return tuple(t for t in map(normalize_word, found) if t is not None)
