"""English Snowball ("Porter2") stems without nltk: a query never waits for nltk to load.

The index's words are stemmed with nltk's ``SnowballStemmer("english")`` (nltk pinned 3.9.4),
and a query stems its words and those of the passages it shows: importing nltk for that took
a command line query 0.3-1.5 s. This is the same algorithm, written from its published
description (snowballstem.org, "The English (Porter2) stemming algorithm", the version nltk
implements), with nltk's handling of the two regions where a suffix is longer than them.
``tests/test_porter2.py`` holds it to nltk's stems over every word of the seeds and, in the
slow tests, of the corpora (121k words).

Input: a lower-case word (accents folded, as ``text.analysis`` hands them over).
"""

from __future__ import annotations

VOWELS = frozenset("aeiouy")
DOUBLES = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")
LI_ENDINGS = frozenset("cdeghkmnrt")

# Words the algorithm leaves to a list (its "exceptional forms").
EXCEPTIONS = {
    "skis": "ski",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "idly": "idl",
    "gently": "gentl",
    "ugly": "ugli",
    "early": "earli",
    "only": "onli",
    "singly": "singl",
    "sky": "sky",
    "news": "news",
    "howe": "howe",
    "atlas": "atlas",
    "cosmos": "cosmos",
    "bias": "bias",
    "andes": "andes",
}
AFTER_1A = frozenset(
    ["inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"]
)
STEP1B = ("eedly", "ingly", "edly", "eed", "ing", "ed")
# Step 2 and step 3: suffix -> replacement, longest first ("" deletes).
STEP2 = (
    ("ization", "ize"),
    ("ational", "ate"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("iveness", "ive"),
    ("tional", "tion"),
    ("biliti", "ble"),
    ("lessli", "less"),
    ("entli", "ent"),
    ("ation", "ate"),
    ("alism", "al"),
    ("aliti", "al"),
    ("ousli", "ous"),
    ("iviti", "ive"),
    ("fulli", "ful"),
    ("enci", "ence"),
    ("anci", "ance"),
    ("abli", "able"),
    ("izer", "ize"),
    ("ator", "ate"),
    ("alli", "al"),
    ("bli", "ble"),
    ("ogi", "og"),
    ("li", ""),
)
# Replacements made only in a region that holds the whole suffix, though they drop letters.
WHOLE = frozenset(["izer"])
# Step 2's replacements after which an R2 too short to hold the suffix becomes "e" (nltk's
# rule: its final e can then go in step 5).
R2_TO_E = frozenset(["ational", "ation", "ator", "iviti"])
STEP3 = (
    ("ational", "ate"),
    ("tional", "tion"),
    ("alize", "al"),
    ("icate", "ic"),
    ("iciti", "ic"),
    ("ative", ""),
    ("ical", "ic"),
    ("ness", ""),
    ("ful", ""),
)
STEP4 = (
    "ement",
    "ance",
    "ence",
    "able",
    "ible",
    "ment",
    "ant",
    "ent",
    "ism",
    "ate",
    "iti",
    "ous",
    "ive",
    "ize",
    "ion",
    "al",
    "er",
    "ic",
)


def _by_length(suffixes: tuple[str, ...]) -> tuple[tuple[int, frozenset[str]], ...]:
    """The suffixes of a step by length, longest first: the step's suffix is the longest the
    word ends in, found by one set look-up a length rather than a test of each suffix (a
    cold query stems a few hundred passage words: ``endswith`` was a fifth of its time)."""
    lengths = sorted({len(x) for x in suffixes}, reverse=True)
    return tuple((n, frozenset(x for x in suffixes if len(x) == n)) for n in lengths)


def _longest(t: str, table: tuple[tuple[int, frozenset[str]], ...]) -> str | None:
    """The longest suffix of ``table`` that ``t`` ends in (None: none)."""
    for n, found in table:
        end = t[-n:]  # (a word shorter than n is shorter than each suffix there)
        if end in found:
            return end
    return None


_STEP1B = _by_length(STEP1B)
_STEP2 = _by_length(tuple(s for s, _ in STEP2))
_STEP3 = _by_length(tuple(s for s, _ in STEP3))
_STEP4 = _by_length(STEP4)
_NEW2 = dict(STEP2)
_NEW3 = dict(STEP3)


class _Word:
    """A word being stemmed with its two regions, R1 and R2, as the text they hold (the
    word's end from where each starts), changed with the word (``replace``, ``cut``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.r1 = self.r2 = ""

    def regions(self) -> None:
        w = self.text
        start = _after_first_consonant_after_vowel(w, 0)
        for prefix in ("gener", "arsen", "commun"):
            if w.startswith(prefix):
                start = len(prefix)
                break
        self.r1 = w[start:]
        self.r2 = w[_after_first_consonant_after_vowel(w, start) :] if self.r1 else ""

    def replace(self, suffix: str, new: str, r2_short: str = "") -> None:
        """``suffix`` (which the word ends in) becomes ``new``. A replacement that only drops
        letters drops them from each region too (as far as it reaches); one that changes
        only the last letter (enci -> ence) changes it in each region; any other is made in
        a region that holds the whole suffix, and empties a shorter one (R2: ``r2_short``)."""
        if suffix.startswith(new) and suffix not in WHOLE:
            self.cut(len(suffix) - len(new))
            return
        if suffix[:-1] == new[:-1]:
            self.text = self.text[:-1] + new[-1]
            self.r1 = self.r1[:-1] + new[-1] if self.r1 else ""
            self.r2 = self.r2[:-1] + new[-1] if self.r2 else ""
            return
        n = len(suffix)
        self.text = self.text[:-n] + new
        self.r1 = self.r1[:-n] + new if len(self.r1) >= n else ""
        self.r2 = self.r2[:-n] + new if len(self.r2) >= n else r2_short

    def cut(self, n: int) -> None:
        """The last ``n`` letters dropped from the word and its regions."""
        self.text = self.text[:-n]
        self.r1 = self.r1[:-n]
        self.r2 = self.r2[:-n]


def _after_first_consonant_after_vowel(w: str, start: int) -> int:
    """The position after the first non-vowel that follows a vowel, from ``start`` (the
    word's length if there is none)."""
    for i in range(start + 1, len(w)):
        if w[i] not in VOWELS and w[i - 1] in VOWELS:
            return i + 1
    return len(w)


def _short_syllable_end(w: str) -> bool:
    """Whether ``w`` ends in a short syllable."""
    if len(w) >= 3:
        return w[-1] not in "aeiouywxY" and w[-2] in VOWELS and w[-3] not in VOWELS
    return len(w) == 2 and w[0] in VOWELS and w[1] not in VOWELS


def stem(word: str) -> str:
    """The English Snowball stem of a lower-case word, as nltk 3.9.4 gives it."""
    if len(word) <= 2:
        return word
    found = EXCEPTIONS.get(word)
    if found is not None:
        return found
    word = word.replace("\u2019", "'").replace("\u2018", "'").replace("\u201b", "'")
    if word.startswith("'"):
        word = word[1:]
    # y at the start, or after a vowel, is a consonant: Y
    letters = list(word)
    for i, c in enumerate(letters):
        if c == "y" and (i == 0 or letters[i - 1] in VOWELS):
            letters[i] = "Y"
    w = _Word("".join(letters))
    w.regions()
    _step0(w)
    _step1a(w)
    if w.text in AFTER_1A:
        return w.text
    _step1b(w)
    _step1c(w)
    _step2(w)
    _step3(w)
    _step4(w)
    _step5(w)
    return w.text.replace("Y", "y")


def _step0(w: _Word) -> None:
    for suffix in ("'s'", "'s", "'"):
        if w.text.endswith(suffix):
            w.cut(len(suffix))
            return


def _step1a(w: _Word) -> None:
    t = w.text
    if t.endswith("sses"):
        w.cut(2)
    elif t.endswith(("ied", "ies")):
        w.cut(2 if len(t) > 4 else 1)
    elif t.endswith(("us", "ss")):
        return
    elif t.endswith("s") and any(c in VOWELS for c in t[:-2]):
        w.cut(1)


def _step1b(w: _Word) -> None:
    t = w.text
    suffix = _longest(t, _STEP1B)
    if suffix is None:
        return
    if suffix in ("eed", "eedly"):
        if w.r1.endswith(suffix):
            w.replace(suffix, "ee")
        return
    if not any(c in VOWELS for c in t[: -len(suffix)]):
        return
    w.cut(len(suffix))
    t = w.text
    if t.endswith(("at", "bl", "iz")):
        w.text += "e"
        w.r1 += "e"
        if len(w.text) > 5 or len(w.r1) >= 3:
            w.r2 += "e"
    elif t.endswith(DOUBLES):
        w.cut(1)
    elif not w.r1 and _short_syllable_end(t):
        w.text += "e"


def _step1c(w: _Word) -> None:
    t = w.text
    if len(t) > 2 and t[-1] in "yY" and t[-2] not in VOWELS:
        w.text = t[:-1] + "i"
        w.r1 = w.r1[:-1] + "i" if w.r1 else ""
        w.r2 = w.r2[:-1] + "i" if w.r2 else ""


def _step2(w: _Word) -> None:
    t = w.text
    suffix = _longest(t, _STEP2)
    if suffix is None or not w.r1.endswith(suffix):
        return
    if suffix == "ogi" and (len(t) < 4 or t[-4] != "l"):
        return
    if suffix == "li" and (len(t) < 3 or t[-3] not in LI_ENDINGS):
        return
    w.replace(suffix, _NEW2[suffix], "e" if suffix in R2_TO_E else "")


def _step3(w: _Word) -> None:
    suffix = _longest(w.text, _STEP3)
    if suffix is None or not w.r1.endswith(suffix):
        return
    if suffix == "ative" and not w.r2.endswith(suffix):
        return
    w.replace(suffix, _NEW3[suffix])


def _step4(w: _Word) -> None:
    t = w.text
    suffix = _longest(t, _STEP4)
    if suffix is None or not w.r2.endswith(suffix):
        return
    if suffix == "ion" and (len(t) < 4 or t[-4] not in "st"):
        return
    w.cut(len(suffix))


def _step5(w: _Word) -> None:
    t = w.text
    if t.endswith("l"):
        if w.r2.endswith("l") and t[-2:-1] == "l":
            w.cut(1)
    elif t.endswith("e") and (
        w.r2.endswith("e") or (w.r1.endswith("e") and not _short_syllable_end(t[:-1]))
    ):
        w.cut(1)
