"""A real HTTP server on loopback that plays an OpenAI-compatible upstream.

The first path segment picks the behaviour, so one server serves every case:
``http://127.0.0.1:<port>/<mode>/v1`` with mode ``ok``, ``429``, ``500``,
``hang`` (no answer), ``stall`` (one chunk, then silence), ``cut`` (one chunk,
then the connection closes), ``cut-chunked`` (the same inside an unfinished
chunked body), ``error-event`` (an error inside the stream) or ``reused-ids`` (a server
that numbers its calls per response: every answer whose last message is not a tool
result calls the first tool offered with id ``call_0`` and ``{"q": <last user text>, "queries":
[<the same>]}``, and so does the answer after the first tool result when the user's text starts
with ``twice``; after tool results it says ``done: <the outputs>``).
Every request body and its headers are kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEXT = ["Hel", "lo"]
USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}


def chunk(delta: dict[str, Any], finish: Any = None) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def ok_stream() -> list[dict[str, Any]]:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": ""}}
    return [
        chunk({"role": "assistant", "content": ""}),
        *[chunk({"content": piece}) for piece in TEXT],
        chunk({"tool_calls": [call]}),
        # some servers repeat id and name on every fragment
        chunk({"tool_calls": [{**call, "function": {"name": "lookup", "arguments": '{"q": '}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"x"}'}}]}),
        chunk({}, finish="tool_calls"),
        {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [],
         "usage": USAGE},
    ]


def reused_id_stream(body: dict[str, Any]) -> list[dict[str, Any]]:
    """``reused-ids``: a call named ``call_0`` whatever came before, or text after tool results."""
    messages = body.get("messages") or []
    tools = body.get("tools") or []
    said = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    said = said if isinstance(said, str) else ""
    since_user = messages[max(i for i, m in enumerate(messages) if m.get("role") == "user"):]
    results = [m for m in since_user if m.get("role") == "tool"]
    again = said.startswith("twice") and len(results) < 2
    if not tools or (messages[-1].get("role") == "tool" and not again):
        outputs = []
        for message in reversed(messages):
            if message.get("role") != "tool":
                break
            outputs.insert(0, str(message.get("content")))
        return [chunk({"role": "assistant", "content": "done: " + "; ".join(outputs)}), chunk({}, finish="stop")]
    name = tools[0]["function"]["name"]
    call = {"index": 0, "id": "call_0", "type": "function",
            "function": {"name": name, "arguments": json.dumps({"q": said, "queries": [said]})}}
    return [chunk({"role": "assistant", "content": None, "tool_calls": [call]}), chunk({}, finish="tool_calls")]


class LoopbackUpstream:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                """``GET .../models``: two models (a ``500`` in mode ``500``)."""
                mode = self.path.strip("/").split("/")[0]
                if mode == "500" or not self.path.endswith("/models"):
                    self.reply_json(500 if mode == "500" else 404, {"error": {"message": "no", "type": "x"}})
                    return
                self.reply_json(200, {"object": "list", "data": [
                    {"id": "up-small", "object": "model", "created": 1, "owned_by": "u"},
                    {"id": "up-large", "object": "model", "created": 2, "owned_by": "u"}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                mode = self.path.strip("/").split("/")[0]
                if mode in ("429", "500"):
                    message = "Rate limit reached" if mode == "429" else "The engine exploded"
                    self.reply_json(int(mode), {"error": {"message": message, "type": "x", "code": None}})
                    return
                if mode == "hang":
                    owner.release.wait(30)
                    return
                if mode == "cut-chunked":
                    event = f"data: {json.dumps(ok_stream()[1])}\n\n".encode()
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                     b"Transfer-Encoding: chunked\r\n\r\n")
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(event) + 100, event))  # promises more than it sends
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                events = reused_id_stream(body) if mode == "reused-ids" else ok_stream()
                if mode in ("stall", "cut"):
                    events = events[:2]
                if mode == "error-event":
                    events = events[:2] + [{"error": {"message": "upstream overloaded"}}]
                for event in events:
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                if mode == "stall":
                    owner.release.wait(30)
                    return
                if mode in ("ok", "reused-ids"):
                    self.wfile.write(b"data: [DONE]\n\n")

            def reply_json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/v1"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
