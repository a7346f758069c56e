import openai


def test_official_sdk_reaches_the_server(live_server):
    client = openai.OpenAI(base_url=live_server.base_url, api_key="test")
    assistant = client.beta.assistants.create(model="m", name="first")
    assert client.beta.assistants.retrieve(assistant.id).name == "first"
