"""Takes docs/console.png: the console's playground after a chat with a tool call.

    python tests/console/screenshot.py

Starts its own server (scripted model) and Debian's chromium; writes nothing else.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import httpx  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from server_process import launch  # noqa: E402
from console_support import ARGS, CHROMIUM, KEY, SERVER_ENV  # noqa: E402

OUT = HERE.parent.parent / "docs" / "console.png"
#: The scripted model reads its part from the instructions, so the chat shows a plain question.
SCRIPT = ('SCRIPT: {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}], '
          '"after_tools": "Lisbon is sunny today, 24 C: a good day for a walk by the river."}')


def main() -> None:
    server = launch(Path(tempfile.mkdtemp(prefix="console-shot-")), SERVER_ENV)
    try:
        api = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"})
        fn = {"name": "get_weather", "description": "The weather in a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
        assistant = api.post("/assistants", json={"model": "smollm2", "name": "Travel helper",
                                                  "instructions": "Answer briefly; call get_weather for weather. " + SCRIPT,
                                                  "tools": [{"type": "function", "function": fn}]}).json()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
            context.add_init_script(f"sessionStorage.setItem('openbeta.api_key', '{KEY}')")
            page = context.new_page()
            page.goto(server.root_url + "/")
            page.get_by_label("Pick an assistant").select_option(assistant["id"])
            page.get_by_label("Message").fill("What's the weather like in Lisbon today?")
            page.get_by_role("button", name="Send").click()
            page.locator("[data-testid=tool-outputs] input").fill('{"sky": "sunny", "celsius": 24}')
            page.get_by_role("button", name="Submit tool outputs").click()
            page.locator("[data-testid=run-line] .badge", has_text="completed").last.wait_for()
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        server.stop()
    print(OUT)


if __name__ == "__main__":
    main()
