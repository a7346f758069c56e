"""The ``mcp`` tool of responses against a real MCP server (the MCP SDK's ``MCPServer`` over Streamable HTTP,
in a process of its own: ``mcp_server.py``), driven by the official Python SDK on a live server (scripted
model provider), on SQLite and PostgreSQL: tools listed once per response and reused by a follow-up, calls
made by the server, streamed events in OpenAI's order (the SDK's accumulator rebuilds the response),
approvals both ways, ``allowed_tools``, the operator's allow-list (redirects included), a server that hangs,
outputs past the bound, and refused parameters."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from responses_support import SCRIPTED, script

HERE = Path(__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mcp_url():
    """The MCP server's root URL (its endpoint is ``/mcp``)."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "mcp_server.py"), str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(root + "/calls", timeout=1)
            break
        except httpx.HTTPError:
            assert process.poll() is None and time.monotonic() < deadline, "the MCP server did not start"
            time.sleep(0.1)
    yield root
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def server(start_server, mcp_url):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_MCP_ALLOWED_URLS=f"{mcp_url}/mcp,{mcp_url}/redirect/",
                        OPENBETA_MCP_CALL_TIMEOUT="2", OPENBETA_MCP_MAX_OUTPUT_CHARS="1000")


@pytest.fixture(scope="module")
def oa(server):
    with openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0) as client:
        yield client


def calls(mcp_url: str) -> dict[str, int]:
    return httpx.get(mcp_url + "/calls").json()


def tool(mcp_url: str, **more: Any) -> dict[str, Any]:
    return {"type": "mcp", "server_label": "calc", "server_url": f"{mcp_url}/mcp", **more}


def directive(*called: tuple[str, dict[str, Any]], **more: Any) -> str:
    return script(tool_calls=[{"name": name, "arguments": args} for name, args in called], **more)


def test_list_call_and_answer_streamed_in_order(oa, mcp_url):
    before = calls(mcp_url)["n"]
    given = tool(mcp_url, require_approval="never", headers={"X-Token": "secret"})
    with oa.responses.stream(model=SCRIPTED, tools=[given],
                             input=directive(("add", {"a": 2, "b": 3}), after_tools="The sum is 5.")) as stream:
        events = [(e.type, getattr(getattr(e, "item", None), "type", None)) for e in stream]
        final = stream.get_final_response()
    assert events[:13] == [
        ("response.created", None), ("response.in_progress", None),
        ("response.output_item.added", "mcp_list_tools"), ("response.mcp_list_tools.in_progress", None),
        ("response.mcp_list_tools.completed", None), ("response.output_item.done", "mcp_list_tools"),
        ("response.output_item.added", "mcp_call"), ("response.mcp_call.in_progress", None),
        ("response.mcp_call_arguments.delta", None), ("response.mcp_call_arguments.delta", None),
        ("response.mcp_call_arguments.done", None), ("response.mcp_call.completed", None),
        ("response.output_item.done", "mcp_call")]
    assert events[13] == ("response.output_item.added", "message") and events[-1] == ("response.completed", None)
    listed, call, message = final.output
    assert listed.type == "mcp_list_tools" and listed.server_label == "calc" and listed.error is None
    assert [t.name for t in listed.tools] == ["add", "shout", "wait", "repeat"]
    assert listed.tools[0].annotations == {"readOnlyHint": True} and listed.tools[0].input_schema["required"] == ["a", "b"]
    assert (call.type, call.name, call.server_label, json.loads(call.arguments), call.output, call.error,
            call.status) == ("mcp_call", "add", "calc", {"a": 2, "b": 3}, "5", None, "completed")
    assert final.output_text == "The sum is 5." and calls(mcp_url)["n"] == before + 1
    stored = oa.responses.retrieve(final.id)
    # (the stream helper's message carries its ``parsed`` helper field: the MCP items compare whole)
    assert [o.model_dump() for o in stored.output[:2]] == [o.model_dump() for o in final.output[:2]]
    assert stored.output_text == final.output_text and stored.status == final.status
    assert stored.tools[0].type == "mcp" and stored.tools[0].headers is None  # headers are never shown back
    replayed = [e.type for e in oa.responses.retrieve(final.id, stream=True)]
    assert replayed == [t for t, _ in events]


def test_a_follow_up_reuses_the_list_and_the_model_reads_the_call(oa, mcp_url):
    given = tool(mcp_url, require_approval="never")
    first = oa.responses.create(model=SCRIPTED, tools=[given], input=directive(("shout", {"text": "hi"})))
    assert [o.type for o in first.output] == ["mcp_list_tools", "mcp_call", "message"]
    assert first.output[1].output == "HI" and first.output_text == "Tool outputs: HI"
    follow = oa.responses.create(model=SCRIPTED, tools=[given], previous_response_id=first.id,
                                 input=script(reveal=True))
    assert [o.type for o in follow.output] == ["message"]  # no second list
    seen = json.loads(follow.output_text)
    assert set(seen["tools"]) == {"add", "shout", "wait", "repeat"}
    assert any(m.get("role") == "tool" and m.get("content") == "HI" for m in seen["messages"])


def test_a_conversation_lists_once_and_keeps_the_items(oa, mcp_url):
    given = tool(mcp_url, require_approval="never")
    conversation = oa.conversations.create()
    first = oa.responses.create(model=SCRIPTED, tools=[given], conversation=conversation.id,
                                input=directive(("add", {"a": 20, "b": 22})))
    second = oa.responses.create(model=SCRIPTED, tools=[given], conversation=conversation.id,
                                 input=directive(("shout", {"text": "ok"})))
    assert [o.type for o in first.output] == ["mcp_list_tools", "mcp_call", "message"]
    assert [o.type for o in second.output] == ["mcp_call", "message"] and second.output[0].output == "OK"
    items = oa.conversations.items.list(conversation.id, order="asc").data
    assert [i.type for i in items] == ["message", "mcp_list_tools", "mcp_call", "message",
                                       "message", "mcp_call", "message"]
    assert items[2].output == "42" and items[1].id == first.output[0].id


def test_allowed_tools_by_name_and_by_filter(oa, mcp_url):
    named = oa.responses.create(model=SCRIPTED, tools=[tool(mcp_url, allowed_tools=["shout"])],
                                input=script(reveal=True))
    assert [t.name for t in named.output[0].tools] == ["shout"]
    assert json.loads(named.output_text)["tools"] == ["shout"]
    read_only = oa.responses.create(model=SCRIPTED, tools=[tool(mcp_url, allowed_tools={"read_only": True})],
                                    input=script(reveal=True))
    assert [t.name for t in read_only.output[0].tools] == ["add"]


def test_approval_given_runs_the_call_in_the_next_response(oa, mcp_url):
    given = tool(mcp_url)  # require_approval defaults to "always"
    before = calls(mcp_url)["n"]
    asked = oa.responses.create(model=SCRIPTED, tools=[given], input=directive(("add", {"a": 1, "b": 1})))
    assert asked.status == "completed" and [o.type for o in asked.output] == ["mcp_list_tools", "mcp_approval_request"]
    request = asked.output[1]
    assert (request.name, request.server_label, json.loads(request.arguments)) == ("add", "calc", {"a": 1, "b": 1})
    assert calls(mcp_url)["n"] == before  # nothing called yet
    with oa.responses.stream(model=SCRIPTED, tools=[given], previous_response_id=asked.id,
                             input=[{"type": "mcp_approval_response", "approval_request_id": request.id,
                                     "approve": True}]) as stream:
        kinds = [e.type for e in stream]
        done = stream.get_final_response()
    assert [o.type for o in done.output] == ["mcp_call", "message"]
    call = done.output[0]
    assert (call.approval_request_id, call.output, call.status) == (request.id, "2", "completed")
    assert kinds.index("response.mcp_call.completed") < kinds.index("response.output_text.delta")
    assert calls(mcp_url)["n"] == before + 1
    items = oa.responses.input_items.list(done.id)
    assert [(i.type, i.approve) for i in items.data] == [("mcp_approval_response", True)]
    with pytest.raises(openai.BadRequestError) as caught:  # an approval is used once
        oa.responses.create(model=SCRIPTED, tools=[given], previous_response_id=done.id,
                            input=[{"type": "mcp_approval_response", "approval_request_id": request.id,
                                    "approve": True}])
    assert caught.value.body["param"] == "input[0].approval_request_id" and calls(mcp_url)["n"] == before + 1


def test_approval_declined_makes_no_call_and_the_model_is_told(oa, mcp_url):
    given = tool(mcp_url, require_approval="always")
    before = calls(mcp_url)["n"]
    asked = oa.responses.create(model=SCRIPTED, tools=[given],
                                input=directive(("shout", {"text": "x"}), reveal_after_tools=True))
    request = asked.output[-1]
    declined = oa.responses.create(model=SCRIPTED, tools=[given], previous_response_id=asked.id,
                                   input=[{"type": "mcp_approval_response", "approval_request_id": request.id,
                                           "approve": False, "reason": "not now"}])
    assert [o.type for o in declined.output] == ["message"] and calls(mcp_url)["n"] == before
    tool_messages = [m["content"] for m in json.loads(declined.output_text)["messages"] if m["role"] == "tool"]
    assert tool_messages == ["The user did not approve this call (not now); it was not made."]


def test_approval_filter_asks_only_for_the_tools_it_names(oa, mcp_url):
    given = tool(mcp_url, require_approval={"never": {"tool_names": ["add"]}})
    response = oa.responses.create(model=SCRIPTED, tools=[given],
                                   input=directive(("add", {"a": 4, "b": 4}), ("shout", {"text": "q"})))
    assert [o.type for o in response.output] == ["mcp_list_tools", "mcp_call", "mcp_approval_request"]
    assert response.output[1].output == "8" and response.output[2].name == "shout"


def test_an_unknown_approval_request_is_refused(oa, mcp_url):
    with pytest.raises(openai.BadRequestError) as caught:
        oa.responses.create(model=SCRIPTED, tools=[tool(mcp_url)], input=[
            {"type": "mcp_approval_response", "approval_request_id": "mcpr_nope", "approve": True}])
    assert caught.value.body["param"] == "input[0].approval_request_id"


def test_urls_outside_the_allow_list_and_hosted_parameters_are_refused(oa, mcp_url):
    for url in ("http://127.0.0.1:1/mcp", f"{mcp_url}/mcpx", f"{mcp_url}/hidden/mcp", "file:///etc/passwd"):
        with pytest.raises(openai.BadRequestError) as caught:
            oa.responses.create(model=SCRIPTED, input="hi",
                                tools=[{"type": "mcp", "server_label": "x", "server_url": url}])
        assert caught.value.body["param"] == "tools[0].server_url"
        assert "OPENBETA_MCP_ALLOWED_URLS" in caught.value.body["message"]
    for name, value in (("connector_id", "connector_gmail"), ("authorization", "token"), ("defer_loading", True)):
        with pytest.raises(openai.BadRequestError) as caught:
            oa.responses.create(model=SCRIPTED, input="hi", tools=[tool(mcp_url, **{name: value})])
        assert (caught.value.body["param"], caught.value.body["code"]) == (f"tools[0].{name}", "unsupported_parameter")
    with pytest.raises(openai.BadRequestError) as caught:
        oa.responses.create(model=SCRIPTED, input="hi", tools=[tool(mcp_url), tool(mcp_url)])
    assert caught.value.body["param"] == "tools[1].server_label"


@pytest.mark.parametrize(("url", "allowed"), [
    ("http://h:9/mcp", True), ("http://h:9/mcp/", True), ("http://h:9/mcp/sub", True), ("http://H:9/mcp", True),
    ("http://h:9/mcpx", False), ("http://h:9/", False), ("https://h:9/mcp", False), ("http://h:8/mcp", False),
    ("http://h/mcp", False), ("http://h:9/mcp/../hidden", False), ("http://h:9/mcp/%2e%2e/hidden", False),
    ("http://u:p@h:9/mcp", False), ("http://h.evil:9/mcp", False), ("ftp://h:9/mcp", False), ("not a url", False),
    ("http://g:1/tools/a", True), ("http://g:1/toolsx", False), ("http://g:1/tools", False),
])
def test_the_allow_list_matches_prefixes_by_origin_and_whole_path_segments(url, allowed):
    from openbeta.server.tools.mcp import url_allowed

    assert url_allowed(url, ("http://h:9/mcp", "http://g:1/tools/")) is allowed


def test_a_redirect_out_of_the_allow_list_is_not_followed(oa, mcp_url):
    hidden = calls(mcp_url)["hidden"]
    response = oa.responses.create(model=SCRIPTED, input="hi",
                                   tools=[{"type": "mcp", "server_label": "r", "server_url": f"{mcp_url}/redirect/mcp"}])
    assert response.status == "failed" and response.error.code == "mcp_list_tools_failed"
    assert response.output[0].type == "mcp_list_tools"
    assert "/hidden/mcp is not under OPENBETA_MCP_ALLOWED_URLS" in response.output[0].error
    assert calls(mcp_url)["hidden"] == hidden


def test_a_hanging_call_times_out_and_the_item_says_so(oa, mcp_url):
    response = oa.responses.create(model=SCRIPTED, tools=[tool(mcp_url, require_approval="never")],
                                   input=directive(("wait", {"seconds": 30})))
    call = response.output[1]
    assert call.status == "failed" and call.output is None
    assert call.error.type == "http_error" and call.error.code == 504
    assert "OPENBETA_MCP_CALL_TIMEOUT" in call.error.message
    assert response.status == "completed" and "did not answer within 2 seconds" in response.output_text


def test_an_oversized_output_is_cut_with_a_note_and_a_tool_error_is_an_error(oa, mcp_url):
    response = oa.responses.create(model=SCRIPTED, tools=[tool(mcp_url, require_approval="never")],
                                   input=directive(("repeat", {"text": "ab", "times": 5000}), ("add", {"a": "x"})))
    cut, failed = response.output[1], response.output[2]
    assert cut.output.startswith("ab" * 500) and len(cut.output) < 1100
    assert cut.output.endswith("[output truncated: 9000 more characters not shown]")
    assert failed.status == "failed" and failed.error.type == "mcp_tool_execution_error" and failed.output is None


def test_the_readme_example_runs(oa, mcp_url):
    from test_responses_readme import blocks

    (block,) = blocks(mcp=True)
    scope: dict[str, Any] = {"client": oa}
    exec(compile(block.replace("http://127.0.0.1:9000", mcp_url), "README.md", "exec"), scope)  # noqa: S102
    # the scripted model answers without calling the tool: the list is made once, then reused
    assert [item.type for item in scope["response"].output] == ["mcp_list_tools", "message"]
    assert [t.name for t in scope["response"].output[0].tools] == ["add"]
    assert [item.type for item in scope["more"].output] == ["message"]
    assert [item.type for item in scope["asked"].output] == ["mcp_list_tools", "message"]


def test_with_no_allowed_urls_every_mcp_tool_is_refused(start_server, mcp_url):
    closed = start_server(OPENBETA_PROVIDER="scripted")
    with openai.OpenAI(base_url=closed.base_url, api_key="k", max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as caught:
            client.responses.create(model=SCRIPTED, input="hi", tools=[
                {"type": "function", "name": "f"}, tool(mcp_url)])
    assert caught.value.body["param"] == "tools[1].server_url"
    assert "OPENBETA_MCP_ALLOWED_URLS, which is empty" in caught.value.body["message"]


def test_a_list_past_the_bound_fails_and_an_answer_past_the_byte_bound_fails_the_call(start_server, mcp_url):
    small = start_server(OPENBETA_PROVIDER="scripted", OPENBETA_MCP_ALLOWED_URLS=f"{mcp_url}/mcp",
                         OPENBETA_MCP_MAX_TOOLS="3", OPENBETA_MCP_MAX_RESPONSE_BYTES="4000")
    with openai.OpenAI(base_url=small.base_url, api_key="k", max_retries=0) as client:
        too_many = client.responses.create(model=SCRIPTED, input="hi", tools=[tool(mcp_url)])
        assert too_many.status == "failed" and too_many.error.code == "mcp_list_tools_failed"
        assert "OPENBETA_MCP_MAX_TOOLS" in too_many.error.message and "4 tools" in too_many.output[0].error
        narrowed = tool(mcp_url, allowed_tools=["repeat", "add"], require_approval="never")
        response = client.responses.create(model=SCRIPTED, tools=[narrowed], input=directive(
            ("repeat", {"text": "abcd", "times": 2000}), ("add", {"a": 1, "b": 2})))
    big, fine = response.output[1], response.output[2]
    assert big.status == "failed" and (big.error.type, big.error.code) == ("http_error", 413)
    assert "OPENBETA_MCP_MAX_RESPONSE_BYTES" in big.error.message and big.output is None
    assert fine.output == "3" and response.status == "completed"
