"""The Responses and Conversations wire types against the contract: their fields are the spec's (or the
Open Responses schema's, which requires a few more), the objects they render validate with the official
SDK's models, and request models take what the SDK sends."""

from __future__ import annotations

import json

import pytest
from openai.types.conversations import Conversation as SDKConversation
from openai.types.conversations import ConversationDeletedResource
from openai.types.responses import Response as SDKResponse
from openai.types.responses import ResponseItemList as SDKItemList
from pydantic import ValidationError

from openbeta.server.responses.render import render_response
from openbeta.types.conversations import (Conversation, ConversationDeleted, ConversationItemList,
                                          ConversationUpdateParams)
from openbeta.types.responses import (CompactedResponse, Compaction, CompactParams, Response, ResponseCreateParams,
                                      ResponseItemList)
from server_process import SPEC_DIR

SPEC = SPEC_DIR / "openapi-responses.json"
#: Fields the Open Responses schema requires that OpenAI's ``Response`` does not declare.
OPEN_RESPONSES_ONLY = {"presence_penalty", "frequency_penalty", "store"}


def spec_properties(name: str) -> set[str]:
    schemas = json.loads(SPEC.read_text())["components"]["schemas"]

    def walk(schema: dict) -> set[str]:
        found = set(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            found |= walk(schemas[part["$ref"].split("/")[-1]]) if "$ref" in part else walk(part)
        return found
    return walk(schemas[name])


@pytest.mark.skipif(not SPEC.exists(), reason="the trimmed OpenAPI spec is not on this machine")
@pytest.mark.parametrize(("ours", "theirs"), [
    (Response, "Response"), (Conversation, "ConversationResource"),
    (ConversationDeleted, "DeletedConversationResource"), (ResponseItemList, "ResponseItemList"),
    (ConversationItemList, "ConversationItemList"), (CompactedResponse, "CompactResource"),
    (Compaction, "CompactionBody"),
])
def test_object_fields_are_the_specs(ours, theirs):
    assert set(ours.model_fields) - spec_properties(theirs) - OPEN_RESPONSES_ONLY == set()


@pytest.mark.skipif(not SPEC.exists(), reason="the trimmed OpenAPI spec is not on this machine")
def test_create_params_are_the_specs_and_the_sdks():
    from openai.types.responses.response_create_params import ResponseCreateParamsBase
    sent = set(ResponseCreateParamsBase.__annotations__)
    assert set(ResponseCreateParams.model_fields) <= spec_properties("CreateResponse") | sent
    assert sent <= set(ResponseCreateParams.model_fields)  # everything the SDK may send parses


@pytest.mark.skipif(not SPEC.exists(), reason="the trimmed OpenAPI spec is not on this machine")
def test_compact_params_are_the_specs_and_the_sdks():
    from openai.types.responses.response_compact_params import ResponseCompactParams
    sent = set(ResponseCompactParams.__annotations__)
    assert set(CompactParams.model_fields) <= spec_properties("CompactResponseMethodPublicBody") | sent
    assert sent <= set(CompactParams.model_fields)


def run(**changes):
    body = {"id": "resp_1", "created_at": 1700000000, "status": "completed", "model": "m", "instructions": None,
            "metadata": {}, "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            "completed_at": 1700000001, "last_error": None, "_response": {}}
    body.update(changes)
    return body


@pytest.mark.parametrize("status", ["queued", "in_progress", "completed", "incomplete", "failed", "cancelled",
                                    "cancelling"])
def test_a_rendered_response_validates_with_the_sdk_in_every_state(status):
    rendered = render_response(run(status=status, last_error={"code": "server_error", "message": "x"}), [])
    parsed = SDKResponse.model_validate(rendered)
    assert parsed.status == ("cancelled" if status == "cancelling" else status)
    assert set(Response.model_fields) <= set(rendered)  # every field is sent, null or not
    assert (parsed.error is not None) == (status == "failed")
    assert (parsed.completed_at is not None) == (status == "completed")
    assert (parsed.incomplete_details is not None) == (status == "incomplete")
    assert rendered["output"] == [] and "output_text" not in rendered


def test_lists_and_conversations_validate_with_the_sdk():
    items = [{"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}",
              "status": "completed"}]
    page = ResponseItemList(data=items, first_id="fc_1", last_id="fc_1").to_dict()
    assert SDKItemList.model_validate(page).data[0].call_id == "call_1"
    conversation = Conversation(id="conv_1", created_at=1, metadata={"a": "b"}).to_dict()
    assert SDKConversation.model_validate(conversation).metadata == {"a": "b"}
    assert ConversationDeletedResource.model_validate(ConversationDeleted(id="conv_1").to_dict()).deleted


def test_update_needs_metadata():
    with pytest.raises(ValidationError):
        ConversationUpdateParams.model_validate({})
    assert ConversationUpdateParams.model_validate({"metadata": {"k": "v"}}).metadata == {"k": "v"}
