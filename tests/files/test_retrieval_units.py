"""The retrieval pieces on their own: parsing, chunking, filters, rank fusion."""

from __future__ import annotations

import pytest

from filekit import make_docx, make_pdf
from openbeta.server.retrieval.chunk import chunk_text
from openbeta.server.retrieval.filters import matches
from openbeta.server.retrieval.parse import ParseError, parse
from openbeta.server.retrieval.search import fuse
from openbeta.server.retrieval.tokens import WordTokenizer, load_tokenizer
from openbeta.server.retrieval.embed import local_model_dir
from openbeta.server.settings import Settings


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(local_model_dir(Settings()))


def test_model_tokenizer_is_used_when_installed(tokenizer):
    assert tokenizer.name.startswith("hf:")
    assert len(tokenizer.spans("unbelievably tokenized")) > 2  # word pieces, not words


def test_chunks_have_the_requested_size_and_overlap(tokenizer):
    text = " ".join(f"word{i}" for i in range(1000))
    chunks = chunk_text(text, tokenizer, max_tokens=100, overlap=40)
    sizes = [len(tokenizer.spans(c)) for c in chunks]
    assert all(s <= 100 for s in sizes) and sizes[0] == 100
    total = len(tokenizer.spans(text))
    assert len(chunks) == 1 + -(-(total - 100) // 60)
    assert chunks[0] == text[:len(chunks[0])] and chunks[-1] == text[-len(chunks[-1]):]
    tail_of_first = tokenizer.spans(chunks[0])[60][0]
    assert chunks[1].startswith(chunks[0][tail_of_first:])  # 40 tokens shared


def test_short_text_is_one_chunk():
    assert chunk_text("just a few words", WordTokenizer(), 800, 400) == ["just a few words"]
    assert chunk_text("", WordTokenizer()) == []


def test_parsers():
    assert "Hello PDF" in parse("a.pdf", make_pdf(["Hello PDF", "Second page"])).text
    assert parse("a.pdf", make_pdf(["one", "two", "three"])).pages == 3
    docx_text = parse("a.docx", make_docx(["Hello DOCX"], table=[["cell A", "cell B"]])).text
    assert "Hello DOCX" in docx_text and "cell A | cell B" in docx_text
    assert parse("x.html", b"<p>Hi <b>there</b></p><script>no()</script>").text == "Hi\nthere"
    assert parse("x.json", b'{"a":[1,2]}').text.startswith("{\n")
    assert parse("x.py", b"def f():\n    return 1\n").text == "def f():\n    return 1"
    assert parse("x.weird", "plain text with \u00e9".encode()).text == "plain text with \u00e9"
    assert parse("latin.txt", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e".encode("latin-1")).text.startswith("caf")
    with pytest.raises(ParseError) as err:
        parse("x.bin", bytes(range(256)))
    assert err.value.code == "unsupported_file"
    with pytest.raises(ParseError) as err:
        parse("x.pdf", b"not a pdf")
    assert err.value.code == "invalid_file"


def test_filters():
    attrs = {"kind": "a", "n": 5, "flag": True}
    assert matches(None, attrs)
    assert matches({"type": "eq", "key": "flag", "value": True}, attrs)
    assert not matches({"type": "eq", "key": "n", "value": True}, attrs)  # booleans are not numbers
    assert matches({"type": "gt", "key": "n", "value": 4.5}, attrs)
    assert not matches({"type": "gt", "key": "kind", "value": 1}, attrs)  # no order across types
    assert matches({"type": "in", "key": "n", "value": [1, 5]}, attrs)
    assert matches({"type": "nin", "key": "missing", "value": ["x"]}, attrs)
    assert not matches({"type": "eq", "key": "missing", "value": "x"}, attrs)
    assert matches({"type": "or", "filters": [{"type": "eq", "key": "kind", "value": "b"},
                                              {"type": "lte", "key": "n", "value": 5}]}, attrs)


def test_fusion_scores_lie_in_unit_interval():
    fused = fuse([[1, 2, 3], [2, 1, 4]], n_lists=2)
    assert fused[1] == fused[2] and fused[1] > fused[3] > 0
    assert fuse([[7], [7]], n_lists=2)[7] == 1.0
    assert all(0 < v <= 1 for v in fused.values())


class _OneDirection:
    """Every text points the same way: dense search ranks every chunk alike."""

    name = "one-direction"

    def embed(self, texts):
        import numpy as np
        return np.ones((len(texts), 4), dtype=np.float32) / 2


@pytest.mark.parametrize("embedder", [None, _OneDirection()], ids=["lexical", "hybrid"])
def test_filters_apply_per_store_when_a_file_is_in_several(tmp_path, embedder):
    """One file in two stores with different attributes: a filter keeps only the store whose copy matches."""
    import numpy as np

    from openbeta.server.retrieval.store_index import StoreIndexes
    from openbeta.server.retrieval.search import HybridSearcher
    from openbeta.server.services.vector_stores import VectorStoreService
    from openbeta.server.store import Database
    from openbeta.server.store.tables import (DEFAULT_PROJECT_ID, ChunkRow, FileRow, VectorStoreFileRow,
                                              VectorStoreRow)

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    db.migrate()
    vector = (np.ones(4, dtype=np.float32) / 2).tobytes()
    with db.session() as s:
        s.add(FileRow(id="file-1", purpose="assistants", created_at=0, body={"filename": "shared.txt"}))
        for store_id, tag in (("vs_a", "keep"), ("vs_b", "drop")):
            s.add(VectorStoreRow(id=store_id, created_at=0, body={"last_active_at": 0}))
            s.flush()
            s.add(VectorStoreFileRow(id="file-1", vector_store_id=store_id, status="completed", usage_bytes=1,
                                     created_at=0, body={"attributes": {"tag": tag}}))
            s.add(ChunkRow(vector_store_id=store_id, file_id="file-1", position=0, text="widgets and gadgets",
                           embedding=vector))
    dense = StoreIndexes()
    service = VectorStoreService(db, HybridSearcher(embedder, dense), dense)
    unfiltered = service.search(DEFAULT_PROJECT_ID, ["vs_a", "vs_b"], "widgets")
    assert sorted(hit.vector_store_id for hit in unfiltered) == ["vs_a", "vs_b"]
    hits = service.search(DEFAULT_PROJECT_ID, ["vs_a", "vs_b"], "widgets",
                          filters={"type": "eq", "key": "tag", "value": "keep"})
    assert [(hit.vector_store_id, hit.attributes) for hit in hits] == [("vs_a", {"tag": "keep"})]
    db.dispose()
