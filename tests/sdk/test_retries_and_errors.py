"""Retries, backoff, Retry-After and error mapping, with ``httpx.MockTransport``."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

import openbeta
from openbeta import OpenBeta
from openbeta.client._request import retry_after, retry_delay


ASSISTANT = {"id": "asst_1", "object": "assistant", "created_at": 1, "model": "m", "tools": []}


def scripted(*responses: httpx.Response):
    """A handler answering with ``responses`` in turn, recording the requests."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def error(status: int, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers,
                          json={"error": {"message": f"status {status}", "type": "x", "param": "p", "code": "c"}})


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_retryable_statuses_are_retried(status, sleeps, mock_client) -> None:
    handler, seen = scripted(error(status), httpx.Response(200, json=ASSISTANT))
    assert mock_client(handler).beta.assistants.retrieve("asst_1").id == "asst_1"
    assert len(seen) == 2 and len(sleeps) == 1


@pytest.mark.parametrize("status,exc", [
    (400, openbeta.BadRequestError), (401, openbeta.AuthenticationError), (403, openbeta.PermissionDeniedError),
    (404, openbeta.NotFoundError), (422, openbeta.UnprocessableEntityError), (418, openbeta.APIStatusError),
])
def test_client_errors_map_to_exceptions_without_retry(status, exc, sleeps, mock_client) -> None:
    handler, seen = scripted(error(status))
    with pytest.raises(exc) as info:
        mock_client(handler).beta.assistants.retrieve("asst_1")
    assert len(seen) == 1 and sleeps == []
    err = info.value
    assert err.status_code == status and err.code == "c" and err.param == "p" and err.type == "x"
    assert err.body["message"] == f"status {status}"  # the inner error object, as the official SDK keeps it


def test_retries_exhausted_raise_the_last_error(sleeps, mock_client) -> None:
    handler, seen = scripted(error(500), error(502), error(429))
    with pytest.raises(openbeta.RateLimitError):
        mock_client(handler, max_retries=2).beta.assistants.retrieve("asst_1")
    assert len(seen) == 3 and len(sleeps) == 2
    handler, seen = scripted(error(503), error(503))
    with pytest.raises(openbeta.InternalServerError):
        mock_client(handler, max_retries=1).beta.assistants.retrieve("asst_1")
    assert len(seen) == 2


def test_backoff_grows_with_jitter(sleeps, mock_client) -> None:
    handler, _ = scripted(error(500), error(500), error(500), httpx.Response(200, json=ASSISTANT))
    mock_client(handler, max_retries=3).beta.assistants.retrieve("asst_1")
    assert 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0 and 1.5 <= sleeps[2] <= 2.0
    assert all(0.75 * 8 <= retry_delay(n) <= 8 for n in range(5, 10))


def test_retry_after_headers_are_honoured(sleeps, mock_client) -> None:
    handler, _ = scripted(error(429, {"retry-after": "3"}), error(429, {"retry-after-ms": "1500"}),
                          httpx.Response(200, json=ASSISTANT))
    mock_client(handler, max_retries=2).beta.assistants.retrieve("asst_1")
    assert sleeps == [3.0, 1.5]
    date = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8 <= retry_after(httpx.Headers({"retry-after": date})) <= 10.5
    assert retry_after(httpx.Headers({"retry-after": "600"})) is None  # unreasonable: use backoff
    assert retry_after(httpx.Headers({"retry-after": "soon"})) is None


def test_x_should_retry_overrides_status(sleeps, mock_client) -> None:
    handler, seen = scripted(error(400, {"x-should-retry": "true"}), httpx.Response(200, json=ASSISTANT))
    mock_client(handler).beta.assistants.retrieve("asst_1")
    assert len(seen) == 2
    handler, seen = scripted(error(500, {"x-should-retry": "false"}))
    with pytest.raises(openbeta.InternalServerError):
        mock_client(handler).beta.assistants.retrieve("asst_1")
    assert len(seen) == 1


def test_connection_errors_and_timeouts(sleeps, mock_client) -> None:
    handler, seen = scripted(httpx.ConnectError("refused"), httpx.Response(200, json=ASSISTANT))
    assert mock_client(handler).beta.assistants.retrieve("asst_1").id == "asst_1"
    assert len(seen) == 2
    handler, seen = scripted(*[httpx.ConnectError("refused")] * 3)
    with pytest.raises(openbeta.APIConnectionError) as info:
        mock_client(handler).beta.assistants.retrieve("asst_1")
    assert not isinstance(info.value, openbeta.APITimeoutError) and len(seen) == 3
    handler, seen = scripted(*[httpx.ReadTimeout("slow")] * 2)
    with pytest.raises(openbeta.APITimeoutError):
        mock_client(handler, max_retries=1).beta.assistants.retrieve("asst_1")
    assert len(seen) == 2


def test_real_connection_refused_is_an_api_connection_error(sleeps) -> None:
    with OpenBeta(base_url="http://127.0.0.1:9/v1", max_retries=1) as client:
        with pytest.raises(openbeta.APIConnectionError):
            client.beta.assistants.list()
    assert len(sleeps) == 1


async def test_async_retries_and_errors(sleeps, async_mock_client) -> None:
    handler, seen = scripted(error(429, {"retry-after": "2"}), httpx.Response(200, json=ASSISTANT))
    async with async_mock_client(handler) as client:
        assert (await client.beta.assistants.retrieve("asst_1")).id == "asst_1"
    assert sleeps == [2.0] and len(seen) == 2
    handler, seen = scripted(error(409), error(409), error(409))
    async with async_mock_client(handler) as client:
        with pytest.raises(openbeta.ConflictError):
            await client.beta.assistants.retrieve("asst_1")
    assert len(seen) == 3


def test_non_json_error_body(sleeps, mock_client) -> None:
    handler, _ = scripted(httpx.Response(404, text="nope"))
    with pytest.raises(openbeta.NotFoundError) as info:
        mock_client(handler).beta.assistants.retrieve("asst_1")
    assert info.value.body == "nope" and info.value.code is None


def test_client_options_from_environment(monkeypatch) -> None:
    monkeypatch.delenv("OPENBETA_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "from-openai")
    monkeypatch.delenv("OPENBETA_BASE_URL", raising=False)
    client = OpenBeta()
    assert client.api_key == "from-openai" and str(client.base_url) == "http://127.0.0.1:8000/v1/"
    monkeypatch.setenv("OPENBETA_API_KEY", "from-openbeta")
    monkeypatch.setenv("OPENBETA_BASE_URL", "http://example.test:1234/v1")
    client = OpenBeta()
    assert client.api_key == "from-openbeta" and str(client.base_url) == "http://example.test:1234/v1/"


def test_default_headers_query_and_omit(mock_client) -> None:
    handler, seen = scripted(httpx.Response(200, json=ASSISTANT), httpx.Response(200, json=ASSISTANT))
    client = mock_client(handler, default_headers={"X-App": "a"}, default_query={"tenant": "t"})
    client.beta.assistants.retrieve("asst_1")
    client.beta.assistants.retrieve("asst_1", extra_headers={"X-App": openbeta.omit})
    assert seen[0].headers["X-App"] == "a" and seen[0].url.params["tenant"] == "t"
    assert str(seen[0].url).startswith("http://testserver/v1/assistants/asst_1")
    assert "X-App" not in seen[1].headers
    copy = client.with_options(api_key="other", timeout=3.0)
    assert copy.api_key == "other" and copy.timeout == 3.0 and copy._custom_headers == {"X-App": "a"}


def test_close_and_context_manager() -> None:
    with OpenBeta(base_url="http://127.0.0.1:9/v1") as client:
        http = client._http
    assert http.is_closed
    shared = httpx.Client()
    OpenBeta(http_client=shared).close()
    assert not shared.is_closed  # a caller's client is the caller's to close
    shared.close()
