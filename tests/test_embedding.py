"""The shipped static embedding model: it loads offline, and its similarities make sense."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import numpy as np
import pytest

from newsearch.errors import ModelError, NewsearchError
from newsearch.text import embedding
from newsearch.text.embedding import Embedder, default_embedder

RELATED = ["killed", "wounded", "died", "deaths"]
UNRELATED = ["football", "recipe", "guitar"]


@pytest.fixture(scope="module")
def model() -> Embedder:
    return default_embedder()


def test_loads_from_the_installed_package_without_network() -> None:
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.socket.connect_ex = refuse\n"
        "socket.create_connection = refuse\n"
        "from newsearch.text.embedding import MODEL_ID, default_embedder\n"
        "e = default_embedder()\n"
        "v = e.embed(['Troops were killed.'])\n"
        "print(MODEL_ID, e.dim, v.shape[0])\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    model_id, dim, rows = run.stdout.split()
    assert model_id == embedding.MODEL_ID != "missing"
    assert int(dim) == default_embedder().dim
    assert rows == "1"


def test_casualties_is_near_death_words_and_far_from_unrelated_ones(model: Embedder) -> None:
    query = model.embed_words(["casualties"])[0]
    related = model.embed_words(RELATED) @ query
    unrelated = model.embed_words(UNRELATED) @ query
    assert related.min() > unrelated.max() + 0.1, (related, unrelated)


def test_a_sentence_about_wounded_troops_answers_casualties(model: Embedder) -> None:
    war, sport = model.embed(
        [
            "Three soldiers were killed and twelve wounded when the convoy was shelled.",
            "The home side won the football match 2-1 with a late goal in front of 40,000 fans.",
        ]
    )
    query = model.embed(["casualties"])[0]
    assert war @ query > sport @ query + 0.1


def test_rows_are_unit_length_and_float32(model: Embedder) -> None:
    texts = ["A short one.", "Casualties rose. " * 400, "élection présidentielle", "42"]
    vectors = model.embed(texts)
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(texts), model.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_long_passages_are_not_truncated(model: Embedder) -> None:
    head = "The central bank raised interest rates again. " * 100
    tail = "Soldiers were killed and wounded in the shelling. " * 100
    alone, both = model.embed([head, head + tail])
    assert alone @ both < 0.95


def test_text_with_no_known_token_is_a_zero_row(model: Embedder) -> None:
    vectors = model.embed(["", "   ", "Real words here."])
    assert not vectors[0].any() and not vectors[1].any()
    assert np.linalg.norm(vectors[2]) == pytest.approx(1.0, rel=1e-5)
    assert model.embed([]).shape == (0, model.dim)
    assert not model.embed_words([""])[0].any()


def test_vectors_are_deterministic(model: Embedder) -> None:
    texts = ["Rescuers searched the rubble after the earthquake.", "Shares fell sharply."]
    first = model.embed(texts)
    assert np.array_equal(first, model.embed(texts))
    assert np.array_equal(first, model.embed(texts[::-1])[::-1])
    assert np.array_equal(model.embed_words(["flood"]), model.embed(["flood"]))


def test_a_batch_embeds_each_text_as_alone(model: Embedder) -> None:
    texts = ["Troops advanced.", "", "Prices rose by 3%.", "Nobody"]
    batch = model.embed(texts)
    for n, text in enumerate(texts):
        np.testing.assert_allclose(batch[n], model.embed([text])[0], atol=1e-6)


def test_neighbours_are_whole_words(model: Embedder) -> None:
    near = model.neighbours("casualties", 10)
    assert len(near) == 10
    words = [w for w, _ in near]
    assert "casualties" not in words and all(w.isalpha() for w in words)
    assert {"deaths", "fatalities"} & set(words)
    sims = [s for _, s in near]
    assert sims == sorted(sims, reverse=True)


def test_missing_model_files_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "_FOLDER", "no_such_folder")
    with pytest.raises(ModelError, match="reinstall newsearch") as raised:
        embedding.default_embedder.__wrapped__()
    assert isinstance(raised.value, NewsearchError)


def test_ascii_texts_embed_as_the_tokenizer_reads_them() -> None:
    """ASCII text takes a faster path (each distinct word tokenized once): its vectors are
    those of the tokenizer's own reading of the whole text."""
    from newsearch.text.embedding import _normalise, default_embedder

    embedder = default_embedder()
    texts = [
        "Around 4,000 North Korean soldiers had been killed or wounded, officials said.",
        "U.S. officials' estimate: 11,000+ troops (some say 14,000) -- per KCNA_report #7!",
        "tabs\tand\nnewlines\x07bell \x1b[31m escapes " + "x" * 150 + " supercalifragilistic",
        "",
        "   ",
        "Mixed ascii then café résumé",  # not ASCII: the tokenizer's path
    ]
    rng = random.Random(5)  # and odd ASCII: every character, words cut anywhere
    alphabet = [chr(c) for c in range(128)] + ["troops ", "Kursk ", "4,000 ", "U.S. "] * 8
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(300)]
    got = embedder.embed(texts)
    tokenizer = embedder._tokenizer
    for text, row in zip(texts, got, strict=True):
        ids = np.asarray(tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)
        ids = ids[~embedder._skip[ids]] if ids.size else ids
        total = embedder._vectors[ids].sum(axis=0) if ids.size else np.zeros(embedder.dim)
        expected = _normalise(np.asarray([total], dtype=np.float32))[0]
        assert np.allclose(row, expected, atol=1e-5), text


def test_word_vectors_are_the_tables_rows_at_unit_length() -> None:
    """Rows are made unit length as words are first asked for; the same floats as the whole
    table normalised at once (how they were made before)."""
    from newsearch.text.embedding import _normalise, default_embedder

    embedder = default_embedder()
    words = ["casualties", "killed", "wounded", "the", "casualties", "oil"]
    whole = _normalise(embedder._vectors.copy())
    ids = [embedder._ids[w] for w in words]
    assert np.array_equal(embedder.known_vectors(words), whole[ids])
    assert np.array_equal(embedder.known_vectors(words[::-1]), whole[ids[::-1]])
    assert np.allclose(np.linalg.norm(embedder.known_vectors(words), axis=1), 1.0, atol=1e-6)
