"""Languages: which language an article is in, and what each language's analysis is.

- ``detect``: py3langid (BSD-3, its model shipped in the package: nothing is downloaded) over
  the start of the title and body, with fallbacks for text too short to tell (below);
- ``language_code``: a record's or a user's ``language`` value (``de``, ``DE``, ``de-AT``,
  ``German``, ``Deutsch``) as the code the index keeps;
- ``family``: the analysis a language gets: its own Snowball stemmer and stop list for the 15
  languages nltk stems (Arabic, Danish, Dutch, English, Finnish, French, German, Hungarian,
  Italian, Norwegian, Portuguese, Romanian, Russian, Spanish, Swedish), else ``plain``
  (Unicode words, lower case, accents folded, no stop words, no stemming). Chinese, Japanese
  and Korean are ``plain`` too: their characters are cut into bigrams by the tokenizer
  whatever the article's language (text/analysis.py);
- ``stop_words``: the stop list of a family (newsearch/data/stopwords/, written for newsearch);
- ``snowball``: nltk's stemmer of a family (nltk imported on first use).

Nothing here imports Whoosh; text/analysis.py builds the index terms from these pieces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nltk.stem.snowball import SnowballStemmer

DEFAULT_LANGUAGE = "en"  # what an article too short to tell is analysed as (see detect)
PLAIN = "plain"  # the analysis of a language without a stemmer
# The languages nltk's Snowball stems, by code: the analysis families besides PLAIN.
SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}
# Norwegian's two written forms share its stemmer; py3langid tells Wu from Mandarin on little
# text where news is written in standard Chinese; its "pcm" (Nigerian Pidgin, English-based)
# is what it makes of terse English (tables of figures in wire copy), and "zxx" says a text
# has no language: both are read as English.
_SAME = {"nb": "no", "nn": "no", "wuu": "zh", "pcm": "en", "zxx": "en"}

# Names a record or a user may give for a language (English and native), by code.
_NAMES = {
    "ar": "arabic العربية",
    "bg": "bulgarian български",
    "cs": "czech čeština",
    "da": "danish dansk",
    "de": "german deutsch",
    "el": "greek ελληνικά",
    "en": "english",
    "es": "spanish español castellano",
    "fa": "persian farsi فارسی",
    "fi": "finnish suomi",
    "fr": "french français francais",
    "he": "hebrew עברית",
    "hi": "hindi हिन्दी",
    "hu": "hungarian magyar",
    "id": "indonesian",
    "it": "italian italiano",
    "ja": "japanese 日本語",
    "ko": "korean 한국어",
    "nl": "dutch nederlands",
    "no": "norwegian norsk",
    "pl": "polish polski",
    "pt": "portuguese português portugues",
    "ro": "romanian română romana",
    "ru": "russian русский",
    "sr": "serbian српски",
    "sv": "swedish svenska",
    "tr": "turkish türkçe",
    "uk": "ukrainian українська",
    "vi": "vietnamese",
    "zh": "chinese 中文 汉语 漢語",
}
_BY_NAME = {name: code for code, names in _NAMES.items() for name in names.split()}
# ISO 639-1: the two-letter codes (py3langid's, and what records mostly give); a three-letter
# code (ISO 639-3, some of py3langid's: "yue", "ary") is taken as it is written.
ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu
    """.split()
)
_CODE3 = re.compile(r"[a-z]{3}")

# Detection reads the start of an article: enough for py3langid to be sure, and its cost
# (a Python loop over the bytes) stays about 0.3 ms an article.
DETECT_CHARS = 600
# Below this probability (py3langid's, normalised) the answer is not trusted: see detect.
MIN_CONFIDENCE = 0.5
MIN_LETTERS = 12  # fewer letters than this: too little to tell
# Below MIN_CONFIDENCE, a guess at least this probable stands when English is below
# NOT_ENGLISH (a short headline in another language); else the script decides.
FAIR_CONFIDENCE = 0.3
NOT_ENGLISH = 0.05
# Text whose words are mostly English function words is English without asking py3langid
# (most English news; a fifth of an English text's words are these, of another language's a
# tenth at most): at least ENGLISH_WORDS words, ENGLISH_SHARE of them on ENGLISH_FUNCTION.
ENGLISH_WORDS = 20
ENGLISH_SHARE = 0.2
# English's stop list (text/analysis.py's STOP_WORDS): short, shipped here (NLTK's stopwords
# corpus is a download).
ENGLISH_FUNCTION = frozenset(
    """
    a an and are as at be been but by for from had has have he her his i if in into is it its
    of on or our s she so t than that the their them then there these they this those to was
    we were which while who will with would you your
    """.split()
)
# Text all in capitals (wire headlines: "BANK OF FRANCE SELLS 1.6 BILLION FRANCS OF CAISSE DE
# REFINANCEMENT") misleads py3langid: only this sure an answer stands there.
CAPITALS_CONFIDENCE = 0.9


def language_code(value: str | None) -> str | None:
    """The code of a language as a record or a user writes it (``de``, ``DE``, ``de-AT``,
    ``de_DE``, ``German``, ``Deutsch``), or None if it names no language."""
    if value is None:
        return None
    text = " ".join(value.strip().lower().split())
    if not text:
        return None
    if text in _BY_NAME:
        return _BY_NAME[text]
    head = re.split(r"[-_]", text, maxsplit=1)[0]  # "pt-br", "zh_hans"
    if head in _BY_NAME:
        return _BY_NAME[head]
    if head in ISO_639_1 or _CODE3.fullmatch(head):
        return _SAME.get(head, head)
    return None


def family(code: str | None) -> str:
    """The analysis of a language: its code when nltk stems it, else ``plain``; English
    when the language is not known (an article indexed before languages were kept)."""
    if code is None:
        return DEFAULT_LANGUAGE
    code = _SAME.get(code, code)
    return code if code in SNOWBALL else PLAIN


# ------------------------------------------------------------------------ detection

_CJK_LETTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\w+")
# A script's commonest news language: what a text too short to tell is taken to be.
_SCRIPTS = (
    (re.compile(r"[A-Za-z\u00c0-\u024f]"), DEFAULT_LANGUAGE),  # Latin: English, as always
    (re.compile(r"[\u0400-\u04ff]"), "ru"),  # Cyrillic
    (re.compile(r"[\u0600-\u06ff]"), "ar"),  # Arabic
    (re.compile(r"[\u0370-\u03ff]"), "el"),  # Greek
    (re.compile(r"[\u0590-\u05ff]"), "he"),  # Hebrew
    (re.compile(r"[\u0900-\u097f]"), "hi"),  # Devanagari
)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier with probabilities normalised (loading its model: ~1 s)."""
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _script_guess(sample: str, letters: int) -> str | None:
    """The language of a short text told by its script: Japanese (kana), Korean (hangul),
    Chinese (Han characters without either), else the commonest news language of the script
    most of its letters are in (``_SCRIPTS``); None for another script."""
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    han = len(_CJK_LETTER.findall(sample))
    if kana + hangul + han >= letters / 2:
        return "ja" if kana else "ko" if hangul > han else "zh"
    for script, code in _SCRIPTS:
        if len(script.findall(sample)) >= letters / 2:
            return code
    return None


def detect(title: str | None, body: str) -> tuple[str, float]:
    """``(code, confidence)`` of the language of an article (see ``_detect``), remembered for
    the last DETECT_MEMO articles: an indexing run asks once for its entities and once for
    its document, and pays one detection."""
    heading = title if title and title != body else None
    return _detect(heading, body[:DETECT_CHARS])


DETECT_MEMO = 8192  # articles (at most DETECT_CHARS characters of each are kept)


@lru_cache(maxsize=DETECT_MEMO)
def _detect(title: str | None, body: str) -> tuple[str, float]:
    """``(code, confidence)`` of the language of an article, from the start of its title and
    body. Text mostly of English function words (ENGLISH_SHARE) is English (confidence 1.0)
    without asking py3langid. Otherwise py3langid decides when it is sure (probability at
    least MIN_CONFIDENCE, over at least MIN_LETTERS letters), or fairly sure
    (FAIR_CONFIDENCE) while English is unlikely (below NOT_ENGLISH: a short headline in
    another language). Otherwise the script decides: text mostly in Chinese characters, kana
    or hangul is Chinese, Japanese or Korean; text mostly in the Latin alphabet is English
    (the analysis newsearch always had), Cyrillic Russian, Arabic script Arabic, Greek Greek,
    Hebrew Hebrew, Devanagari Hindi; in any other script py3langid's best guess stands. Text
    all in capitals needs CAPITALS_CONFIDENCE, else the script decides. Text with no letter
    at all is English. The confidence is py3langid's probability (1.0 for English told by
    its function words, 0.0 when nothing was asked)."""
    sample = f"{title}\n{body}" if title else body
    sample = unicodedata.normalize("NFC", sample[:DETECT_CHARS])
    if not _LETTER.search(sample):
        return DEFAULT_LANGUAGE, 0.0
    words = _WORD.findall(sample.lower())
    if len(words) >= ENGLISH_WORDS:
        english = sum(map(ENGLISH_FUNCTION.__contains__, words))
        if english >= ENGLISH_SHARE * len(words):
            return DEFAULT_LANGUAGE, 1.0
    letters = len(_LETTER.findall(sample))
    code, confidence = _identifier().classify(sample)
    code = _SAME.get(str(code), str(code))
    if sample.isupper():
        sure = letters >= MIN_LETTERS and confidence >= CAPITALS_CONFIDENCE
        return (code if sure else _script_guess(sample, letters) or code), float(confidence)
    if letters >= MIN_LETTERS and confidence >= MIN_CONFIDENCE:
        return code, float(confidence)
    fair = letters >= MIN_LETTERS and confidence >= FAIR_CONFIDENCE
    if fair and code != DEFAULT_LANGUAGE and _english(sample) < NOT_ENGLISH:
        # a short headline: py3langid's guess stands where it is fair and English is not
        # in the running ("Olieprijs stijgt fors": Dutch 0.31, English 0.007)
        return code, float(confidence)
    return _script_guess(sample, letters) or code, float(confidence)


def _english(sample: str) -> float:
    """py3langid's probability that ``sample`` is English."""
    return float(dict(_identifier().rank(sample)).get(DEFAULT_LANGUAGE, 0.0))


# ------------------------------------------------------------------------ analysis pieces


@cache
def stop_words(fam: str) -> frozenset[str]:
    """The stop list of an analysis family, lower case with its accents (empty for ``plain``
    and for a family without a list). English's is text/analysis.py's STOP_WORDS."""
    if fam == PLAIN or fam not in SNOWBALL:
        return frozenset()
    try:
        text = (resources.files("newsearch") / "data" / "stopwords" / f"{fam}.txt").read_text(
            encoding="utf-8"
        )
    except (FileNotFoundError, OSError):
        return frozenset()
    words = (line.strip().lower() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


@cache
def snowball(fam: str) -> SnowballStemmer:
    """nltk's Snowball stemmer of a family (nltk imported now: 0.4-1.5 s, once)."""
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(SNOWBALL[fam])


# Elided articles and pronouns joined to the next word by an apostrophe: "d'agriculteurs",
# "l'uomo" are "agriculteurs" and "uomo" to the stemmer (and to highlights).
_ELISION = {
    "fr": re.compile(
        r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’](?=\w)", re.IGNORECASE
    ),
    "it": re.compile(
        r"^(?:l|d|un|dell|all|dall|nell|sull|coll|tutt|quest|quell|c|v|m|t|s|n)['’](?=\w)",
        re.IGNORECASE,
    ),
}


def elision(token: str, fam: str) -> int:
    """How many characters at the start of ``token`` are an elided word (0 if none)."""
    pattern = _ELISION.get(fam)
    if pattern is None or ("'" not in token and "’" not in token):
        return 0
    m = pattern.match(token)
    return m.end() if m else 0
