"""text/porter2.py against nltk's English Snowball stemmer, its oracle: the index's terms are
nltk's stems, so a query stemmed without nltk must stem every word the same."""

from __future__ import annotations

import random
import re

import pytest
from nltk.stem.snowball import SnowballStemmer

from newsearch.text import porter2
from newsearch.text.analysis import _prestem
from tests.conftest import corpus

SNOWBALL = SnowballStemmer("english")

# Words where the algorithm's special cases and the regions' edges meet (each was wrong in a
# draft: R2 shorter than the suffix after -ation, -iviti, -izer; R1 prefixes; Y; exceptions).
EDGES = """
relation conditional activity activities creativity festivities fertilizer realization
irrationality rotationally sensationalism vibrationally generously generate communism
arsenal commune youth playing enjoyed yeast skis skies dying lying tying idly gently ugly
early only singly sky news howe atlas cosmos bias andes inning innings outing canning
herring earring proceed exceed succeed agreed feed bleed cried ties gaps kiwis gas this
hoped hopping hoping filing failing controlled luxuriating abilities probability
geology apologist biologists fully lessly goodness national rational hopeful hopefulness
"""


@pytest.mark.parametrize("word", EDGES.split())
def test_edges(word: str) -> None:
    assert porter2.stem(word) == SNOWBALL.stem(word)


def test_made_up_words_from_the_suffixes() -> None:
    """Random stems and suffix chains (two suffixes at times: each step meets another's
    leftovers), apostrophes, y and the R1 prefixes: 50,000 words, none stemmed otherwise."""
    rng = random.Random(7)
    suffixes = [s for s, _ in porter2.STEP2] + [s for s, _ in porter2.STEP3]
    suffixes += [*porter2.STEP4, "s", "es", "ies", "ied", "sses", "ed", "ing", "ingly", "edly"]
    suffixes += ["eed", "eedly", "y", "e", "l", "ll", "'s", "'", "'s'", "ity", "ities", "fully"]
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiouy"
    for _ in range(50_000):
        head = rng.choice(["", "y", "'", "gener", "commun", "arsen"])
        for _ in range(rng.randint(0, 4)):
            head += rng.choice(consonants) + rng.choice(vowels) + rng.choice(["", *consonants])
        word = head + "".join(rng.choice(suffixes) for _ in range(rng.randint(1, 2)))
        assert porter2.stem(word) == SNOWBALL.stem(word), word


@pytest.mark.slow
def test_every_word_of_the_corpora() -> None:
    """Every word of the shared corpora as the analyzer hands it over (121,450 words)."""
    words: set[str] = set()
    for path in corpus("").rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            text = path.read_text(encoding="utf-8", errors="ignore").lower()
            for token in re.findall(r"[^\W_]+(?:['’.][^\W_]+)*", text):
                word = _prestem(token)
                if word and len(word) > 2:
                    words.add(word)
    assert len(words) > 50_000
    wrong = [w for w in words if porter2.stem(w) != SNOWBALL.stem(w)]
    assert wrong == []
