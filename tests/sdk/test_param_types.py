"""Code that imports the official SDK's request-parameter types imports them from openbeta under
the same names, and a dict shaped by the official type validates with openbeta's model of it
(which is the model the server checks requests with)."""

from __future__ import annotations

import typing

import openai.types.beta as official_beta
import openai.types.beta.threads as official_threads
import openai.types.beta.threads.runs as official_runs
import pytest
from pydantic import BaseModel, ValidationError

import openbeta.types.beta as beta
import openbeta.types.beta.threads as threads
import openbeta.types.beta.threads.runs as runs

#: Ids the official types carry that travel in the URL, not the body or query.
PATH_PARAMS = {"thread_id", "run_id"}
#: Fields of a body's official type that travel in the query (``include[]`` of a run's create).
QUERY_OF_BODY = {"RunCreateParams": {"include"}}
#: The families openbeta serves (the official module holds other families' types too).
SERVED = ("Assistant", "Thread", "CodeInterpreterTool", "FileSearchTool", "FunctionTool")

MODULES = [(official_beta, beta, SERVED), (official_threads, threads, None), (official_runs, runs, None)]


def _names(module, prefixes):
    return sorted(n for n in dir(module) if n.endswith(("Params", "Param"))
                  and (prefixes is None or n.startswith(prefixes)))


@pytest.mark.parametrize("official,ours,prefixes", MODULES, ids=["beta", "beta.threads", "beta.threads.runs"])
def test_every_request_parameter_type_is_importable_under_its_name(official, ours, prefixes):
    names = _names(official, prefixes)
    assert len(names) >= 10 if official is not official_runs else len(names) == 2
    assert [n for n in names if not hasattr(ours, n)] == []
    assert set(names) <= set(ours.__all__)


def _keys(typed) -> set[str]:
    """The fields of an official TypedDict (of its first member when it is a union)."""
    members = typing.get_args(typed) or (typed,)
    return set(typing.get_type_hints(members[0]))


@pytest.mark.parametrize("official,ours,prefixes", MODULES, ids=["beta", "beta.threads", "beta.threads.runs"])
def test_every_field_of_the_official_parameters_is_a_field_of_ours(official, ours, prefixes):
    checked = 0
    for name in _names(official, prefixes):
        model = getattr(ours, name)
        if not (name.endswith("Params") and isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        missing = _keys(getattr(official, name)) - PATH_PARAMS - QUERY_OF_BODY.get(name, set()) - set(model.model_fields)
        assert not missing, f"{name} lacks {sorted(missing)}"
        checked += 1
    assert checked >= 2


def test_a_dict_built_to_the_official_type_validates_as_the_server_would():
    params: official_beta.ThreadCreateAndRunParams = {
        "assistant_id": "asst_1",
        "thread": {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}],
                                 "attachments": [{"file_id": "file-1", "tools": [{"type": "file_search"}]}]}],
                   "tool_resources": {"file_search": {"vector_store_ids": ["vs_1"]}}},
        "tool_resources": {"code_interpreter": {"file_ids": ["file-2"]}},
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "truncation_strategy": {"type": "last_messages", "last_messages": 4},
    }
    parsed = beta.ThreadCreateAndRunParams.model_validate(params)
    assert parsed.thread.messages[0].content[0].text == "hi"
    assert parsed.tool_choice.function.name == "get_weather"
    with pytest.raises(ValidationError):
        beta.ThreadCreateAndRunParams.model_validate({**params, "temperature": 3})
    with pytest.raises(ValidationError):
        threads.MessageCreateParams.model_validate({"role": "system", "content": "x"})
    assert runs.StepListParams.model_validate({"include": [
        "step_details.tool_calls[*].file_search.results[*].content"]}).limit == 20


def test_realtime_session_parameter_types_are_the_models_the_server_validates_with():
    import openai.types.beta.realtime as official_realtime

    import openbeta.types.beta.realtime as realtime
    from openbeta.types.realtime_params import BetaSessionParams, BetaTranscriptionSessionParams

    for name in ("SessionCreateParams", "TranscriptionSessionCreateParams"):
        assert hasattr(official_realtime, name) and name in realtime.__all__
    assert realtime.SessionCreateParams is BetaSessionParams
    assert realtime.TranscriptionSessionCreateParams is BetaTranscriptionSessionParams
    given = {"model": "gpt-realtime", "modalities": ["text"], "turn_detection": {"type": "server_vad"}}
    assert realtime.SessionCreateParams.model_validate(given).given()["turn_detection"] == {"type": "server_vad"}
    with pytest.raises(ValidationError):
        realtime.SessionCreateParams.model_validate({"modalities": ["smell"]})
