"""The console in a real browser (Debian's chromium through Playwright) against a real server.

Every page load checks that no request leaves the server's origin and that the console logs no error.
"""

from __future__ import annotations

import json

import pytest

from console_support import KEY, Watched, ingested_store


def test_asks_for_the_key_and_keeps_it_for_the_tab(browser, server) -> None:
    context = browser.new_context()
    watched = Watched(context.new_page(), server.root_url)
    # The first call without a key answers 401 on purpose; chromium logs that one failed load.
    watched.allowed_errors.append("status of 401")
    page = watched.page
    page.goto(server.root_url + "/")
    page.get_by_label("API key").fill("sk-wrong")
    page.get_by_role("button", name="Use this key").click()
    page.get_by_text("Incorrect API key provided").wait_for()
    page.get_by_label("API key").fill(KEY)
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.get_by_role("button", name="New assistant").wait_for()
    assert page.evaluate("sessionStorage.getItem('openbeta.api_key')") == KEY
    context.close()
    watched.check()


def test_create_an_assistant_and_chat_with_a_streamed_answer(page) -> None:
    p = page.page
    p.goto(page.origin + "/")
    p.get_by_role("button", name="New assistant").click()
    p.get_by_label("Name").fill("Console helper")
    p.get_by_label("Instructions").fill("Be brief.")
    p.get_by_role("button", name="Create assistant").click()
    p.get_by_role("heading", name="Chat with Console helper").wait_for()
    # Record every length the answer's text takes while it streams in.
    p.evaluate("""() => { window.seen = new Set(); new MutationObserver(() => {
        const m = document.querySelector('[data-testid=msg-assistant]'); if (m) window.seen.add(m.textContent.length);
      }).observe(document.querySelector('[data-testid=chat]'), {subtree: true, childList: true, characterData: true}); }""")
    words = "one two three four five six"
    p.get_by_label("Message").fill('SCRIPT: {"text": "%s", "delay": 0.1}' % words)
    p.get_by_label("Message").press("Enter")
    p.locator("[data-testid=run-line] .badge", has_text="completed").wait_for()
    assert p.locator("[data-testid=msg-assistant]").inner_text().endswith(words)
    assert p.evaluate("window.seen.size") >= 4, "the answer did not stream in word by word"
    usage = p.locator("[data-testid=usage]").inner_text()
    assert "6 completion" in usage and "tokens" in usage
    assert p.get_by_test_id("thread-id").inner_text().startswith("thread_")


def test_submit_a_tool_output_and_inspect_the_run(page, api) -> None:
    fn = {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
    assistant = api.post("/assistants", json={"model": "gpt-4o-mini", "name": "Weather",
                                              "tools": [{"type": "function", "function": fn}]}).json()
    p = page.page
    p.goto(page.origin + "/")
    p.get_by_label("Pick an assistant").select_option(assistant["id"])
    p.get_by_label("Message").fill('SCRIPT: {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}')
    p.get_by_role("button", name="Send").click()
    form = p.get_by_test_id("tool-outputs")
    form.wait_for()
    assert "Paris" in p.get_by_test_id("tool-call").first.inner_text()
    p.locator("[data-testid=tool-outputs] input").fill("sunny, 21 C")
    form.get_by_role("button", name="Submit tool outputs").click()
    p.locator("[data-testid=msg-assistant]", has_text="sunny, 21 C").wait_for()
    p.locator("[data-testid=run-line] .badge", has_text="completed").wait_for()
    assert "sunny, 21 C" in p.get_by_test_id("tool-call").first.inner_text()  # the output joins the call
    thread_id = p.get_by_test_id("thread-id").inner_text()

    # The same thread in the inspector: its messages, its run and the run's step timeline.
    p.get_by_role("link", name="Inspector").click()
    p.get_by_role("button", name=thread_id).click()
    p.get_by_role("heading", name="Runs").wait_for()
    p.get_by_label("Runs").get_by_role("button").first.click()
    detail = p.get_by_test_id("run-detail")
    detail.locator("[data-testid=step]").nth(1).wait_for()
    steps = detail.locator("[data-testid=step]").all_inner_texts()
    assert any("tool_calls" in s and "get_weather" in s for s in steps)
    assert any("message_creation" in s for s in steps)
    assert "run completed" in detail.inner_text()


def test_upload_a_file_and_search_it(page, tmp_path) -> None:
    doc = tmp_path / "lighthouse.txt"
    doc.write_text("The lighthouse keeper logs the fog horn schedule every evening.\n\n"
                   + "Unrelated filler about gardening and tomatoes.\n" * 200)
    p = page.page
    p.goto(page.origin + "/#/files")
    p.get_by_label("File").set_input_files(str(doc))
    p.evaluate("""() => { window.progressSeen = false; new MutationObserver(() => {
        if (document.querySelector('progress')) window.progressSeen = true; })
        .observe(document.body, {subtree: true, childList: true}); }""")
    p.get_by_role("button", name="Upload", exact=True).click()
    p.get_by_test_id("files").get_by_text("lighthouse.txt").wait_for()
    assert p.evaluate("window.progressSeen")
    p.get_by_placeholder("new vector store name").fill("Manuals")
    p.get_by_role("button", name="Create vector store").click()
    p.get_by_role("heading", name="Manuals").wait_for()
    p.get_by_label("File to add").select_option(label=p.locator("#vs-add option", has_text="lighthouse.txt").inner_text())
    p.get_by_role("button", name="Add file").click()
    p.locator("[data-testid=store-files] .badge", has_text="completed").wait_for()
    p.get_by_label("Query").fill("fog horn schedule")
    p.get_by_label("Query").press("Enter")
    chunks = p.get_by_test_id("chunk")
    chunks.first.wait_for()
    top = chunks.first.inner_text()
    assert "lighthouse.txt" in top and "fog horn" in top and "score" in top


def test_errors_show_in_the_page(page, api) -> None:
    p = page.page
    page.allowed_errors.append("status of 404")  # the unknown vector store below, on purpose
    p.goto(page.origin + "/")
    p.get_by_role("button", name="New assistant").click()
    p.get_by_label("Functions (JSON: one definition or an array)").fill("{not json")
    p.get_by_role("button", name="Create assistant").click()
    assert "not valid JSON" in p.get_by_role("alert").inner_text()
    p.get_by_label("Functions (JSON: one definition or an array)").fill("")
    # the models that answer here, as GET /v1/models lists them (no name that would run another model)
    assert p.get_by_label("Model").locator("option").all_inner_texts() == ["scripted (default)"]
    assert p.get_by_label("Model").input_value() == "scripted"
    p.get_by_label("Vector store ids (file search)").fill("vs_missing")
    p.get_by_role("button", name="Create assistant").click()
    p.get_by_role("alert").filter(has_text="vs_missing").wait_for()
    # Fixed, the same form goes through, with the fields it was given.
    p.get_by_label("Vector store ids (file search)").fill("")
    p.get_by_label("Name").fill("JSON speaker")
    p.get_by_label("Response format").select_option("json_object")
    p.get_by_label("file search", exact=True).check()
    p.get_by_role("button", name="Create assistant").click()
    p.get_by_role("heading", name="Chat with JSON speaker").wait_for()
    made = api.get("/assistants", params={"limit": 1}).json()["data"][0]
    assert made["name"] == "JSON speaker" and made["model"] == "scripted"
    assert made["response_format"] == {"type": "json_object"}
    assert [t["type"] for t in made["tools"]] == ["file_search"]


def test_readable_on_a_phone(browser, server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(f"sessionStorage.setItem('openbeta.api_key', {json.dumps(KEY)})")
    watched = Watched(context.new_page(), server.root_url)
    page = watched.page
    for where in ("/", "/#/responses", "/#/inspector", "/#/files"):
        page.goto(server.root_url + where)
        page.locator(".card").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{where} scrolls sideways"
    context.close()
    watched.check()


def test_file_search_citation_opens_the_cited_file(page, api) -> None:
    text = b"The harbour master keeps the tide tables in the blue ledger.\n"
    file, store = ingested_store(api, "Harbour", "harbour.txt", text)
    script = ('SCRIPT: {"tool_calls": [{"name": "file_search", "arguments": {"query": "tide tables"}}], '
              '"after_tools": "They are in the blue ledger {marker}."}')
    assistant = api.post("/assistants", json={
        "model": "m", "name": "Harbour", "instructions": script, "tools": [{"type": "file_search"}],
        "tool_resources": {"file_search": {"vector_store_ids": [store["id"]]}}}).json()
    p = page.page
    p.goto(page.origin + "/")
    p.get_by_label("Pick an assistant").select_option(assistant["id"])
    p.get_by_label("Message").fill("Where are the tide tables?")
    p.get_by_label("Message").press("Enter")
    cite = p.locator("[data-testid=msg-assistant] a.cite")
    cite.wait_for()
    assert cite.get_attribute("data-file") == file["id"]
    assert "harbour.txt" in p.get_by_test_id("tool-call").inner_text()  # the search shows as it runs
    cite.click()
    viewer = p.get_by_test_id("file-viewer")
    viewer.get_by_text("blue ledger").wait_for()
    assert "harbour.txt" in viewer.inner_text()
    p.keyboard.press("Escape")
    viewer.wait_for(state="detached")


def test_voice_page_talks_to_realtime_over_a_websocket(page) -> None:
    # This server has no voice models: the session is text only, typed in the page; the key goes in
    # the WebSocket subprotocol, as browsers must send it.
    p = page.page
    p.goto(page.origin + "/#/voice")
    p.get_by_label("Say (typed)").fill('SCRIPT: {"text": "Hello from the realtime socket"}')
    p.get_by_label("Say (typed)").press("Enter")
    p.get_by_test_id("voice-assistant").filter(has_text="Hello from the realtime socket").wait_for()
    assert "SCRIPT" in p.get_by_test_id("voice-user").inner_text()
    assert "completed" in p.get_by_test_id("voice-transcript").inner_text()
    p.get_by_role("button", name="Start talking").click()  # audio without the voice models: said in the page
    p.get_by_role("alert").filter(has_text="audio_unavailable").wait_for()


def test_code_interpreter_code_logs_and_image_show_in_the_chat(page) -> None:
    from openbeta.server.tools.sandbox import BubblewrapLauncher, Limits

    reason = BubblewrapLauncher(Limits()).trial()
    if reason:
        pytest.skip(f"bubblewrap sandboxes cannot run here: {reason}")
    p = page.page
    p.goto(page.origin + "/")
    p.get_by_role("button", name="New assistant").click()
    p.get_by_label("Name").fill("Plotter")
    p.get_by_label("code interpreter").check()
    p.get_by_role("button", name="Create assistant").click()
    code = "import matplotlib.pyplot as plt\nprint('drawing', 6 * 7)\nplt.plot([1, 3, 2])\nplt.show()"
    directive = {"tool_calls": [{"name": "python", "arguments": {"code": code}}], "after_tools": "Here is the plot."}
    p.get_by_label("Message").fill("SCRIPT: " + json.dumps(directive))
    p.get_by_label("Message").press("Enter")
    p.locator("[data-testid=run-line] .badge", has_text="completed").wait_for(timeout=60_000)
    call = p.get_by_test_id("tool-call")
    assert "code interpreter" in call.inner_text() and "plt.plot([1, 3, 2])" in call.inner_text()
    assert "drawing 42" in call.inner_text()
    # The figure, fetched with the key and shown in the step and in the answer.
    p.wait_for_function("[...document.querySelectorAll('[data-testid=chat] img')].filter(i => i.naturalWidth > 0).length >= 2")
    assert "Here is the plot." in p.locator("[data-testid=msg-assistant]").last.inner_text()


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_nothing_from_elsewhere(page, path) -> None:
    """The interactive API docs render with every request on the server's origin (ReDoc's bundle would
    fetch Redocly's logo from its CDN) and no console error."""
    page.page.goto(page.origin + path)
    page.page.get_by_text("/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs").first.wait_for()
    page.page.wait_for_load_state("networkidle")
