"""Nothing stored is lost on restart: a new server on the same data reads everything back."""

from __future__ import annotations


def test_objects_survive_restart(sdk, start_server):
    first = start_server(OPENBETA_PROVIDER="scripted")
    client = sdk.client(first)
    assistant = client.beta.assistants.create(model="m", name="durable", metadata={"k": "v"})
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "remember me ✓"}],
                                        metadata={"t": "1"})
    msg = client.beta.threads.messages.create(thread.id, role="assistant", content="noted")
    client.beta.threads.messages.update(msg.id, thread_id=thread.id, metadata={"edited": "yes"})
    before = (client.beta.assistants.retrieve(assistant.id).model_dump(),
              client.beta.threads.retrieve(thread.id).model_dump(),
              [m.model_dump() for m in client.beta.threads.messages.list(thread.id)])
    first.stop()

    same_db = {k: v for k, v in first.env.items() if k == "OPENBETA_DATABASE_URL"}
    second = start_server(data_dir=first.data_dir, OPENBETA_PROVIDER="scripted", **same_db)
    client = sdk.client(second)
    after = (client.beta.assistants.retrieve(assistant.id).model_dump(),
             client.beta.threads.retrieve(thread.id).model_dump(),
             [m.model_dump() for m in client.beta.threads.messages.list(thread.id)])
    assert after == before
    assert after[2][0]["metadata"] == {"edited": "yes"}
    assert after[2][1]["content"][0]["text"]["value"] == "remember me ✓"
