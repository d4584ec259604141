"""A small static word-embedding model, shipped in the package, and its loader.

model2vec-style: one vector per wordpiece token of a lowercasing BERT tokenizer (distilled from
all-MiniLM-L6-v2, with model2vec's default Zipf/SIF weighting baked into the rows); a text's
vector is the mean of its tokens' vectors, L2-normalised. Every token of a text counts: there is
no length limit. ``newsearch/data/embedding/`` holds the vectors, the tokenizer, the licence and
how the artefact was built (``scripts/build_embedding_model.py``).

Run time needs numpy and ``tokenizers`` only, and never the network. No nltk, spaCy or ingest.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import io
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer  # type: ignore[import-untyped]

from newsearch.errors import ModelError
from newsearch.text.languages import ENGLISH_FUNCTION as STOP_WORDS

FloatArray = npt.NDArray[np.float32]

_PACKAGE = "newsearch"
_FOLDER = "data/embedding"
_VECTORS = "vectors.npy"  # int8, one row per token id
_SCALES = "scales.npy"  # float16, one per row: a row is vectors[i] * scales[i]
_TOKENIZER = "tokenizer.json"
_WHOLE_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")
# BERT's pre-tokenizer on lower-cased ASCII: runs of letters and digits, any other visible
# character on its own.
_ASCII_WORD = re.compile(r"[a-z0-9]+|[^a-z0-9\s]")
# The tokenizer's normalizer deletes control characters before it splits ("a\x07b" is "ab").
_CONTROL = dict.fromkeys([*(c for c in range(32) if c not in (9, 10, 13)), 127])
WORD_TABLE = 500_000  # distinct pre-tokens whose sums are kept (~256 MB at most)
# A word as related words are found (search/related.py): letters, inner apostrophes and hyphens.
CONTENT_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def content_words(text: str) -> list[str]:
    """The words of ``text`` worth comparing by meaning, lower case: no stop words, none under
    three letters."""
    return [w for w in CONTENT_WORD.findall(text.lower()) if len(w) > 2 and w not in STOP_WORDS]


class Embedder:
    """Embeds texts and words with a static token-vector table and its tokenizer."""

    def __init__(self, vectors: npt.NDArray[np.generic], tokenizer: Tokenizer) -> None:
        """``vectors`` has one row per token id of ``tokenizer`` (any float dtype)."""
        vocab = tokenizer.get_vocab()
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab):
            raise ModelError(
                f"the embedding model's vectors {vectors.shape} do not match its tokenizer "
                f"({len(vocab)} tokens): reinstall newsearch"
            )
        self._vectors: FloatArray = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim: int = int(self._vectors.shape[1])
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        # Ids that carry no meaning: [UNK], [PAD], [CLS]... are left out of every mean.
        skip = [i for t, i in vocab.items() if len(t) > 2 and t[0] == "[" and t[-1] == "]"]
        self._skip = np.zeros(self._vectors.shape[0], dtype=bool)
        self._skip[skip] = True
        self._word_ids: npt.NDArray[np.int64] | None = None
        self._ids: dict[str, int] = vocab
        self._tokens: dict[int, str] | None = None
        self._word_index: dict[str, int] = {}  # ASCII pre-token -> its row of _word_table
        self._word_table: FloatArray = np.zeros((1024, self.dim), np.float32)
        # The table's rows at unit length, each made when first needed (all at once took a
        # command line query 15 ms for the few words it compares).
        self._unit: FloatArray = np.zeros_like(self._vectors)
        self._unit_made = np.zeros(len(self._vectors), np.bool_)
        self._cached_word = functools.lru_cache(maxsize=65536)(self._embed_one)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """One unit-length float32 row per text (all zeros for a text with no known token)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 0:
            return out
        # ASCII text (most news): split as the tokenizer's BERT pre-tokenizer does (lower
        # case, runs of letters and digits, each other character alone), each distinct word
        # tokenized once and its rows summed once; a text is then the sum of its words' sums.
        # Wordpiece tokenizes each pre-token on its own, so the sums are the same.
        words = [
            _ASCII_WORD.findall(t.lower().translate(_CONTROL)) if t.isascii() else None
            for t in texts
        ]
        self._learn({w for ws in words if ws is not None for w in ws})
        table, index = self._word_table, self._word_index
        for n, ws in enumerate(words):
            if ws:
                out[n] = table[list(map(index.__getitem__, ws))].sum(axis=0)
        other = [n for n, ws in enumerate(words) if ws is None]
        encodings = self._tokenizer.encode_batch(
            [texts[n] for n in other], add_special_tokens=False
        )
        # One text at a time: its few rows stay in cache (gathering every text's rows at once
        # moved 340 MB for 9,000 passages and took ten times longer).
        for n, encoding in zip(other, encodings, strict=True):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            ids = ids[~self._skip[ids]] if ids.size else ids
            if ids.size:
                out[n] = self._vectors[ids].sum(axis=0)
        return _normalise(out)

    def _learn(self, words: set[str]) -> None:
        """Add the sums of the token rows of ``words`` not yet known to the word table."""
        new = sorted(w for w in words if w not in self._word_index)
        if not new:
            return
        if len(self._word_index) + len(new) > WORD_TABLE:  # bounded: start again
            self._word_index.clear()
            new = sorted(words)
        encodings = self._tokenizer.encode_batch(new, add_special_tokens=False)
        rows = np.zeros((len(new), self.dim), np.float32)
        for n, encoding in enumerate(encodings):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            ids = ids[~self._skip[ids]] if ids.size else ids
            if ids.size:
                rows[n] = self._vectors[ids].sum(axis=0)
        start = len(self._word_index)
        if start + len(new) > len(self._word_table):
            grown = np.zeros((max(2 * len(self._word_table), start + len(new)), self.dim))
            grown[:start] = self._word_table[:start]
            self._word_table = grown.astype(np.float32)
        self._word_table[start : start + len(new)] = rows
        self._word_index.update((w, start + i) for i, w in enumerate(new))

    def _embed_one(self, word: str) -> FloatArray:
        row: FloatArray = self.embed([word])[0]
        row.flags.writeable = False
        return row

    def embed_words(self, words: Sequence[str]) -> FloatArray:
        """Like :meth:`embed`, one word at a time through a per-word cache (cheap on repeats)."""
        out = np.zeros((len(words), self.dim), dtype=np.float32)
        for n, word in enumerate(words):
            out[n] = self._cached_word(word.lower())  # the tokenizer lowercases anyway
        return out

    def known_vectors(self, words: Sequence[str]) -> FloatArray:
        """Unit vectors of words the model knows whole (see :meth:`knows`), read straight from
        its table: the same rows :meth:`embed_words` gives them, without the tokenizer."""
        ids = np.fromiter((self._ids[w.lower()] for w in words), np.int64, len(words))
        new = ids[~self._unit_made[ids]]
        if len(new):  # (each row alone: the same floats as the whole table normalised)
            self._unit[new] = _normalise(self._vectors[new])
            self._unit_made[new] = True
        rows: FloatArray = self._unit[ids]
        return rows

    @property
    def vocabulary(self) -> AbstractSet[str]:
        """The words (and word pieces) the model has a token of its own for, lower case."""
        return self._ids.keys()

    def knows(self, word: str) -> bool:
        """Whether the model has ``word`` (lower-cased) as one token of its own: a word it
        knows only by pieces (a rare name) has no neighbours worth trusting."""
        return word.lower() in self._ids

    def neighbours(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` vocabulary tokens that are whole words nearest ``word``, with cosines."""
        query = self._cached_word(word.lower())
        if k <= 0 or not query.any():
            return []
        ids = self._whole_word_ids()
        table = _normalise(self._vectors[ids].copy())
        sims = table @ query
        own = word.strip().lower()
        order = np.argsort(-sims, kind="stable")
        result: list[tuple[str, float]] = []
        for j in order:
            token = self._id_to_token()[int(ids[j])]
            if token != own:
                result.append((token, float(sims[j])))
            if len(result) == k:
                break
        return result

    def _id_to_token(self) -> dict[int, str]:
        if self._tokens is None:  # (made when first needed: neighbours only)
            self._tokens = {i: t for t, i in self._ids.items()}
        return self._tokens

    def _whole_word_ids(self) -> npt.NDArray[np.int64]:
        if self._word_ids is None:
            self._word_ids = np.array(
                sorted(i for i, t in self._id_to_token().items() if _WHOLE_WORD.fullmatch(t)),
                dtype=np.int64,
            )
        return self._word_ids


def _normalise(rows: FloatArray) -> FloatArray:
    """Rows scaled to unit length in place; zero rows stay zero."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    np.divide(rows, norms, out=rows, where=norms > 0)
    return rows


def _read_bytes(name: str) -> bytes:
    try:
        return importlib.resources.files(_PACKAGE).joinpath(*_FOLDER.split("/"), name).read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError) as exc:
        raise ModelError(
            f"the embedding model file {name} is missing from newsearch's package data "
            f"({_PACKAGE}/{_FOLDER}): reinstall newsearch, or rebuild it with "
            "scripts/build_embedding_model.py"
        ) from exc


@functools.cache
def default_embedder() -> Embedder:
    """The shipped model, loaded once per process from the package data (no network)."""
    vectors_file, scales_file = _read_bytes(_VECTORS), _read_bytes(_SCALES)
    tokenizer_file = _read_bytes(_TOKENIZER)
    try:
        vectors = np.load(io.BytesIO(vectors_file), allow_pickle=False).astype(np.float32)
        scales = np.load(io.BytesIO(scales_file), allow_pickle=False).astype(np.float32)
        vectors *= scales[:, None]
        tokenizer = Tokenizer.from_str(tokenizer_file.decode("utf-8"))
    except Exception as exc:  # numpy and tokenizers raise many kinds on a damaged file
        raise ModelError(
            f"the embedding model in {_PACKAGE}/{_FOLDER} could not be read ({exc}): "
            "reinstall newsearch"
        ) from exc
    return Embedder(vectors, tokenizer)


def _model_id() -> str:
    """``m2v-minilm-<dim>d-<12 hex digits of sha256>``; ``"missing"`` without the files."""
    try:
        data = _read_bytes(_VECTORS)
        digest = hashlib.sha256(data + _read_bytes(_SCALES)).hexdigest()[:12]
        stream = io.BytesIO(data)
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, _ = read_header(stream)
    except (ModelError, ValueError):
        return "missing"
    return f"m2v-minilm-{shape[1]}d-{digest}"


MODEL_ID: str = _model_id()
MODEL_LANGUAGE = "en"  # the shipped model's (all-MiniLM-L6-v2 learned English)


def serves(language: str | None) -> bool:
    """Whether the model's meaning is worth anything for text in ``language`` (an article
    whose language is unknown is taken for English, as before languages were kept)."""
    return language is None or language == MODEL_LANGUAGE


"""Names the shipped vectors (dimension and a hash of vectors.npy and scales.npy): an index
stores it beside its vectors, to tell whether they were made by the model that embeds queries."""
