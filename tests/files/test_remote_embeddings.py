"""Embeddings from an OpenAI-compatible ``/embeddings`` server (``OPENBETA_EMBEDDINGS_BASE_URL``).

The stand-in server embeds by hashed character trigrams: crude, but it makes
the misspelt "quokkka" close to "quokka", which no lexical index here matches.
"""

from __future__ import annotations

import hashlib

import numpy as np
import openai
import pytest
from fastapi import FastAPI, Request

from filekit import Kit
from server_process import serve_in_thread

DIM = 256


def trigram_vector(text: str) -> list[float]:
    vector = np.zeros(DIM)
    for word in text.lower().split():
        word = f"^{''.join(ch for ch in word if ch.isalnum())}$"
        for i in range(len(word) - 2):
            vector[int(hashlib.md5(word[i:i + 3].encode()).hexdigest(), 16) % DIM] += 1
    return vector.tolist()


@pytest.fixture(scope="module")
def embeddings_server():
    app = FastAPI()
    seen: list[dict] = []

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> dict:
        body = await request.json()
        seen.append({"model": body["model"], "auth": request.headers.get("authorization"), "n": len(body["input"])})
        return {"object": "list", "model": body["model"],
                "data": [{"object": "embedding", "index": i, "embedding": trigram_vector(t)}
                         for i, t in enumerate(body["input"])]}

    with serve_in_thread(app) as root:
        yield f"{root}/v1", seen


def test_remote_embeddings_feed_dense_search(start_server, embeddings_server):
    url, seen = embeddings_server
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS_BASE_URL=url,
                          OPENBETA_EMBEDDINGS_API_KEY="sk-embed", OPENBETA_EMBEDDINGS_MODEL="trigrams-1")
    kit = Kit(openai.OpenAI(base_url=server.base_url, api_key="t", max_retries=0))
    store, ids = kit.store_with({"animals.txt": "The quokka is a small marsupial found on Rottnest Island.",
                                 "weather.txt": "Tomorrow brings heavy rain and strong winds."})
    assert store.file_counts.completed == 2
    assert seen and all(call["model"] == "trigrams-1" and call["auth"] == "Bearer sk-embed" for call in seen)
    before = len(seen)
    results = list(kit.client.vector_stores.search(store.id, query="quokkka"))
    assert len(seen) == before + 1  # the query was embedded remotely
    assert results and results[0].file_id == ids["animals.txt"]
    assert results[0].score < 1.0  # found by the dense list only: no lexical match
