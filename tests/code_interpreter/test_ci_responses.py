"""The ``code_interpreter`` tool of the Responses API, through the official Python SDK against a live
server (scripted model, real bubblewrap sandboxes), on SQLite and PostgreSQL: the call's stream events
in OpenAI's order and the SDK's accumulator rebuilding the response; ``include`` for the outputs; files
the code writes becoming the container's files (``source: assistant``) cited with
``container_file_citation``; a named container's files in ``/mnt/data``; an ``auto`` container reused
through ``previous_response_id``; an expired container."""

from __future__ import annotations

import base64
import json

import openai
import pytest
from interpreter_helpers import calls

from server_process import run_sql

MODEL = "scripted"
AUTO = {"type": "code_interpreter", "container": {"type": "auto"}}
OUTPUTS = ["code_interpreter_call.outputs"]


def plain(value):
    """A dumped response without the ``parsed`` fields the SDK's stream helper adds to text parts."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "parsed"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def ci_calls(response) -> list:
    return [item for item in response.output if item.type == "code_interpreter_call"]


def test_streamed_call_events_in_order_and_the_accumulator_rebuilds_the_response(sandbox_client):
    code = "open('/mnt/data/out.txt', 'w').write('forty-two')\nprint(6 * 7)"
    with sandbox_client.responses.stream(model=MODEL, tools=[AUTO], include=OUTPUTS,
                                         input=calls(code, after="Saved: sandbox:/mnt/data/out.txt done")) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    call_events = [k for k in kinds if "code_interpreter" in k]
    deltas = [e.delta for e in events if e.type == "response.code_interpreter_call_code.delta"]
    assert len(deltas) > 1 and "".join(deltas) == code
    assert call_events == (["response.code_interpreter_call.in_progress"]
                           + ["response.code_interpreter_call_code.delta"] * len(deltas)
                           + ["response.code_interpreter_call_code.done", "response.code_interpreter_call.interpreting",
                              "response.code_interpreter_call.completed"])
    added = kinds.index("response.output_item.added")
    assert kinds[added + 1] == "response.code_interpreter_call.in_progress"
    done = next(i for i, e in enumerate(events) if e.type == "response.output_item.done"
                and e.item.type == "code_interpreter_call")
    assert kinds.index("response.code_interpreter_call.completed") == done - 1
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert next(e for e in events if e.type == "response.code_interpreter_call_code.done").code == code

    (call,) = ci_calls(final)
    assert call.id.startswith("ci_") and call.status == "completed" and call.code == code
    assert call.container_id.startswith("cntr_")
    assert [(o.type, o.logs) for o in call.outputs] == [("logs", "42")]
    assert final.output_text == "Saved: sandbox:/mnt/data/out.txt done"
    stored = sandbox_client.responses.retrieve(final.id, include=OUTPUTS)
    assert plain(stored.model_dump()) == plain(final.model_dump(warnings=False))

    # the file the code wrote is the container's, and the answer cites it
    files = sandbox_client.containers.files.list(call.container_id).data
    (written,) = [f for f in files if f.path == "/mnt/data/out.txt"]
    assert written.source == "assistant" and written.bytes == 9
    assert sandbox_client.containers.files.content.retrieve(written.id, container_id=call.container_id).read() == \
        b"forty-two"
    (note,) = final.output[-1].content[0].annotations
    assert note.type == "container_file_citation" and note.container_id == call.container_id
    assert note.file_id == written.id and note.filename == "out.txt"
    assert final.output_text[note.start_index:note.end_index] == "sandbox:/mnt/data/out.txt"
    annotated = [e for e in events if e.type == "response.output_text.annotation.added"]
    assert [e.annotation.file_id for e in annotated] == [written.id]


def test_a_named_containers_files_are_in_mnt_data_and_the_code_keeps_state(sandbox_client):
    stored = sandbox_client.files.create(file=("numbers.csv", b"1\n2\n3\n"), purpose="user_data")
    container = sandbox_client.containers.create(name="data", file_ids=[stored.id])
    tool = {"type": "code_interpreter", "container": container.id}
    first = sandbox_client.responses.create(
        model=MODEL, tools=[tool], include=OUTPUTS,
        input=calls("total = sum(int(x) for x in open('/mnt/data/numbers.csv'))\nprint(total)", after="ok"))
    (call,) = ci_calls(first)
    assert call.container_id == container.id and call.outputs[0].logs == "6"
    assert first.tools[0].container == container.id
    second = sandbox_client.responses.create(model=MODEL, tools=[tool], include=OUTPUTS,
                                             input=calls("print(total * 2)", after="ok"))
    assert ci_calls(second)[0].outputs[0].logs == "12"
    assert sandbox_client.containers.retrieve(container.id).last_active_at >= container.last_active_at


def test_an_auto_container_is_reused_by_a_follow_up_and_gets_its_files(sandbox_client):
    stored = sandbox_client.files.create(file=("greeting.txt", b"hello"), purpose="user_data")
    tool = {"type": "code_interpreter", "container": {"type": "auto", "file_ids": [stored.id]}}
    first = sandbox_client.responses.create(model=MODEL, tools=[tool], include=OUTPUTS,
                                            input=calls("x = open('/mnt/data/greeting.txt').read()\nprint(x)",
                                                        after="ok"))
    (call,) = ci_calls(first)
    assert call.outputs[0].logs == "hello"
    follow = sandbox_client.responses.create(model=MODEL, tools=[tool], include=OUTPUTS,
                                             previous_response_id=first.id,
                                             input=calls("print(x.upper())", after="ok"))
    assert ci_calls(follow)[0].container_id == call.container_id and ci_calls(follow)[0].outputs[0].logs == "HELLO"
    paths = [f.path for f in sandbox_client.containers.files.list(call.container_id).data]
    assert paths == ["/mnt/data/greeting.txt"]  # not copied in twice
    fresh = sandbox_client.responses.create(model=MODEL, tools=[tool], input=calls("print(1)", after="ok"))
    assert ci_calls(fresh)[0].container_id != call.container_id  # a new chain: a new container
    assert ci_calls(fresh)[0].outputs is None  # not asked for: not shown ...
    shown = ci_calls(sandbox_client.responses.retrieve(fresh.id, include=OUTPUTS))[0].outputs
    assert [(o.type, o.logs) for o in shown] == [("logs", "1")]  # ... unless asked for


def test_a_figure_is_an_image_output_with_a_data_url(sandbox_client):
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"
    response = sandbox_client.responses.create(model=MODEL, tools=[AUTO], include=OUTPUTS,
                                               input=calls(code, after="drawn"))
    images = [o for o in ci_calls(response)[0].outputs if o.type == "image"]
    assert len(images) == 1 and images[0].url.startswith("data:image/png;base64,")
    assert base64.b64decode(images[0].url.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_model_reads_the_calls_output_back_and_a_conversation_lists_the_call(sandbox_client):
    conversation = sandbox_client.conversations.create()
    response = sandbox_client.responses.create(model=MODEL, tools=[AUTO], conversation=conversation.id,
                                               input=calls("print('from the sandbox')"))
    assert "from the sandbox" in response.output_text  # the scripted model repeats the tool's output
    items = sandbox_client.conversations.items.list(conversation.id, order="asc").data
    assert [i.type for i in items] == ["message", "code_interpreter_call", "message"]
    assert items[1].code == "print('from the sandbox')" and items[1].outputs is None


def test_code_in_an_expired_container_fails_clearly(sandbox_client, server):
    container = sandbox_client.containers.create(name="brief")
    run_sql(server, "UPDATE containers SET expires_at = 1 WHERE id = :id", id=container.id)
    with pytest.raises(openai.BadRequestError) as caught:
        sandbox_client.responses.create(model=MODEL, input=calls("print(1)"),
                                        tools=[{"type": "code_interpreter", "container": container.id}])
    assert caught.value.body["code"] == "container_expired"
    assert json.loads(caught.value.response.text)["error"]["param"] == "tools[0].container"


def test_a_written_file_the_container_cannot_hold_is_left_out_with_a_note(sandbox_client):
    deep = "/".join(["d" * 200] * 5)  # a path the sandbox lists but longer than a container file's may be
    code = (f"import os\nos.makedirs('/mnt/data/{deep}')\nopen('/mnt/data/{deep}/long-file.txt', 'w').write('x')\n"
            "open('/mnt/data/short.txt', 'w').write('y')")
    response = sandbox_client.responses.create(model=MODEL, tools=[AUTO], include=OUTPUTS,
                                               input=calls(code, after="ok"))
    (call,) = ci_calls(response)
    assert response.status == "completed" and "not saved as files" in call.outputs[0].logs
    assert "long-file.txt" in call.outputs[0].logs
    paths = [f.path for f in sandbox_client.containers.files.list(call.container_id).data]
    assert paths == ["/mnt/data/short.txt"]
