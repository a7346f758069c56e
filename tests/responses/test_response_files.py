"""``input_file`` parts: the model reads the file's text (read when the message is stored, with the
parsers file_search uses), the API shows the part as it was sent, and a file that is missing, too large
or yields no text is refused naming the part. Scripted provider, every SDK, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from responses_support import SCRIPTED, script

NOTE = "The harbour opens at six. The secret word is marmalade."


def revealed(response: Any) -> list[dict[str, Any]]:
    return json.loads(response.output_text)["messages"]


@pytest.fixture(scope="module")
def note_file(live_server) -> str:
    import openai

    uploader = openai.OpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)
    return uploader.files.create(file=("harbour-notes.txt", NOTE.encode()), purpose="user_data").id


def with_file(file_id: str, text: str = "Read this.") -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "input_text", "text": text},
                                        {"type": "input_file", "file_id": file_id, "filename": "notes.txt"}]}


def test_the_model_reads_the_file_and_the_api_shows_the_part_as_sent(client, note_file):
    response = client.responses.create(model=SCRIPTED, input=[with_file(note_file),
                                                              {"role": "user", "content": script(reveal=True)}])
    first = revealed(response)[0]
    assert first["role"] == "user"
    assert f"[attached file: {note_file} (notes.txt)]\n{NOTE}\n[end of file]" in first["content"]
    items = client.responses.input_items.list(response.id, order="asc").data
    part = items[0].content[1].model_dump(exclude_none=True)
    assert part == {"type": "input_file", "file_id": note_file, "filename": "notes.txt"}
    # a follow-up reads the stored message's text again (it was kept when the message was stored)
    follow = client.responses.create(model=SCRIPTED, previous_response_id=response.id, input=script(reveal=True))
    assert NOTE in revealed(follow)[0]["content"]


def test_a_conversation_item_and_an_item_reference_carry_the_text(client, note_file):
    conversation = client.conversations.create(items=[with_file(note_file, "Keep this.")])
    (stored,) = client.conversations.items.list(conversation.id).data
    assert stored.content[1].model_dump(exclude_none=True) == {
        "type": "input_file", "file_id": note_file, "filename": "notes.txt"}
    answer = client.responses.create(model=SCRIPTED, conversation=conversation.id, input=script(reveal=True))
    assert NOTE in revealed(answer)[0]["content"]
    referenced = client.responses.create(model=SCRIPTED, input=[{"type": "item_reference", "id": stored.id},
                                                                {"role": "user", "content": script(reveal=True)}])
    assert NOTE in revealed(referenced)[0]["content"]


def test_input_tokens_count_the_file(client, note_file):
    plain = client.responses.input_tokens.count(model=SCRIPTED, input=[with_file(note_file)])
    bare = client.responses.input_tokens.count(model=SCRIPTED, input="Read this.")
    assert plain.input_tokens > bare.input_tokens + 10


def test_files_that_cannot_be_read_are_refused_by_part(client, errors, live_server):
    import openai

    uploader = openai.OpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)
    binary = uploader.files.create(file=("pixel.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
                                   purpose="user_data").id
    for file_id, code in (("file-missing", "invalid_value"), (binary, "unsupported_file")):
        with pytest.raises(errors.BadRequestError) as refused:
            client.responses.create(model=SCRIPTED, input=[with_file(file_id)])
        assert refused.value.body["param"] == "input[0].content[1].file_id", refused.value.body
        assert refused.value.body["code"] == code
        with pytest.raises(errors.BadRequestError) as refused:
            client.conversations.create(items=[with_file(file_id)])
        assert refused.value.body["param"] == "items[0].content[1].file_id"


def test_a_long_file_is_cut_with_a_note(client, live_server):
    import openai

    from openbeta.server.services.file_texts import MAX_TEXT_CHARS

    uploader = openai.OpenAI(base_url=live_server.base_url, api_key="test-key", max_retries=0)
    long = uploader.files.create(file=("long.txt", b"word " * (MAX_TEXT_CHARS // 4)), purpose="user_data").id
    response = client.responses.create(model=SCRIPTED, input=[with_file(long),
                                                              {"role": "user", "content": script(reveal=True)}])
    content = revealed(response)[0]["content"]
    assert f"its text is longer than {MAX_TEXT_CHARS} characters" in content
    assert len(content) < MAX_TEXT_CHARS + 500
