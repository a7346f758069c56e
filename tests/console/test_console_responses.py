"""The console's Responses playground in a real browser (Debian's chromium) against a real server whose
model is the scripted provider: streamed answers, a function call answered from the page, file_search
results and citations, a bound conversation, text formats, and model output that carries markup.

Every page load checks that no request leaves the server's origin and that the console logs no error.
"""

from __future__ import annotations

import json
from typing import Any

from console_support import ingested_store

#: The page's input box.
INPUT = "Input"


def script(**directive: Any) -> str:
    return "SCRIPT: " + json.dumps(directive)


def send(p: Any, text: str) -> None:
    p.get_by_label(INPUT).fill(text)
    p.get_by_label(INPUT).press("Enter")


def wait_done(p: Any, count: int, status: str = "completed") -> None:
    """Waits until ``count`` responses of the chat show ``status``."""
    p.locator("[data-testid=response-line] .badge", has_text=status).nth(count - 1).wait_for()


def open_playground(page: Any) -> Any:
    p = page.page
    p.goto(page.origin + "/#/responses")
    p.get_by_role("heading", name="Response settings").wait_for()
    p.wait_for_function("() => document.querySelector('#r-model') && document.querySelector('#r-model').value !== ''")
    return p


def test_a_streamed_answer_arrives_token_by_token(page, api) -> None:
    p = open_playground(page)
    p.get_by_label("Instructions").fill("Be brief.")
    # Record every length the answer's text takes while it streams in.
    p.evaluate("""() => { window.seen = new Set(); new MutationObserver(() => {
        const m = document.querySelector('[data-testid=r-msg-assistant]'); if (m) window.seen.add(m.textContent.length);
      }).observe(document.querySelector('[data-testid=r-chat]'), {subtree: true, childList: true, characterData: true}); }""")
    words = "one two three four five six"
    send(p, script(text=words, delay=0.1))
    wait_done(p, 1)
    assert p.get_by_test_id("r-msg-assistant").inner_text().endswith(words)
    assert p.evaluate("window.seen.size") >= 4, "the answer did not stream in word by word"
    assert "6 output" in p.get_by_test_id("r-usage").inner_text()
    response_id = p.get_by_test_id("response-id").inner_text()
    stored = api.get(f"/responses/{response_id}").json()
    assert stored["status"] == "completed" and stored["instructions"] == "Be brief."
    assert stored["output"][0]["content"][0]["text"] == words
    assert stored["model"] == "scripted"
    assert p.get_by_test_id("chain-id").inner_text() == f"after {response_id}"


def test_a_function_call_is_answered_and_the_chain_continues(page, api) -> None:
    p = open_playground(page)
    fn = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                "required": ["city"], "additionalProperties": False}}
    p.get_by_label("Functions (JSON: one definition or an array)").fill(json.dumps(fn))
    send(p, script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}]))
    form = p.get_by_test_id("function-outputs")
    form.wait_for()
    assert "Paris" in p.get_by_test_id("r-function-call").inner_text()
    form.locator("input").fill("sunny, 21 C")
    form.get_by_role("button", name="Send function outputs").click()
    p.locator("[data-testid=r-msg-assistant]", has_text="sunny, 21 C").wait_for()
    wait_done(p, 2)
    assert form.count() == 0  # the call is answered: no form asks again
    assert "sunny, 21 C" in p.get_by_test_id("r-function-output").inner_text()
    first, second = p.get_by_test_id("response-id").all_inner_texts()
    call = api.get(f"/responses/{first}").json()["output"][0]
    assert call["type"] == "function_call" and json.loads(call["arguments"]) == {"city": "Paris"}
    answer = api.get(f"/responses/{second}").json()
    assert answer["previous_response_id"] == first
    assert answer["tools"][0]["name"] == "get_weather"
    given = api.get(f"/responses/{second}/input_items").json()["data"]
    assert {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny, 21 C"}.items() <= given[0].items()
    # The chain goes on: the next input continues from the second response.
    send(p, script(text="Take an umbrella anyway."))
    wait_done(p, 3)
    third = p.get_by_test_id("response-id").nth(2).inner_text()
    assert api.get(f"/responses/{third}").json()["previous_response_id"] == second
    # A new chain starts without a previous response.
    p.get_by_role("button", name="New chain").click()
    send(p, "hello again")
    wait_done(p, 1)
    fresh = p.get_by_test_id("response-id").inner_text()
    assert api.get(f"/responses/{fresh}").json()["previous_response_id"] is None


def test_file_search_shows_its_results_and_citations(page, api) -> None:
    text = b"The harbour master keeps the tide tables in the blue ledger.\n"
    file, store = ingested_store(api, "Harbour notes", "harbour.txt", text)
    p = open_playground(page)
    p.get_by_label("file search", exact=True).check()
    p.get_by_label("Vector store (file search)").select_option(store["id"])
    send(p, script(tool_calls=[{"name": "file_search", "arguments": {"queries": ["tide tables"]}}],
                   after_tools="They are in the blue ledger{marker}."))
    wait_done(p, 1)
    search = p.get_by_test_id("r-file-search")
    assert "completed" in search.inner_text() and "tide tables" in search.inner_text()
    result = p.get_by_test_id("r-result").first
    assert "harbour.txt" in result.inner_text() and "blue ledger" in result.inner_text()
    assert "score" in result.inner_text()
    assert p.get_by_test_id("r-msg-assistant").inner_text().endswith("They are in the blue ledger[1].")
    cite = p.locator("[data-testid=r-msg-assistant] a.cite")
    assert cite.get_attribute("data-file") == file["id"]
    cite.click()
    viewer = p.get_by_test_id("file-viewer")
    viewer.get_by_text("blue ledger").wait_for()
    p.keyboard.press("Escape")
    viewer.wait_for(state="detached")
    # Without the store picked the page says what is missing and sends nothing.
    p.get_by_label("Vector store (file search)").select_option("")
    send(p, "where else?")
    p.get_by_role("alert").filter(has_text="Pick a vector store").wait_for()
    assert p.get_by_test_id("response-line").count() == 1


def test_a_bound_conversation_shows_its_items(page, api) -> None:
    p = open_playground(page)
    p.get_by_role("button", name="New conversation").click()
    chosen = p.get_by_label("Bind a conversation (or an Assistants thread)")
    p.wait_for_function("() => document.querySelector('#r-conv').value.startsWith('conv_')")
    conversation = chosen.input_value()
    assert p.get_by_test_id("chain-id").inner_text() == f"conversation {conversation}"
    send(p, script(text="Noted: the meeting is on Thursday."))
    wait_done(p, 1)
    items = p.get_by_test_id("conversation-items")
    items.get_by_text("Noted: the meeting is on Thursday.", exact=True).wait_for()
    assert "SCRIPT" in items.locator("[data-testid=r-msg-user]").first.inner_text()
    send(p, script(text="Still Thursday."))
    wait_done(p, 2)
    items.get_by_text("Still Thursday.", exact=True).wait_for()
    stored = api.get(f"/conversations/{conversation}/items", params={"order": "asc"}).json()["data"]
    assert [(i["type"], i["role"]) for i in stored] == [("message", "user"), ("message", "assistant")] * 2
    second = p.get_by_test_id("response-id").nth(1).inner_text()
    answer = api.get(f"/responses/{second}").json()
    assert answer["conversation"] == {"id": conversation} and answer["previous_response_id"] is None
    # An Assistants thread is listed too and reads as a conversation.
    thread = api.post("/threads", json={"messages": [{"role": "user", "content": "From the assistants side"}]}).json()
    p.get_by_role("button", name="Refresh").click()
    p.locator("#r-conv option", has_text=thread["id"]).wait_for(state="attached")
    chosen.select_option(thread["id"])
    items.get_by_text("From the assistants side").wait_for()


def test_text_formats_reach_the_request(page, api) -> None:
    p = open_playground(page)
    p.get_by_label("Text format").select_option("json_schema")
    p.get_by_label("JSON schema").fill("{not json")
    send(p, "Lisbon")
    p.get_by_role("alert").filter(has_text="not valid JSON").wait_for()
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
              "additionalProperties": False}
    p.get_by_label("Schema name").fill("place")
    p.get_by_label("JSON schema").fill(json.dumps(schema))
    send(p, "Lisbon")
    wait_done(p, 1)
    assert json.loads(p.get_by_test_id("r-msg-assistant").text_content().removeprefix("assistant")) == {"city": "Lisbon"}
    made = api.get(f"/responses/{p.get_by_test_id('response-id').inner_text()}").json()
    assert made["text"]["format"]["type"] == "json_schema" and made["text"]["format"]["name"] == "place"
    assert made["text"]["format"]["schema"] == schema


def test_markup_in_model_output_is_shown_as_text(page) -> None:
    hostile = '<img src=x onerror="window.pwned=1"> <b>bold</b> <script>window.pwned=2</script>'
    p = open_playground(page)
    fn = {"name": "lookup", "parameters": {"type": "object", "properties": {}}}
    p.get_by_label("Functions (JSON: one definition or an array)").fill(json.dumps(fn))
    send(p, script(text=hostile))
    wait_done(p, 1)
    answer = p.get_by_test_id("r-msg-assistant")
    assert answer.inner_text().endswith(hostile)
    send(p, script(tool_calls=[{"name": "lookup", "arguments": '{"q": "<img src=y onerror=\\"window.pwned=3\\">"}'}]))
    p.get_by_test_id("function-outputs").wait_for()
    assert "<img src=y" in p.get_by_test_id("r-function-call").inner_text()
    chat = p.get_by_test_id("r-chat")
    assert chat.locator("img, script").count() == 0 and chat.locator("b", has_text="bold").count() == 0
    assert p.evaluate("window.pwned") is None
