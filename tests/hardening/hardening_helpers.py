"""Helpers shared by the hardening tests."""

from __future__ import annotations


def assert_error(response, status: int, param=None, code=None, type: str = "invalid_request_error") -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == type
    assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    return error
