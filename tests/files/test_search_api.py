"""``POST /v1/vector_stores/{id}/search``: hybrid retrieval over txt, md, pdf, docx and html."""

from __future__ import annotations

import openai
import pytest

from filekit import Kit, make_docx, make_pdf

FILLER = ("This paragraph is unrelated filler text about office logistics, meeting rooms, printer toner "
          "and the schedule of the weekly status call. ") * 6

DOCS = {
    "revenue.txt": "Quarterly revenue in the European market grew by twelve percent, driven by subscriptions.",
    "api.md": "# Flux API\n\nCall `frobnicate_widget_v2()` to reset the flux capacitor before shipping.",
    "biology.pdf": ["Photosynthesis converts sunlight into chemical energy inside the chloroplasts of leaves.",
                    "Chlorophyll absorbs red and blue wavelengths and reflects green."],
    "picnic.docx": ["The annual company picnic will take place at Lakeside Park in June."],
    "hiking.html": "<html><head><style>p{color:red}</style></head><body><h1>Mountain trekking safety</h1>"
                   "<p>Always carry water, a paper map and a whistle when trekking above the tree line.</p>"
                   "<script>var tracking = 1;</script></body></html>",
}
ATTRIBUTES = {
    "revenue.txt": {"kind": "finance", "year": 2023, "public": False},
    "api.md": {"kind": "code", "year": 2024, "public": True},
    "biology.pdf": {"kind": "science", "year": 2021, "public": True},
    "picnic.docx": {"kind": "hr", "year": 2024, "public": False},
    "hiking.html": {"kind": "outdoor", "year": 2022, "public": True},
}


def _content(name: str):
    value = DOCS[name]
    if name.endswith(".pdf"):
        return make_pdf(value)  # type: ignore[arg-type]
    if name.endswith(".docx"):
        return make_docx(value, table=[["Item", "Owner"], ["Barbecue grill", "Facilities"]])  # type: ignore[arg-type]
    return value


def _build(kit: Kit):
    store = kit.client.vector_stores.create(name="mixed")
    ids = {}
    files = []
    for name in DOCS:
        ids[name] = kit.upload(name, _content(name)).id
        files.append({"file_id": ids[name], "attributes": ATTRIBUTES[name]})
        kit.upload(f"filler-{name}.txt", FILLER)  # noise in the file list, not in the store
    kit.client.vector_stores.file_batches.create(vector_store_id=store.id, files=files)
    filler = kit.upload("filler.txt", FILLER).id
    kit.client.vector_stores.files.create(vector_store_id=store.id, file_id=filler)
    store = kit.wait_store(store.id)
    assert store.file_counts.completed == 6, store.file_counts
    return store, {v: k for k, v in ids.items()}


@pytest.fixture(scope="module")
def mixed(kit):
    return _build(kit)


def _top(client, store_id, query, **kwargs):
    return list(client.vector_stores.search(store_id, query=query, **kwargs))


@pytest.mark.parametrize("query, expected", [
    ("frobnicate_widget_v2", "api.md"),                              # an exact code word
    ("European subscriptions revenue", "revenue.txt"),               # plain keywords
    ("How does vegetation make food from light?", "biology.pdf"),    # a paraphrase, pdf
    ("Where is the yearly staff outdoor party held?", "picnic.docx"),  # a paraphrase, docx
    ("what should I bring for a hike in the mountains", "hiking.html"),
    ("who owns the barbecue grill", "picnic.docx"),                  # text inside a docx table
])
def test_best_hit(client, mixed, query, expected):
    store, names = mixed
    results = _top(client, store.id, query)
    assert results, query
    assert names.get(results[0].file_id) == expected, [(names.get(r.file_id), r.score) for r in results]
    assert results[0].filename == expected
    assert results[0].attributes == ATTRIBUTES[expected]
    assert results[0].content[0].type == "text" and results[0].content[0].text
    scores = [r.score for r in results]
    assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)


def test_parsed_text_is_clean(client, mixed):
    store, names = mixed
    by_name = {v: k for k, v in names.items()}
    html = list(client.vector_stores.files.content(by_name["hiking.html"], vector_store_id=store.id))[0].text
    assert "Always carry water" in html and "tracking" not in html and "color:red" not in html
    pdf = list(client.vector_stores.files.content(by_name["biology.pdf"], vector_store_id=store.id))[0].text
    assert "Photosynthesis" in pdf and "Chlorophyll" in pdf


def test_max_num_results_threshold_and_query_lists(client, mixed):
    store, names = mixed
    assert len(_top(client, store.id, "the", max_num_results=2)) <= 2
    many = _top(client, store.id, "company picnic revenue", max_num_results=50)
    strict = _top(client, store.id, "company picnic revenue", max_num_results=50,
                  ranking_options={"ranker": "auto", "score_threshold": 0.6})
    assert 0 < len(strict) < len(many) and all(r.score >= 0.6 for r in strict)
    page = client.vector_stores.search(store.id, query=["frobnicate_widget_v2", "Lakeside Park picnic"],
                                       rewrite_query=True)
    found = {names.get(r.file_id) for r in page}
    assert {"api.md", "picnic.docx"} <= found


@pytest.mark.parametrize("flt, allowed", [
    ({"type": "eq", "key": "kind", "value": "code"}, {"api.md"}),
    # a file without the key passes ne and nin (None: the filler file, which has no attributes)
    ({"type": "ne", "key": "kind", "value": "code"}, set(DOCS) - {"api.md"} | {None}),
    ({"type": "gte", "key": "year", "value": 2023}, {"revenue.txt", "api.md", "picnic.docx"}),
    ({"type": "lt", "key": "year", "value": 2022}, {"biology.pdf"}),
    ({"type": "eq", "key": "public", "value": True}, {"api.md", "biology.pdf", "hiking.html"}),
    ({"type": "in", "key": "kind", "value": ["hr", "finance"]}, {"picnic.docx", "revenue.txt"}),
    ({"type": "nin", "key": "kind", "value": ["hr", "finance", "code"]}, {"biology.pdf", "hiking.html", None}),
    ({"type": "and", "filters": [{"type": "eq", "key": "public", "value": True},
                                 {"type": "gt", "key": "year", "value": 2021}]}, {"api.md", "hiking.html"}),
    ({"type": "or", "filters": [{"type": "eq", "key": "kind", "value": "hr"},
                                {"type": "and", "filters": [{"type": "lte", "key": "year", "value": 2021},
                                                            {"type": "eq", "key": "public", "value": True}]}]},
     {"picnic.docx", "biology.pdf"}),
])
def test_attribute_filters(client, mixed, flt, allowed):
    store, names = mixed
    results = _top(client, store.id, "company picnic revenue photosynthesis trekking frobnicate", filters=flt,
                   max_num_results=50)
    assert {names.get(r.file_id) for r in results} == allowed


def test_bad_filter_is_400(client, mixed, errors):
    store, _ = mixed
    with pytest.raises(errors.BadRequestError):
        client.vector_stores.search(store.id, query="x", filters={"type": "like", "key": "a", "value": "b"})


def test_lexical_only_server(start_server):
    """Without an embedding model, exact words still find their chunk; paraphrases need embeddings."""
    server = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_EMBEDDINGS="none")
    kit = Kit(openai.OpenAI(base_url=server.base_url, api_key="t", max_retries=0))
    store, names = _build(kit)
    top = _top(kit.client, store.id, "frobnicate_widget_v2")
    assert names.get(top[0].file_id) == "api.md" and top[0].score == 1.0
    assert _top(kit.client, store.id, "How does vegetation make food from light?") == []
