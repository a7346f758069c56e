"""The fixtures of the browser tests: a live server (scripted model), Debian's chromium, an HTTP client with
the key, and a page whose requests and console errors are checked when the test ends."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

from server_process import launch
from console_support import ARGS, CHROMIUM, KEY, SERVER_ENV, Watched, sync_playwright


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Any]:
    srv = launch(tmp_path_factory.mktemp("console-browser"), SERVER_ENV)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright()() as p:
        # Chromium's fake microphone (a beep), allowed without a prompt.
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS + [
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def api(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as c:
        yield c


@pytest.fixture
def page(browser, server) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script(f"sessionStorage.setItem('openbeta.api_key', {json.dumps(KEY)})")
    watched = Watched(context.new_page(), server.root_url)
    watched.page.set_default_timeout(15_000)
    yield watched
    context.close()
    watched.check()
