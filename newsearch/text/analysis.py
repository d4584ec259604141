"""Text analysis: with text/languages.py, the only modules that import nltk.

- ``split_sentences``: Punkt with a list of news abbreviations (English), or without them
  (other languages, where Chinese and Japanese full stops end sentences too), as spans;
- ``news_analyzer``: the Whoosh analyzer used for indexing, querying and highlighting, with a
  module-level, picklable Snowball stemming filter (Whoosh pickles the schema with the index);
- ``term_spans``/``terms_between``: an article's index terms in its own language
  (``language``: its code; English when None). Every language shares the tokens: Unicode
  words, and runs of Chinese, Japanese or Korean characters cut into overlapping bigrams as
  Lucene's CJKAnalyzer cuts them (a lone character stays one); each word is then lower-cased,
  its accents folded, stop words dropped and the rest stemmed as its language says
  (languages.family). English is exactly as it always was (``normalize_word``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from whoosh.analysis import Analyzer, Filter, RegexTokenizer
from whoosh.support.charset import accent_map

from newsearch.text import languages, porter2
from newsearch.text.languages import PLAIN

if TYPE_CHECKING:  # nltk is imported when first needed (0.4-1.5 s): for sentences (indexing)
    # and other languages' stems; English stems are porter2's, so English queries never load it
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

# Abbreviations Punkt keeps inside a sentence in every other language: titles and the few
# that many European languages share (not the English list: "no." or "Gen." mean other things).
COMMON_ABBREVIATIONS = frozenset("dr prof nr st etc ca mme mlle sr sra srta av bzw usw z.b".split())

# A short English stop list (text/languages.py; NLTK's stopwords corpus is a download).
STOP_WORDS = languages.ENGLISH_FUNCTION

# Chinese, Japanese and Korean characters (Han, kana, hangul, their marks and iteration marks):
# a run of them is one token of the pattern, cut into bigrams after it.
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3040-\u30ff"
    "\u3100-\u312f\u3130-\u318f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# A word (letters and digits, inner dots and apostrophes: "U.S.", "Russia’s"), or a run of
# CJK characters. On text without CJK characters the words are exactly those of \w+(...).
_TOKEN_PATTERN = f"[^\\W{_CJK}]+(?:[.’'][^\\W{_CJK}]+)*|[{_CJK}]+"
_CJK_CHAR = re.compile(f"[{_CJK}]")


# Curly quotes and guillemets close a sentence as straight quotes do ('... “motherland.”
# Ukrainian officials ...' is two sentences). NLTK 3.10 learned this, but routes every regex
# through a ReDoS guard that makes Punkt 2.6x slower, so nltk is pinned to 3.9.4 (see
# pyproject.toml) and these two patterns are 3.10's.
_CLOSING = "\u2018\u2019\u201c\u201d\xab\xbb"
_BOUNDARY_REALIGNMENT = re.compile(r"[\"\')\]}" + _CLOSING + r"]+?(?:\s+|(?=--)|$)", re.MULTILINE)


@lru_cache(maxsize=2)
def _punkt(
    abbreviations: frozenset[str] = NEWS_ABBREVIATIONS,
) -> tuple[PunktSentenceTokenizer, re.Pattern[str]]:
    """Punkt with ``abbreviations``, and the pattern of the places where it may end a
    sentence (a sentence-ending character before punctuation or another word): a block of
    text where it finds none is one sentence without asking Punkt, which gives the same
    span (checked on every paragraph of the shared corpora; most of Reuters' paragraphs:
    table rows, datelines) for one regular-expression search."""
    from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

    class NewsLanguageVars(PunktLanguageVars):  # type: ignore[misc]
        re_boundary_realignment = _BOUNDARY_REALIGNMENT

        @property
        def _re_non_word_chars(self) -> str:
            ends = re.escape("".join(set(self.sent_end_chars) - {"."}))
            return r"(?:[)\";}\]\*:@\'\({\[" + _CLOSING + ends + "])"

    params = PunktParameters()
    params.abbrev_types = set(abbreviations)
    lang = NewsLanguageVars()
    return PunktSentenceTokenizer(params, lang_vars=lang), lang.period_context_re()


_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
# Chinese and Japanese full stops, exclamation and question marks end a sentence with no space
# after them (with the closing quotes or brackets that follow).
_CJK_END = re.compile(r"[。！？｡]+[”’」』）〕】》〉]*")


def split_sentences(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``; a blank line always ends a sentence.

    English (and a text whose language is None) is split by Punkt with the news
    abbreviations; any other language by Punkt with COMMON_ABBREVIATIONS only (the English
    list says nothing of "bzw." and misreads "no."), and its sentences are cut again after
    CJK full stops.
    Spans exclude surrounding white space, so ``text[start:end]`` is a trimmed sentence.
    """
    english = languages.family(language) == "en"
    spans: list[tuple[int, int]] = []
    tokenizer, may_end = _punkt() if english else _punkt(COMMON_ABBREVIATIONS)
    pos = 0
    for brk in [*_PARAGRAPH.finditer(text), None]:
        end = brk.start() if brk else len(text)
        block = text[pos:end]
        if block.strip():
            one = not may_end.search(block)  # (one sentence: Punkt would say so, slower)
            for s, e in [(0, len(block.rstrip()))] if one else tokenizer.span_tokenize(block):
                cuts = [] if english else [m.end() for m in _CJK_END.finditer(block, s, e)]
                for a, b in zip([s, *cuts], [*cuts, e], strict=True):
                    seg = block[a:b]
                    lead = len(seg) - len(seg.lstrip())
                    trail = len(seg.rstrip())
                    if trail > lead:
                        spans.append((pos + a + lead, pos + a + trail))
        pos = brk.end() if brk else len(text)
    return spans


_LETTER = re.compile(r"[^\W\d_]")


def stem(word: str) -> str:
    """Snowball's English stem of a lower-case, accent-folded word (text/porter2.py: nltk's
    stems, without loading nltk)."""
    if len(word) <= 2 or not _LETTER.search(word):  # Snowball leaves these alone (tested)
        return word
    return porter2.stem(word)


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


def fold_accents(word: str) -> str:
    """``word`` with its accents folded as the index folds them (Whoosh's accent map)."""
    return word if word.isascii() else word.translate(_ACCENTS)


def _folded_stops(fam: str) -> frozenset[str]:
    found = _FOLDED_STOPS.get(fam)
    if found is None:
        found = _FOLDED_STOPS[fam] = frozenset(fold_accents(w) for w in languages.stop_words(fam))
    return found


_FOLDED_STOPS: dict[str, frozenset[str]] = {}


def _normalizer(fam: str) -> Callable[[str], str | None]:
    """normalize_word for an analysis family other than English: lower case, an elided
    article dropped (``d'agriculteurs``), the dots of an acronym dropped, ``ё`` read as
    ``е``; a stop word is None; the rest stemmed by the family's Snowball stemmer (``plain``:
    not stemmed), then accents folded (the stemmer reads them: ``táxis`` -> ``táx`` ->
    ``tax``). Words of two letters or fewer, or without a letter, are not stemmed."""

    @lru_cache(maxsize=200_000)
    def normalize(word: str) -> str | None:
        text = word.lower()
        if "’" in text or "'" in text:
            text = text.replace("’", "'")
            if text.endswith("'s"):  # an English possessive (names quoted in any language)
                text = text[:-2]
        cut = languages.elision(text, fam)
        if cut:
            text = text[cut:]
        if "." in text and _ACRONYM.match(text):
            text = text.replace(".", "")
        if fam == "ru" and "ё" in text:
            text = text.replace("ё", "е")
        folded = fold_accents(text)
        if not folded or folded in _folded_stops(fam):
            return None
        if fam == PLAIN or len(text) <= 2 or not _LETTER.search(text):
            return folded
        return fold_accents(str(languages.snowball(fam).stem(text))) or folded  # (never "")

    return normalize


_NORMALIZERS: dict[str, Callable[[str], str | None]] = {"en": normalize_word}


def normalizer(language: str | None) -> Callable[[str], str | None]:
    """The index term of one word (not a CJK run) in ``language`` (a code; None: English),
    or None for a stop word. English is ``normalize_word``; each other family its own."""
    fam = languages.family(language)
    found = _NORMALIZERS.get(fam)
    if found is None:
        found = _NORMALIZERS[fam] = _normalizer(fam)
    return found


def is_cjk(token: str) -> bool:
    """Whether a token of TOKEN is a run of CJK characters (cut into bigrams)."""
    return token[:1] >= "\u1100" and _CJK_CHAR.match(token) is not None


def bigrams(run: str) -> list[tuple[str, int, int]]:
    """``(bigram, start, end)`` of a run of CJK characters, offsets into the run: each pair of
    neighbours (``坚果健康`` -> ``坚果``, ``果健``, ``健康``), or the character of a run of one."""
    if len(run) < 2:
        return [(run, 0, len(run))]
    return [(run[i : i + 2], i, i + 2) for i in range(len(run) - 1)]


class LanguageText(str):
    """A text field's value that knows its article's language: the document builder gives
    the ``text`` and ``title`` fields so, and index/text_format.py analyses them in it. A
    ``str`` everywhere else (pickled with its language for Whoosh's writer processes).
    ``terms``, when given, are its index terms already made (``terms_between(text,
    language=language)``, which the builder had to hand), separated by white space: the writer
    takes them as they are."""

    language: str | None
    terms: str | None

    def __new__(cls, text: str, language: str | None, terms: str | None = None) -> LanguageText:
        made = super().__new__(cls, text)
        made.language = language
        made.terms = terms
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (LanguageText, (str(self), self.language, self.terms))


class NewsFilter(Filter):  # type: ignore[misc]
    """All of newsearch's token normalisation in one picklable filter (see normalize_word),
    in English (the query parser's analysis: search/plan.py adds the other languages' forms);
    a run of CJK characters becomes its bigrams.

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
            if is_cjk(t.text):
                start = t.startchar if t.chars else 0
                for gram, a, b in bigrams(t.text):
                    t.text = gram
                    if t.chars:
                        t.startchar, t.endchar = start + a, start + b
                    if t.positions:
                        t.pos = pos
                        pos += 1
                    yield t
                continue
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


def analyze(text: str, language: str | None = None) -> list[str]:
    """The index terms of ``text`` in ``language`` (what the index and query see)."""
    return list(terms_between(text, language=language))


TOKEN = _TOKEN = re.compile(_TOKEN_PATTERN, re.UNICODE)  # the analyzer's tokens
_ELIDING = frozenset(("fr", "it"))  # families whose words may start with an elided article
# The same tokens on text without CJK characters, found about a fifth faster.
_WORD = re.compile(r"\w+(?:[.’']\w+)*")


def _tokens(text: str, start: int = 0, end: int | None = None) -> re.Pattern[str]:
    """The pattern that finds the analyzer's tokens in ``text[start:end]`` the quickest."""
    if text.isascii() or _CJK_CHAR.search(text, start, len(text) if end is None else end) is None:
        return _WORD
    return _TOKEN


def term_spans(text: str, language: str | None = None) -> Iterator[tuple[str, int, int]]:
    """``(term, start, end)`` for every indexed token of ``text``, offsets into ``text``, in
    ``language`` (None: English); a CJK run gives its bigrams, an elided article is not part
    of its word's span.

    The same tokens and terms as news_analyzer() in English (tested), without Whoosh's token
    objects: the engine runs this over the passages of the best articles on every query."""
    fam = languages.family(language)
    norm = normalizer(fam)
    pattern = _tokens(text)
    if pattern is _WORD and fam not in _ELIDING:  # no CJK run, no elision: the quick loop
        for m in pattern.finditer(text):
            term = norm(m.group())
            if term is not None:
                yield term, m.start(), m.end()
        return
    for m in pattern.finditer(text):
        token = m.group()
        if is_cjk(token):
            at = m.start()
            for gram, a, b in bigrams(token):
                yield gram, at + a, at + b
            continue
        term = norm(token)
        if term is not None:
            yield term, m.start() + languages.elision(token, fam), m.end()


def terms_between(
    text: str, start: int = 0, end: int | None = None, language: str | None = None
) -> tuple[str, ...]:
    """The index terms of ``text[start:end]`` in order, in ``language`` (None: English):
    term_spans without the offsets, about four times faster (the tokens are found in C, each
    normalised once per process)."""
    stop = len(text) if end is None else end
    norm = normalizer(language)
    pattern = _tokens(text, start, stop)
    found = pattern.findall(text, start, stop)
    if pattern is _WORD:  # (a term is never empty: filter drops the stop words' None, in C)
        return tuple(filter(None, map(norm, found)))
    out: list[str] = []
    for token in found:
        if is_cjk(token):
            out.extend(gram for gram, _, _ in bigrams(token))
        else:
            term = norm(token)
            if term is not None:
                out.append(term)
    return tuple(out)
