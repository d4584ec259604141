"""What makes one article a copy of another: syndicated, re-sent, corrected or cut wire copy.

Two articles are copies when

1. their bodies' word shingles (three words in a row, lower case: ``compare/duplicates.py``)
   have a Jaccard similarity of at least ``THRESHOLD``, or the shorter's are nearly all
   (``CONTAINED``) in the longer's and their Jaccard at least ``CUT_THRESHOLD`` (a copy cut
   short); the headline is left out (a syndicated copy gets a new one) but for a body too
   short to say anything (under ``SHORT`` words: "nil trades");
2. where both are dated, they are at most ``WINDOW_DAYS`` apart (the same template re-used on
   another day, "Fed adds reserves via customer repurchases", is another report);
3. their word-level diff swaps no figure or name for another (``swaps``): a copy may add or
   drop words, sentences and paragraphs, reword, fix a typo or spell out an abbreviation, but
   "Franklin Massachusetts fund sets payout" is not "Franklin California fund sets payout",
   nor is 1.5 billion dlrs 2.5 billion (2,29 is 2.29). Long texts may swap one name per
   ``WORDS_PER_SWAP`` words (a rewrite says "American" for "U.S.") and one figure per
   ``WORDS_PER_FIGURE`` (an update of a long story); a text saying it corrects ("corrected",
   "correction", "corrects") may swap one figure and one name however short: a correction
   is the same story.

MinHash (rensa, ``NUM_PERM`` permutations over the shingles' 64-bit hashes) with LSH banding
(``BANDS`` bands of ``ROWS``: a pair at 0.5 is a candidate with probability 0.995) finds the
candidates; the exact similarity of the stored shingle sets and the rules above decide. The
threshold and rules were measured on a labelled set (benchmarks/copies.py).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from newsearch.compare.duplicates import SEED, shingles

THRESHOLD = 0.5
CONTAINED = 0.9
CUT_THRESHOLD = 0.3
SHORT = 10
WINDOW_DAYS = 3
WORDS_PER_SWAP = 100
WORDS_PER_FIGURE = 300
SAME_RUN = 3  # equal words that keep two changes apart (swaps)
BANDS = 40
ROWS = 3
NUM_PERM = BANDS * ROWS

Hashes = npt.NDArray[np.uint32]
Compared = tuple[list[bool], list[str]]  # _compared(): which tokens are facts, as compared
_TOKEN = re.compile(r"\w+(?:[.,/]\w+)*")
_CORRECTION = re.compile(r"\bcorrect(?:ed|ion|ions|s|ing)\b", re.IGNORECASE)
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# Capitalised words that name nothing (sentence starts): not facts.
_COMMON = frozenset(
    "a an the he she it its they them their we i you this that these those there here in on "
    "at of for to and or but as by with from is was are were be been said says say if when "
    "after before while also not no new".split()
)
_NOT_NAMES = _COMMON | _MONTHS | _DAYS  # capitalised, yet no name
_MIXING = [
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
]


@lru_cache(maxsize=1)
def _rensa() -> Any:
    import rensa

    return rensa


def shingle_hashes(bodies: Sequence[str]) -> list[Hashes]:
    """Each body's shingles as sorted unique 32-bit hashes (rensa's 64-bit ones, cut)."""
    sets = [list(shingles(b)) for b in bodies]  # (any order: the hashes are sorted below)
    hashed = _rensa().RMinHash.hash_token_sets(sets) if sets else []
    return [np.unique(np.asarray(h, np.uint64).astype(np.uint32)) for h in hashed]


def band_keys(hashes: Sequence[Hashes]) -> npt.NDArray[np.int64]:
    """``(len(hashes), BANDS)`` LSH keys (31 bits: four bytes a key in SQLite): texts sharing
    a key are candidates (an empty text gets none: -1)."""
    keys = np.full((len(hashes), BANDS), -1, np.int64)
    keep = [i for i, h in enumerate(hashes) if len(h)]
    if not keep:
        return keys
    tokens = [[int(x) for x in hashes[i]] for i in keep]
    rows = _rensa().RMinHash.digest_matrix_from_token_hash_sets(tokens, NUM_PERM, SEED).to_rows()
    sig = np.asarray(rows, np.uint64).reshape(len(keep), BANDS, ROWS)
    with np.errstate(over="ignore"):
        mixed = np.arange(BANDS, dtype=np.uint64)[None, :] * np.uint64(0xD6E8FEB86659FD93)
        for r in range(ROWS):
            mixed = (mixed ^ sig[:, :, r]) * _MIXING[r]
    keys[keep] = (mixed >> np.uint64(33)).astype(np.int64)
    return keys


def similarity(a: Hashes, b: Hashes) -> float:
    """The Jaccard similarity of two shingle hash sets."""
    if not len(a) or not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def close(a: Hashes, b: Hashes) -> bool:
    """Rule 1: similar enough, or the shorter nearly all in the longer."""
    if not len(a) or not len(b):
        return False
    common = len(np.intersect1d(a, b, assume_unique=True))
    jaccard = common / (len(a) + len(b) - common)
    contained = common / min(len(a), len(b))
    return jaccard >= THRESHOLD or (contained >= CONTAINED and jaccard >= CUT_THRESHOLD)


def within_window(day_a: int | None, day_b: int | None) -> bool:
    """Dated ``WINDOW_DAYS`` apart at most (an undated article may be a copy of any)."""
    return day_a is None or day_b is None or abs(day_a - day_b) <= WINDOW_DAYS


def is_copy(
    body_a: str, body_b: str, title_a: str | None = None, title_b: str | None = None
) -> bool:
    """Rule 3 for a pair already similar and within the window: few figures or names
    swapped for their length; one text saying it corrects may swap one of each more."""
    shared, compared_a, compared_b = _middles(body_a, body_b)
    words = shared + min(len(compared_a[1]), len(compared_b[1]))
    if words < SHORT:  # the headline says what a very short body is about
        body_a, body_b = f"{title_a or ''}\n{body_a}", f"{title_b or ''}\n{body_b}"
        found = swaps(body_a, body_b)
    else:
        found = _swaps(compared_a, compared_b)
    if not found:
        return True
    figures = sum(1 for a, b in found if any(_figure(w) for w in a | b))
    names = len(found) - figures
    fixed = any(_corrects(t or "") for t in (body_a, body_b, title_a, title_b))
    most_figures = max(words // WORDS_PER_FIGURE, int(fixed))
    return figures <= most_figures and names <= max(words // WORDS_PER_SWAP, int(fixed))


def _corrects(text: str) -> bool:
    """Whether the text says it corrects (the word looked for first: the pattern, which
    ignores case, is ten times slower)."""
    return "orrect" in text.lower() and _CORRECTION.search(text) is not None


def _figure(word: str) -> bool:
    """Whether ``word`` holds a digit (a word of letters alone is answered at once)."""
    return not word.isalpha() and any(c.isdigit() for c in word)


def _middles(a: str, b: str) -> tuple[int, Compared, Compared]:
    """How many tokens ``a`` and ``b`` share in their equal head and tail, and the tokens of
    each between (``_compared``): only those are diffed, and only the shared ones counted
    (a copy re-sent with a line added or a figure corrected differs in a few words of
    hundreds)."""
    start, end_a, end_b = _unequal(a, b)
    head = _TOKEN.findall(a, 0, start)
    month = bool(head) and head[-1].lower() in _MONTHS
    shared = len(head) + len(_TOKEN.findall(a, end_a))
    return shared, _compared(a[start:end_a], month), _compared(b[start:end_b], month)


def _unequal(a: str, b: str) -> tuple[int, int, int]:
    """Where ``a`` and ``b`` differ: ``a[start:end_a]`` and ``b[start:end_b]``, between the
    head and tail they share, each cut at a space (so that their tokens are the whole texts'
    tokens there, and those outside are the same in both)."""
    low, high = 0, min(len(a), len(b))
    while low < high:  # (the longest equal head, by halves: each test a comparison in C)
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    start = low if low == len(a) == len(b) else _space_before(a, low)
    low, high = 0, min(len(a), len(b)) - start
    while low < high:  # (the longest equal tail after the head)
        mid = (low + high + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    tail = _space_after(a, len(a) - low) - (len(a) - low)
    return start, len(a) - low + tail, len(b) - low + tail


def _space_before(text: str, at: int) -> int:
    """``at``, or the position just after the last space before it (0 if none)."""
    while at and not text[at - 1].isspace():
        at -= 1
    return at


def _space_after(text: str, at: int) -> int:
    """``at``, or the position of the first space from it on (the end if none)."""
    while at < len(text) and not text[at].isspace():
        at += 1
    return at


@lru_cache(maxsize=64)
def _compared(text: str, after_month: bool = False) -> Compared:
    """Which of ``text``'s tokens are facts: figures (not a day after a month's name:
    datelines change when a story is re-sent; ``after_month``: the text follows one) and
    names (capitalised and not a common word: in a text in capitals, every word but the
    common ones); and each token as compared: lower case, a figure by its digits (2,29 is
    2.29). Made once for a text checked against several candidates (a story re-sent), each
    token's reading looked up (news repeats its words)."""
    facts: list[bool] = []
    plain: list[str] = []
    read = _READINGS
    for t in _TOKEN.findall(text):
        figure, as_compared, name, month = read[t]
        facts.append(not after_month if figure else name)
        plain.append(as_compared)
        after_month = month
    return facts, plain


class _Readings(dict[str, tuple[bool, str, bool, bool]]):
    """A token's reading, remembered: (a figure, as compared, a name, a month's name)."""

    def __missing__(self, token: str) -> tuple[bool, str, bool, bool]:
        low = token.lower()
        if _figure(token):
            found = (True, "".join(c for c in token if c.isalnum()).lower(), False, False)
        else:
            name = token[:1].isupper() and low not in _NOT_NAMES
            found = (False, low, name, low in _MONTHS)
        if len(self) < _MEMO_TOKENS:
            self[token] = found
        return found


_MEMO_TOKENS = 100_000  # (~15 MB at most)
_READINGS = _Readings()


def swaps(a: str, b: str) -> list[tuple[frozenset[str], frozenset[str]]]:
    """The places where ``b`` puts other figures or names in ``a``'s (a word-level diff's
    replacements whose two sides both hold facts, and different ones); a typo fixed (two
    edits at most) or a word abbreviated (one the start of the other) is no swap."""
    return _swaps(*_middles(a, b)[1:])


def _swaps(a: Compared, b: Compared) -> list[tuple[frozenset[str], frozenset[str]]]:
    (fa, la), (fb, lb) = a, b
    found: list[tuple[frozenset[str], frozenset[str]]] = []
    for i1, i2, j1, j2 in _differences(la, lb):
        xa = frozenset(la[i] for i in range(i1, i2) if fa[i])
        xb = frozenset(lb[j] for j in range(j1, j2) if fb[j])
        if not xa or not xb or xa == xb:
            continue
        if len(xa) == 1 and len(xb) == 1 and _same_word(next(iter(xa)), next(iter(xb))):
            continue
        found.append((xa - xb, xb - xa))
    return found


def _differences(a: list[str], b: list[str]) -> list[tuple[int, int, int, int]]:
    """The spans where ``a`` and ``b`` differ, word by word: runs of changes apart by fewer
    than ``SAME_RUN`` equal words are one ("Toronto Dominion Bank" / "Bank of Montreal").
    The words both start and end with are equal as they stand: only those between are
    diffed (a copy re-sent with a line added or a figure corrected differs in a few words
    of hundreds, and difflib's time grows with the product of the two lengths)."""
    head = _common_run(a, b)
    tail = _common_run(a[head:][::-1], b[head:][::-1])
    spans: list[tuple[int, int, int, int]] = []
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
        if spans and i1 - spans[-1][1] < SAME_RUN and j1 - spans[-1][3] < SAME_RUN:
            spans[-1] = (spans[-1][0], i2, spans[-1][2], j2)
        else:
            spans.append((i1, i2, j1, j2))
    return spans


def _common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """How many words ``a`` and ``b`` start with alike."""
    for n, (x, y) in enumerate(zip(a, b, strict=False)):  # (the shorter ends it)
        if x != y:
            return n
    return min(len(a), len(b))


def _same_word(x: str, y: str) -> bool:
    """A typo fixed or an abbreviation: letters only, and a prefix or two edits apart."""
    if not (x.isalpha() and y.isalpha()):
        return False
    if x.startswith(y) or y.startswith(x):
        return True
    if abs(len(x) - len(y)) > 2:
        return False
    previous = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        current = [i]
        for j, cy in enumerate(y, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (cx != cy)))
        previous = current
    return previous[-1] <= 2


def signatures(
    docs: Sequence[dict[str, Any]],
) -> tuple[list[Hashes], npt.NDArray[np.int64]]:
    """The documents' shingle hashes and LSH band keys, computed for all at once (rensa's
    call costs ~1 ms however few documents it is given)."""
    hashes = shingle_hashes([d.get("body") or "" for d in docs])
    return hashes, band_keys(hashes)


def packed(hashes: Hashes) -> bytes:
    return np.asarray(hashes, np.uint32).tobytes()


def unpacked(blob: bytes | None) -> Hashes:
    return np.frombuffer(blob or b"", np.uint32)
