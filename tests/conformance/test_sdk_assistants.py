"""Assistants through an SDK: create, retrieve, modify, list, delete."""

from __future__ import annotations


def test_assistant_lifecycle(client):
    data = client.files.create(file=("data.csv", b"a,b\n1,2\n"), purpose="assistants")
    created = client.beta.assistants.create(
        model="gpt-4o",
        name="Tutor",
        description="Helps with maths",
        instructions="Be brief.",
        tools=[
            {"type": "code_interpreter"},
            {"type": "file_search"},
            {"type": "function", "function": {"name": "lookup", "description": "Find a word",
                                              "parameters": {"type": "object", "properties": {"q": {"type": "string"}},
                                                             "required": ["q"]}}},
        ],
        tool_resources={"code_interpreter": {"file_ids": [data.id]}},
        metadata={"owner": "tests"},
        temperature=0.5,
        top_p=0.8,
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}},
    )
    assert created.id.startswith("asst_") and created.object == "assistant"
    assert (created.name, created.description, created.instructions) == ("Tutor", "Helps with maths", "Be brief.")
    assert [t.type for t in created.tools] == ["code_interpreter", "file_search", "function"]
    assert created.tools[2].function.name == "lookup"
    assert created.tools[2].function.parameters["required"] == ["q"]
    assert created.tool_resources.code_interpreter.file_ids == [data.id]
    assert created.metadata == {"owner": "tests"}
    assert (created.temperature, created.top_p) == (0.5, 0.8)
    assert created.response_format.type == "json_schema" and created.response_format.json_schema.name == "answer"

    fetched = client.beta.assistants.retrieve(created.id)
    assert fetched.model_dump() == created.model_dump()

    updated = client.beta.assistants.update(created.id, name="Tutor 2", tools=[], metadata={"owner": "x"})
    assert (updated.name, updated.tools, updated.metadata) == ("Tutor 2", [], {"owner": "x"})
    assert updated.instructions == "Be brief." and updated.model == "gpt-4o"

    listed = [a.id for a in client.beta.assistants.list(limit=100)]
    assert created.id in listed

    deleted = client.beta.assistants.delete(created.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (created.id, "assistant.deleted", True)
    assert created.id not in [a.id for a in client.beta.assistants.list(limit=100)]


def test_assistant_defaults(client):
    created = client.beta.assistants.create(model="m")
    assert created.name is None and created.instructions is None and created.description is None
    assert created.tools == [] and created.metadata == {}
    assert created.response_format == "auto"
    assert isinstance(created.created_at, int)
