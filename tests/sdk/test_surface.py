"""The SDK's resource tree, method names and keyword parameters match the official SDK's."""

from __future__ import annotations

import inspect
import typing

import pytest
import typing_extensions

openai = pytest.importorskip("openai")

from openbeta import AsyncOpenBeta, OpenBeta  # noqa: E402
from openbeta.client._request import OPTION_KEYS  # noqa: E402

PATHS = [
    "beta.assistants", "beta.threads", "beta.threads.messages", "beta.threads.runs", "beta.threads.runs.steps",
    "beta.realtime", "beta.realtime.sessions", "beta.realtime.transcription_sessions", "beta.chatkit.sessions",
    "beta.chatkit.threads", "files", "vector_stores", "vector_stores.files", "vector_stores.file_batches",
    "responses", "responses.input_items", "responses.input_tokens", "conversations", "conversations.items",
]
#: Methods of the official SDK this one leaves out, because the server does not serve what they call (the README's
#: compatibility table lists it).
NOT_SERVED: dict[str, set[str]] = {}
IGNORED = {"self", "extra_headers", "extra_query", "extra_body", "timeout"}


def resolve(root, path: str):
    for name in path.split("."):
        root = getattr(root, name)
    return root


def methods(resource) -> set[str]:
    return {name for name, _ in inspect.getmembers(type(resource), callable)
            if not name.startswith("_") and not name.startswith("with_")}


def parameter_names(fn) -> set[str]:
    names = set()
    hints = typing.get_type_hints(fn, include_extras=True)
    for param in inspect.signature(fn).parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            hint = hints.get(param.name)
            if hint is not None and typing.get_origin(hint) in (typing.Unpack, typing_extensions.Unpack):
                names |= set(typing.get_args(hint)[0].__annotations__) - OPTION_KEYS
        elif param.name not in IGNORED:
            names.add(param.name)
    return names


@pytest.mark.parametrize("path", PATHS)
def test_same_methods_and_parameters_as_the_official_sdk(path: str) -> None:
    official = resolve(openai.OpenAI(api_key="x", base_url="http://127.0.0.1:9/v1"), path)
    ours = resolve(OpenBeta(base_url="http://127.0.0.1:9/v1"), path)
    missing = methods(official) - methods(ours) - NOT_SERVED.get(path, set())
    assert not missing, f"{path}: missing {missing}"
    for name in methods(official) - NOT_SERVED.get(path, set()):
        expected = parameter_names(getattr(type(official), name))
        got = parameter_names(getattr(type(ours), name))
        assert expected <= got, f"{path}.{name}: missing parameters {expected - got}"


@pytest.mark.parametrize("path", PATHS)
def test_async_tree_mirrors_the_sync_tree(path: str) -> None:
    sync = resolve(OpenBeta(base_url="http://127.0.0.1:9/v1"), path)
    async_ = resolve(AsyncOpenBeta(base_url="http://127.0.0.1:9/v1"), path)
    assert type(async_).__name__ == "Async" + type(sync).__name__ or type(async_).__name__.startswith("Async")
    assert isinstance(async_, type(sync)) and methods(sync) <= methods(async_)
    raw = resolve(OpenBeta(base_url="http://127.0.0.1:9/v1").with_raw_response, path)
    assert raw._mode == "raw" and type(raw) is type(sync)
