"""The code_interpreter tool through the official SDK (and OpenBeta's), on the scripted model."""

from __future__ import annotations

import pytest
from interpreter_helpers import calls, logs, run_code

import openbeta

PNG = b"\x89PNG\r\n\x1a\n"


def test_logs_tracebacks_and_state_across_runs(sandbox_client, assistant):
    run, [first] = run_code(sandbox_client, assistant, "x = 6 * 7\nprint('hello')\nx")
    assert first.type == "code_interpreter" and first.code_interpreter.input.startswith("x = 6 * 7")
    assert logs(first) == "hello\n42"
    assert "_files" not in first.model_dump_json() and "_output" not in first.model_dump_json()
    _, [second] = run_code(sandbox_client, assistant, "print(x + 1)\nundefined_name", thread_id=run.thread_id)
    text = logs(second)
    assert text.startswith("43\nTraceback (most recent call last):") and "NameError" in text
    assert "repl.py" not in text  # the interpreter's own frames are not shown
    reply = sandbox_client.beta.threads.messages.list(run.thread_id, run_id=_.id).data[0]
    assert "NameError" in reply.content[0].text.value  # the model read the output back


def test_a_matplotlib_figure_becomes_an_image_output_and_message_content(sandbox_client, assistant):
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('t')\nplt.show()"
    run, [call] = run_code(sandbox_client, assistant, code, after="Here is the plot.")
    images = [o for o in call.code_interpreter.outputs if o.type == "image"]
    assert len(images) == 1
    file_id = images[0].image.file_id
    meta = sandbox_client.files.retrieve(file_id)
    assert meta.purpose == "assistants_output" and meta.filename.endswith(".png")
    assert sandbox_client.files.content(file_id).content.startswith(PNG)
    message = sandbox_client.beta.threads.messages.list(run.thread_id, run_id=run.id).data[0]
    assert [b.type for b in message.content] == ["image_file", "text"]
    assert message.content[0].image_file.file_id == file_id
    assert message.content[1].text.value == "Here is the plot."


def test_files_from_tool_resources_and_attachments_are_in_mnt_data(sandbox_client):
    csv = sandbox_client.files.create(file=("prices.csv", b"item,price\na,2\nb,5\n"), purpose="assistants")
    note = sandbox_client.files.create(file=("note.txt", b"thread file"), purpose="assistants")
    attached = sandbox_client.files.create(file=("extra.txt", b"attached"), purpose="assistants")
    assistant = sandbox_client.beta.assistants.create(model="scripted", tools=[{"type": "code_interpreter"}],
                                              tool_resources={"code_interpreter": {"file_ids": [csv.id]}})
    thread = sandbox_client.beta.threads.create(tool_resources={"code_interpreter": {"file_ids": [note.id]}})
    code = ("import pandas as pd, os\nprint(pd.read_csv('/mnt/data/prices.csv').price.sum())\n"
            "print(open('/mnt/data/note.txt').read())\nprint(open('/mnt/data/extra.txt').read())\n"
            "print(sorted(os.listdir('/mnt/data')))")
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread.id, message={
        "attachments": [{"file_id": attached.id, "tools": [{"type": "code_interpreter"}]}]})
    assert logs(call) == "7\nthread file\nattached\n['extra.txt', 'note.txt', 'prices.csv']"


def test_written_files_are_downloadable_and_cited_with_file_path_annotations(sandbox_client, assistant):
    code = "import pandas as pd\npd.DataFrame({'a': [1, 2]}).to_csv('/mnt/data/out.csv', index=False)"
    answer = "Download [the table](sandbox:/mnt/data/out.csv)."
    run, [call] = run_code(sandbox_client, assistant, code, after=answer)
    message = sandbox_client.beta.threads.messages.list(run.thread_id, run_id=run.id).data[0]
    text = message.content[0].text
    assert text.value == answer
    [note] = text.annotations
    assert note.type == "file_path" and note.text == "sandbox:/mnt/data/out.csv"
    assert answer[note.start_index:note.end_index] == note.text
    meta = sandbox_client.files.retrieve(note.file_path.file_id)
    assert meta.purpose == "assistants_output" and meta.filename == "out.csv"
    assert sandbox_client.files.content(meta.id).content == b"a\n1\n2\n"
    # a later call sees the file, and its changes become a new file
    _, [again] = run_code(sandbox_client, assistant, "print(open('/mnt/data/out.csv').read().split())",
                          thread_id=run.thread_id)
    assert logs(again) == "['a', '1', '2']"


@pytest.mark.parametrize("sdk", ["openai", "openbeta"])
def test_streaming_deltas_and_event_handler(server, sdk):
    import openai

    module = openai if sdk == "openai" else openbeta
    sdk_class = openai.OpenAI if sdk == "openai" else openbeta.OpenBeta
    sandbox_client = sdk_class(base_url=server.base_url, api_key="k", max_retries=0)
    assistant = sandbox_client.beta.assistants.create(model="scripted", tools=[{"type": "code_interpreter"}])
    thread = sandbox_client.beta.threads.create(messages=[{"role": "user", "content": calls(
        "import matplotlib.pyplot as plt\nprint('drawing')\nlines = plt.plot([1, 2])", after="Done.")}])
    seen: list[tuple] = []

    class Handler(module.AssistantEventHandler):
        def on_tool_call_created(self, tool_call):
            seen.append(("created", tool_call.type, tool_call.code_interpreter.input))

        def on_tool_call_delta(self, delta, snapshot):
            body = delta.code_interpreter
            if body.input:
                seen.append(("input", body.input))
            for output in body.outputs or []:
                seen.append(("output", output.type))

        def on_tool_call_done(self, tool_call):
            seen.append(("done", tool_call.code_interpreter.input, [o.type for o in tool_call.code_interpreter.outputs]))

        def on_image_file_done(self, image_file):
            seen.append(("image", image_file.file_id))

    events = []
    with sandbox_client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=Handler()) as stream:
        for event in stream:
            events.append(event.event)
    code = "import matplotlib.pyplot as plt\nprint('drawing')\nlines = plt.plot([1, 2])"
    assert seen[0] == ("created", "code_interpreter", "")
    assert "".join(s[1] for s in seen if s[0] == "input") == code
    assert [s for s in seen if s[0] == "output"] == [("output", "logs"), ("output", "image")]
    assert ("done", code, ["logs", "image"]) in seen
    images = [s for s in seen if s[0] == "image"]
    assert len(images) == 1
    first_step = events.index("thread.run.step.created")
    assert events[first_step:first_step + 3] == ["thread.run.step.created", "thread.run.step.in_progress",
                                                 "thread.run.step.delta"]
    assert events.index("thread.run.step.completed") < events.index("thread.message.created")
    assert events[-1] == "thread.run.completed"
    step = stream.get_final_run_steps()[0]
    outputs = step.step_details.tool_calls[0].code_interpreter.outputs
    assert outputs[0].logs == "drawing" and outputs[1].image.file_id == images[0][1]
    assert "_files" not in step.model_dump_json() and "_output" not in step.model_dump_json()  # server-only keys


def test_math_tutor_quickstart_runs_unchanged(sandbox_client):
    assistant = sandbox_client.beta.assistants.create(
        name="Math Tutor",
        instructions="You are a personal math tutor. Write and run code to answer math questions.",
        tools=[{"type": "code_interpreter"}],
        model="gpt-4o",
    )
    thread = sandbox_client.beta.threads.create()
    sandbox_client.beta.threads.messages.create(thread_id=thread.id, role="user",
                                        content="I need to solve the equation `3x + 11 = 14`. Can you help me?")
    run = sandbox_client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id,
        instructions="Please address the user as Jane Doe. The user has a premium account.")
    assert run.status == "completed"
    messages = sandbox_client.beta.threads.messages.list(thread_id=thread.id)
    assert [m.role for m in messages.data] == ["assistant", "user"]


def test_a_forced_call_without_arguments_and_non_json_code(sandbox_client, assistant):
    thread = sandbox_client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
    run = sandbox_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id,
                                                   tool_choice={"type": "code_interpreter"}, poll_interval_ms=50)
    assert run.status == "completed"
    steps = sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    call = steps[0].step_details.tool_calls[0]
    assert call.type == "code_interpreter" and call.code_interpreter.input == ""
    raw = "SCRIPT: " + '{"tool_calls": [{"name": "python", "arguments": "print(2 ** 10)"}]}'
    sandbox_client.beta.threads.messages.create(thread.id, role="user", content=raw)
    run = sandbox_client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=50)
    steps = sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert logs(steps[0].step_details.tool_calls[0]) == "1024"


def test_file_path_annotations_stream_in_message_deltas(sandbox_client, assistant):
    import openai

    thread = sandbox_client.beta.threads.create(messages=[{"role": "user", "content": calls(
        "open('/mnt/data/report.txt', 'w').write('ok')", after="Get it: sandbox:/mnt/data/report.txt (text).")}])
    streamed: list = []

    class Handler(openai.AssistantEventHandler):
        def on_text_delta(self, delta, snapshot):
            streamed.extend(delta.annotations or [])

    with sandbox_client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id,
                                         event_handler=Handler()) as stream:
        stream.until_done()
    [note] = streamed
    assert note.type == "file_path" and note.text == "sandbox:/mnt/data/report.txt"
    assert (note.start_index, note.end_index) == (8, 36)
    final = stream.get_final_messages()[0].content[0].text
    assert [(a.file_path.file_id, a.start_index) for a in final.annotations] == [(note.file_path.file_id, 8)]
    assert sandbox_client.files.content(note.file_path.file_id).content == b"ok"


@pytest.mark.parametrize("arguments", [
    '{"code": "print(\\"\\u00e9\\\\n\\")\\nx = 1"}',
    'print(1)\nprint(2)',
    '{"code": "12 * 34}}\n</tool_call>\n{" } ',  # broken JSON, as a small model writes it
])
def test_the_streamed_input_adds_up_to_the_recorded_input(arguments):
    from openbeta.server.tools.code_interpreter import code_of, partial_code

    streamed, sent = "", 0
    for end in range(1, len(arguments) + 1):
        code = partial_code(arguments[:end])
        if code is not None and len(code) > sent:
            assert code.startswith(streamed)
            streamed, sent = code, len(code)
    final = code_of(arguments)
    assert final.startswith(streamed) and final


def test_cancelling_a_run_stops_its_running_code_and_keeps_the_variables(sandbox_client, assistant):
    import time

    thread = sandbox_client.beta.threads.create()
    run_code(sandbox_client, assistant, "kept = 'yes'", thread_id=thread.id)
    sandbox_client.beta.threads.messages.create(thread.id, role="user", content=calls("import time\ntime.sleep(60)"))
    run = sandbox_client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    deadline = time.monotonic() + 20
    while not sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # the code is sleeping now
    began = time.monotonic()
    sandbox_client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    while (run := sandbox_client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)).status == "cancelling":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert run.status == "cancelled" and time.monotonic() - began < 5
    [step] = sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert step.status == "cancelled"
    assert "ExecutionCancelled" in logs(step.step_details.tool_calls[0])
    _, [after] = run_code(sandbox_client, assistant, "print(kept)", thread_id=thread.id)
    assert logs(after) == "yes"
