"""``client.responses.input_tokens``: count the tokens a request would give the model (nothing stored)."""

from __future__ import annotations

from typing_extensions import Unpack

from ....types.responses import InputTokens as InputTokensObject
from ..._request import split_options
from ..._resource import APIResource, awaitable
from ..._types import given
from .responses_args import InputTokenCountArgs


class InputTokens(APIResource):
    def count(self, **params: Unpack[InputTokenCountArgs]) -> InputTokensObject:
        fields, options = split_options(params)
        return self._call("POST", "responses/input_tokens", options, cast_to=InputTokensObject,
                          body=given(**fields))


class AsyncInputTokens(InputTokens):
    count = awaitable(InputTokens.count)  # type: ignore[assignment]
