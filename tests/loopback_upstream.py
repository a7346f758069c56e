"""A real HTTP server on loopback that plays an OpenAI-compatible upstream.

The first path segment picks the behaviour, so one server serves every case:
``http://127.0.0.1:<port>/<mode>/v1`` with mode ``ok``, ``429``, ``500``,
``hang`` (no answer), ``stall`` (one chunk, then silence), ``cut`` (one chunk,
then the connection closes), ``cut-chunked`` (the same inside an unfinished
chunked body) or ``error-event`` (an error inside the stream).
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


class LoopbackUpstream:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

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
                events = ok_stream()
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
                if mode == "ok":
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
