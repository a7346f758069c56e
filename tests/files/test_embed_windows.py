"""The local embedder's shared windows: each token through the model once, chunks still faithful."""

from __future__ import annotations

import random

import numpy as np
import pytest

from openbeta.server.retrieval.chunk import split
from openbeta.server.retrieval.embed import LocalEmbedder, local_model_dir
from openbeta.server.retrieval.tokens import load_tokenizer
from openbeta.server.settings import Settings

pytest.importorskip("sentence_transformers")


@pytest.fixture(scope="module")
def embedder():
    model_dir = local_model_dir(Settings())
    if model_dir is None:
        pytest.skip("no local embedding model installed")
    return LocalEmbedder(model_dir, load_tokenizer(model_dir))


def text_about(topics: list[str], sentences: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(f"The {rng.choice(topics)} is {rng.choice(['old', 'large', 'bright', 'quiet'])} "
                    f"and {rng.choice(topics)} matters." for _ in range(sentences))


def test_overlapping_chunks_share_windows(embedder, monkeypatch):
    text = text_about(["river", "bridge", "harbor"], 120, 1) + " " + text_about(["violin", "piano", "choir"], 120, 2)
    chunks = split(text, embedder.tokenizer, 200, 100)
    assert len(chunks.ranges) > 6
    encoded: list[str] = []
    real = embedder._encode
    monkeypatch.setattr(embedder, "_encode", lambda texts: encoded.extend(texts) or real(texts))
    pooled = embedder.embed_chunks(chunks)
    # Every token is embedded once, though each is in two chunks.
    windows = sum(len(embedder.tokenizer.spans(t)) for t in encoded)
    assert windows <= len(chunks.spans) * 1.05 and len(encoded) < 2 * len(chunks.ranges)
    assert pooled.shape == (len(chunks.ranges), 384)
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1, atol=1e-5)
    # Each pooled chunk is close to the chunk embedded on its own, and closer than to other chunks.
    alone = real(chunks.texts)
    similarity = pooled @ alone.T
    assert (np.diag(similarity) > 0.85).all()  # a mean of windows, not one pass
    assert similarity[0, 0] > similarity[0, -1] and similarity[-1, -1] > similarity[-1, 0]


def test_query_embedding_matches_the_model(embedder):
    queries = ["where is the harbor bridge", "a quiet choir"]
    ours = embedder.embed(queries)
    assert np.allclose(ours, embedder._encode(queries), atol=1e-5)
