"""The ChatKit REST face (``client.beta.chatkit``) through the official SDK and openbeta's (sync and async):
sessions and their secrets, thread lists with ``user`` and paging, retrieve, delete, every item type, 404s."""

from __future__ import annotations

import time
import warnings
from datetime import datetime, timezone

import pytest

chatkit_types = pytest.importorskip("chatkit.types")
from chatkit_helpers import backing_thread, new_thread, script, user_input  # noqa: E402



@pytest.fixture(scope="module")
def rest(sdk, ck_server):
    return sdk.client(ck_server)


def test_session_create_resolves_defaults_and_echoes_the_workflow(rest, assistant, user):
    before = int(time.time())
    session = rest.beta.chatkit.sessions.create(
        user=user, workflow={"id": assistant, "version": "7", "state_variables": {"city": "Paris", "vip": True, "n": 2},
                             "tracing": {"enabled": False}})
    assert session.id.startswith("cksess_") and session.object == "chatkit.session"
    assert session.status == "active" and session.user == user
    assert isinstance(session.client_secret, str) and len(session.client_secret) > 32
    assert before + 600 <= session.expires_at <= int(time.time()) + 600
    workflow = session.workflow
    assert (workflow.id, workflow.version, workflow.state_variables) == (assistant, "7",
                                                                        {"city": "Paris", "vip": True, "n": 2})
    tracing = workflow.tracing
    assert (tracing["enabled"] if isinstance(tracing, dict) else tracing.enabled) is False
    assert session.max_requests_per_1_minute == 10
    limits = session.rate_limits
    assert (limits["max_requests_per_1_minute"] if isinstance(limits, dict) else limits.max_requests_per_1_minute) == 10
    config = session.chatkit_configuration
    config = config if isinstance(config, dict) else config.model_dump()
    assert config == {"automatic_thread_titling": {"enabled": True},
                      "file_upload": {"enabled": False, "max_file_size": 512, "max_files": 10},
                      "history": {"enabled": True, "recent_threads": None}}


def test_session_overrides_and_cancel(rest, assistant, user, errors):
    session = rest.beta.chatkit.sessions.create(
        user=user, workflow={"id": assistant}, expires_after={"anchor": "created_at", "seconds": 60},
        rate_limits={"max_requests_per_1_minute": 3},
        chatkit_configuration={"file_upload": {"enabled": True, "max_files": 2}, "history": {"recent_threads": 5},
                               "automatic_thread_titling": {"enabled": False}})
    assert session.expires_at <= int(time.time()) + 60 and session.max_requests_per_1_minute == 3
    assert session.workflow.version is None and session.workflow.state_variables is None
    config = session.chatkit_configuration
    config = config if isinstance(config, dict) else config.model_dump()
    assert config["file_upload"] == {"enabled": True, "max_file_size": 512, "max_files": 2}
    assert config["history"] == {"enabled": True, "recent_threads": 5}
    assert config["automatic_thread_titling"] == {"enabled": False}
    cancelled = rest.beta.chatkit.sessions.cancel(session.id)
    assert (cancelled.id, cancelled.status) == (session.id, "cancelled")
    assert cancelled.client_secret != session.client_secret  # only create shows the secret
    assert rest.beta.chatkit.sessions.cancel(session.id).status == "cancelled"
    with pytest.raises(errors.NotFoundError):
        rest.beta.chatkit.sessions.cancel("cksess_missing")


def test_session_errors(rest, assistant, user, errors):
    with pytest.raises(errors.NotFoundError) as missing:
        rest.beta.chatkit.sessions.create(user=user, workflow={"id": "asst_missing"})
    assert missing.value.param == "workflow.id"
    for bad, param in [({"expires_after": {"anchor": "created_at", "seconds": 601}}, "expires_after.seconds"),
                       ({"rate_limits": {"max_requests_per_1_minute": 0}}, "rate_limits.max_requests_per_1_minute"),
                       ({"chatkit_configuration": {"file_upload": {"max_file_size": 513}}},
                        "chatkit_configuration.file_upload.max_file_size")]:
        with pytest.raises(errors.BadRequestError) as invalid:
            rest.beta.chatkit.sessions.create(user=user, workflow={"id": assistant}, **bad)
        assert invalid.value.status_code == 400 and invalid.value.param == param


def test_threads_list_by_user_with_paging(rest, open_protocol, assistant, user, oai):
    _, protocol = open_protocol(assistant, user)
    made = [new_thread(protocol, f"thread {i}")[0] for i in range(3)]
    _, other = open_protocol(assistant, user + "-other")
    theirs, _ = new_thread(other, "not yours")

    page = rest.beta.chatkit.threads.list(user=user, limit=2)
    assert [t.id for t in page.data] == made[::-1][:2] and page.has_more
    assert page.last_id == made[1]
    assert [t.id for t in rest.beta.chatkit.threads.list(user=user, limit=2)] == made[::-1]  # walks every page
    assert [t.id for t in rest.beta.chatkit.threads.list(user=user, order="asc", limit=1)] == made
    everyone = [t.id for t in oai.beta.chatkit.threads.list(limit=100)]
    assert set(made) | {theirs} <= set(everyone)
    thread = rest.beta.chatkit.threads.retrieve(made[0])
    assert (thread.object, thread.user, thread.title) == ("chatkit.thread", user, "thread 0")
    assert thread.status == {"type": "active"} or thread.status.type == "active"
    assert abs(thread.created_at - time.time()) < 60


def test_delete_removes_the_backing_thread_and_its_runs(rest, open_protocol, assistant, user, ck_db, oai, errors):
    _, protocol = open_protocol(assistant, user)
    thread_id, _ = new_thread(protocol)
    backing = backing_thread(ck_db, thread_id)
    assert oai.beta.threads.runs.list(backing).data
    deleted = rest.beta.chatkit.threads.delete(thread_id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread_id, "chatkit.thread.deleted", True)
    with pytest.raises(errors.NotFoundError):
        rest.beta.chatkit.threads.retrieve(thread_id)
    import openai
    with pytest.raises(openai.NotFoundError):
        oai.beta.threads.retrieve(backing)
    assert protocol.post("threads.get_by_id", {"thread_id": thread_id}).status_code == 404


def test_not_found(rest, errors):
    for call in (lambda: rest.beta.chatkit.threads.retrieve("cthr_missing"),
                 lambda: rest.beta.chatkit.threads.delete("cthr_missing"),
                 lambda: list(rest.beta.chatkit.threads.list_items("cthr_missing"))):
        with pytest.raises(errors.NotFoundError):
            call()


def _seed_items(db, thread_id: str, user: str) -> None:
    """Items the protocol library can write but openbeta's runs do not make (widgets, tasks, workflows)."""
    from openbeta.server.chatkit.threads import ChatKitThreads
    from openbeta.server.services.threads import ThreadService
    from openbeta.server.store.tables import DEFAULT_PROJECT_ID
    from chatkit.widgets import Card, Text

    t = chatkit_types
    now = datetime.now(timezone.utc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # named widget classes, instead of a .widget file
        widget = Card(children=[Text(value="Sunny")])
    items = [
        t.WidgetItem(id="cthi_widget_" + thread_id[-6:], thread_id=thread_id, created_at=now, widget=widget),
        t.TaskItem(id="cthi_task_" + thread_id[-6:], thread_id=thread_id, created_at=now,
                   task=t.ThoughtTask(title="Thinking", content="About the weather")),
        t.WorkflowItem(id="cthi_flow_" + thread_id[-6:], thread_id=thread_id, created_at=now,
                       workflow=t.Workflow(type="custom", tasks=[t.CustomTask(title="Look up", content="Found it"),
                                                                 t.ThoughtTask(title="Think", content="Done")])),
        t.EndOfTurnItem(id="cthi_end_" + thread_id[-6:], thread_id=thread_id, created_at=now),
    ]
    threads = ChatKitThreads(db, ThreadService(db), files=None)  # type: ignore[arg-type]
    for item in items:
        threads.save_item(DEFAULT_PROJECT_ID, thread_id, user, item.model_dump(mode="json"))


def test_list_items_shows_every_item_type(rest, sdk, open_protocol, assistant, user, ck_db):
    _, protocol = open_protocol(assistant, user)
    thread_id, _ = new_thread(protocol, script(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}]))
    protocol.stream("threads.add_client_tool_output", {"thread_id": thread_id, "result": {"temp": 3}})
    quoted = user_input("And tomorrow?", tool_choice={"id": "get_weather"}, model="scripted-2")
    quoted["quoted_text"] = "Oslo"
    protocol.stream("threads.add_user_message", {"thread_id": thread_id, "input": quoted})
    _seed_items(ck_db, thread_id, user)

    items = list(rest.beta.chatkit.threads.list_items(thread_id, order="asc", limit=3))
    kinds = [item.type for item in items]
    assert kinds == ["chatkit.user_message", "chatkit.client_tool_call", "chatkit.assistant_message",
                     "chatkit.user_message", "chatkit.client_tool_call", "chatkit.widget", "chatkit.task",
                     "chatkit.task_group"]  # end_of_turn has no REST form
    assert all(i.object == "chatkit.thread_item" and i.thread_id == thread_id and i.id.startswith("cthi_")
               for i in items)
    first, call, answer, second, forced, widget, task, group = items
    if sdk.name.startswith("openbeta"):  # each type parses as its own model, as in the official SDK
        from openbeta.types.beta import chatkit as types

        assert [type(i) for i in items] == [
            types.ChatKitThreadUserMessageItem, types.ChatKitClientToolCallItem,
            types.ChatKitThreadAssistantMessageItem, types.ChatKitThreadUserMessageItem,
            types.ChatKitClientToolCallItem, types.ChatKitWidgetItem, types.ChatKitTaskItem,
            types.ChatKitTaskGroupItem]

    def field(obj, name):
        return obj[name] if isinstance(obj, dict) else getattr(obj, name)

    assert [field(c, "type") for c in first.content] == ["input_text"] and first.attachments == []
    assert call.name == "get_weather" and call.status == "completed" and call.call_id.startswith("call_")
    assert call.arguments == '{"city":"Oslo"}' or call.arguments.replace(" ", "") == '{"city":"Oslo"}'
    assert call.output.replace(" ", "") == '{"temp":3}'
    assert field(answer.content[0], "type") == "output_text"
    assert field(answer.content[0], "text").replace(" ", "") == 'Tooloutputs:{"temp":3}'
    assert [(field(c, "type"), field(c, "text")) for c in second.content] == [("quoted_text", "Oslo"),
                                                                               ("input_text", "And tomorrow?")]
    options = second.inference_options
    assert field(field(options, "tool_choice"), "id") == "get_weather" and field(options, "model") == "scripted-2"
    assert forced.status == "in_progress" and forced.output is None  # the forced call awaits its output
    assert '"Sunny"' in widget.widget and widget.widget.startswith("{")
    assert (task.task_type, task.heading, task.summary) == ("thought", "Thinking", "About the weather")
    assert [(field(t, "type"), field(t, "heading"), field(t, "summary")) for t in group.tasks] == [
        ("custom", "Look up", "Found it"), ("thought", "Think", "Done")]

    newest = rest.beta.chatkit.threads.list_items(thread_id, limit=2)
    assert [i.type for i in newest.data] == ["chatkit.task_group", "chatkit.task"] and newest.has_more
