"""What the tests of per-project secrets share: keys, SDK clients, protocol calls, and the
comparison of "another project's id" with "an id nobody has"."""

from __future__ import annotations

from typing import Any, Callable

import httpx
import openai

DEFAULT_KEY = "sk-iso-default-1"
KEY_P = "sk-iso-team-p-1"
KEY_Q = "sk-iso-team-q-1"
KEY_R = "sk-iso-team-r-1"
ADMIN_KEY = "sk-iso-admin-1"


def sdk(server: Any, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


def admin(server: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="unused", admin_api_key=ADMIN_KEY, max_retries=0)


def project_id(server: Any, name: str) -> str:
    return next(p.id for p in admin(server).admin.organization.projects.list() if p.name == name)


def protocol(server: Any, headers: dict[str, str], kind: str, params: dict[str, Any]) -> httpx.Response:
    """One ``POST /v1/chatkit`` request; a streamed answer is read whole."""
    return httpx.post(server.root_url + "/v1/chatkit", json={"type": kind, "params": params}, headers=headers,
                      timeout=60)


def secret_headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def sdk_error(call: Callable[[], Any]) -> openai.APIStatusError:
    try:
        call()
    except openai.APIStatusError as exc:
        return exc
    raise AssertionError("the call succeeded")


def same_as_unknown(theirs: Any, unknown: Any, theirs_id: str, unknown_id: str, status: int = 404) -> None:
    """``theirs`` (an SDK error or an HTTP answer) is exactly the ``status`` error ``unknown`` is, but for the id."""
    def body(answer: Any) -> dict:
        return answer.body if isinstance(answer, openai.APIStatusError) else answer.json()["error"]

    assert theirs.status_code == status, body(theirs)
    assert unknown.status_code == status, body(unknown)
    shown = dict(body(theirs))
    shown["message"] = shown["message"].replace(theirs_id, unknown_id)
    assert shown == body(unknown)
