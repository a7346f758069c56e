"""The WebSocket mode of ``/v1/responses`` (``client.responses.connect()``): one connection, many responses.

The handshake is authenticated as the HTTP routes are (an API key in ``Authorization: Bearer``); a bad key
gets an OpenAI-shaped HTTP error instead of the upgrade. Each ``response.create`` client event is a create
body without ``stream`` (the socket streams) or ``background`` (refused, as the hosted API refuses it),
plus the socket's own ``stream_id`` (a lane name, echoed on every event of that response). It runs on the
same :class:`~.service.ResponseService` as ``POST /v1/responses`` with ``stream: true``, and its events are
the same ``ResponseStreamEvent`` objects with the same ``sequence_number``s. Anything wrong with a client
event answers an ``error`` event (``status``: the HTTP status the same body would get) and the socket goes on.

Bounds, from the realtime WebSocket's settings: a client message is at most ``realtime_max_event_bytes``
(the server's WebSocket limit: larger closes with ``1009``); at most ``realtime_max_responses`` responses
run at once on one socket; the events wait in an outbox of at most ``realtime_outbox_events`` events and
``realtime_outbox_bytes`` bytes, and a response's stream waits for room there before it reads its next event
(the run itself goes on at the model's pace, as under a slow SSE reader: its events wait in its subscription,
at most one response's worth); a send that waits past
``realtime_send_timeout_seconds`` (a client that stopped reading) ends the connection (``1008``). However
the connection ends (either side closes, the send timeout, ``responses_socket_seconds``), the responses
still running on it are cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Optional

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket

from ...types.responses import ResponseCreateParams
from ..auth import bearer, project_for
from ..errors import APIError, InvalidRequest
from ..ids import new_id
from ..settings import Settings
from ..sockets import SEND_TIMEOUT, Limits, Outbox, refuse
from ..validation import MAX_JSON_DEPTH, load_json, nesting_depth, validate
from .service import ResponseLaunch, ResponseService, check_beta, check_body

log = logging.getLogger("openbeta.responses")

#: Client events the hosted API knows that this server does not serve (steering a running response).
UNSERVED = {"response.steer": "Steering a response (response.steer)",
            "response.inject": "Injecting input into a running response (response.inject)"}


class Closing(Exception):
    """The connection is ending: nothing more goes to its outbox."""


class ResponseSocket:
    """One ``/v1/responses`` WebSocket connection: its reader (client events in arrival order), its
    responses (a task each) and its writer (the outbox, in order)."""

    def __init__(self, service: ResponseService, *, project: str, beta: bool, limits: Limits, max_seconds: float,
                 authorize: Callable[[], Awaitable[None]]) -> None:
        self.service = service
        self.project = project
        self.beta = beta
        self.limits = limits
        self.max_seconds = max_seconds
        #: Raises an ``APIError`` once the key that opened the connection no longer works.
        self.authorize = authorize
        self.id = new_id("wsconn_")
        self.outbox = Outbox(limits)
        self.ending: Optional[tuple[int, str]] = None
        self._end = asyncio.Event()
        #: Responses running on this connection: task -> response id.
        self.running: dict[asyncio.Task[None], str] = {}
        self.received = 0

    # ------------------------------------------------------------ output

    async def send(self, event: dict[str, Any]) -> None:
        """Queue one server event, once the outbox is below half its bounds (raises :class:`Closing` once the
        connection ends)."""
        await self.outbox.room()
        if self.ending is not None:
            raise Closing
        self.outbox.put(json.dumps(event, separators=(",", ":")))

    async def error(self, exc: APIError, stream_id: Optional[str] = None) -> None:
        event: dict[str, Any] = {"type": "error", "status": exc.status_code, "error": {
            "type": exc.type, "code": exc.code, "message": exc.message, "param": exc.param}}
        if stream_id is not None:
            event["stream_id"] = stream_id
        await self.send(event)

    def end(self, code: int, reason: str) -> None:
        if self.ending is None:
            self.ending = (code, reason)
            log.warning("responses socket=%s ends: %s", self.id, reason)
            self._end.set()
            self.outbox.release()

    async def _write(self, websocket: WebSocket) -> None:
        """Send queued events in order; a send that waits past ``send_timeout`` ends the connection."""
        failed = await self.outbox.write(websocket)
        if failed == SEND_TIMEOUT:
            self.end(1008, SEND_TIMEOUT)
        elif failed is not None:  # the client is gone (or did not answer the server's pings): the reader ends
            log.info("responses socket=%s: the client is gone (%s)", self.id, failed)

    # ------------------------------------------------------------ the connection

    async def serve(self, websocket: WebSocket) -> None:
        writer = asyncio.create_task(self._write(websocket))
        ending = asyncio.create_task(self._end.wait())
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.max_seconds
        receive: Optional[asyncio.Future[Any]] = None
        try:
            while True:
                receive = asyncio.ensure_future(websocket.receive())
                done, _ = await asyncio.wait({receive, ending, writer}, timeout=max(0.0, ends - loop.time()),
                                             return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    if not done:  # its last event says why it closes
                        self.outbox.put(json.dumps({"type": "error", "status": 400, "error": {
                            "type": "invalid_request_error", "code": "connection_expired", "param": None,
                            "message": f"This connection reached its limit of {self.max_seconds:g} seconds: open "
                                       "a new one (its responses still running were cancelled)."}}))
                        self.end(1000, "connection time is up")
                    break
                message = receive.result()
                receive = None
                if message["type"] == "websocket.disconnect":
                    break
                reading = asyncio.ensure_future(self.handle(message.get("text")))
                done, _ = await asyncio.wait({reading, ending}, return_when=asyncio.FIRST_COMPLETED)
                if reading not in done:  # the connection ends while an error event waits for room
                    reading.cancel()
                    await asyncio.gather(reading, return_exceptions=True)
                    break
                if isinstance(reading.exception(), Closing):
                    break
                reading.result()
        finally:
            if receive is not None and not receive.done():
                receive.cancel()
                await asyncio.gather(receive, return_exceptions=True)
            ending.cancel()
            await self._stop()
            if self.ending is not None:
                await self._close(websocket, writer)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            self.outbox.drop()
            log.info("responses socket=%s project=%s events=%d", self.id, self.project, self.received)

    async def _stop(self) -> None:
        """Cancel every response still running here (its task, then the response itself)."""
        if self.ending is None:  # the client closed: nothing more is sent
            self.ending = (1000, "closed")
            self.outbox.release()
        tasks = list(self.running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _close(self, websocket: WebSocket, writer: "asyncio.Task[None]") -> None:
        """Ending from this side: send what is queued for a few seconds at most, then close with the code."""
        code, reason = self.ending or (1000, "")
        if code == 1000 and reason == "closed":
            return  # the client closed
        self.outbox.finish()
        try:
            await asyncio.wait_for(asyncio.shield(writer), timeout=5)
        except asyncio.TimeoutError:
            pass
        try:
            await asyncio.wait_for(websocket.close(code=code, reason=reason), timeout=5)
        except Exception:  # the client is gone, or does not read even the close
            pass

    # ------------------------------------------------------------ client events

    async def handle(self, text: Optional[str]) -> None:
        """One client frame: parsed, checked, and a response started; an ``error`` event for anything wrong."""
        self.received += 1
        stream_id: Optional[str] = None
        try:
            if text is None:
                raise InvalidRequest("Binary frames are not supported: send each client event as a JSON text "
                                     "frame.", code="invalid_json")
            data = load_json(text, invalid_code="invalid_json")
            if not isinstance(data, dict):
                raise InvalidRequest("A client event must be a JSON object.", code="invalid_json")
            if nesting_depth(data) > MAX_JSON_DEPTH:
                raise InvalidRequest(f"The event nests objects and arrays more than {MAX_JSON_DEPTH} levels deep.",
                                     code="invalid_value")
            if isinstance(data.get("stream_id"), str):
                stream_id = data["stream_id"]
            await self.authorize()
            await self.create(data)
        except APIError as exc:
            await self.error(exc, stream_id)

    async def create(self, data: dict[str, Any]) -> None:
        kind = data.pop("type", None)
        if kind in UNSERVED:
            raise InvalidRequest(f"{UNSERVED[kind]} is not supported by this server.", param="type",
                                 code="unsupported_event")
        if kind != "response.create":
            raise InvalidRequest(f"Invalid 'type': {json.dumps(kind)[:80]}. The client event this server serves is "
                                 "'response.create'.", param="type", code="invalid_value")
        stream_id = data.pop("stream_id", None)
        if stream_id is not None and not isinstance(stream_id, str):
            raise InvalidRequest("Invalid 'stream_id': expected a string.", param="stream_id", code="invalid_type")
        data.pop("event_id", None)
        if data.get("background"):
            raise InvalidRequest("Background responses are not supported over WebSocket: create them with "
                                 "POST /v1/responses.", param="background", code="unsupported_parameter")
        generate = data.pop("generate", None)
        if generate is False:
            raise InvalidRequest("'generate': false (preparing a response without generating) is not supported "
                                 "by this server.", param="generate", code="unsupported_parameter")
        if data.pop("stream", None) is False:
            raise InvalidRequest("Responses over WebSocket always stream: leave 'stream' out.", param="stream",
                                 code="invalid_value")
        if self.beta:
            check_beta(data)
        check_body(data)
        params = validate(ResponseCreateParams, {**data, "stream": True})
        if len(self.running) >= self.limits.max_responses:
            raise APIError(f"{len(self.running)} responses are running on this connection, the most it may run "
                           "at once: wait for one to end.", status_code=429, type="invalid_request_error",
                           code="too_many_responses")
        created = await run_in_threadpool(self.service.create, self.project, params)
        task = asyncio.create_task(self._run(created, stream_id))
        self.running[task] = created.run["id"]
        task.add_done_callback(lambda done: self.running.pop(done, None))

    async def _run(self, created: ResponseLaunch, stream_id: Optional[str]) -> None:
        """Stream one response's events to the client; if the connection ends first, cancel the response."""
        response_id = created.run["id"]
        events = self.service.stream(created)
        finished = False
        try:
            async for item in events:
                if item is None:  # quiet: a WebSocket needs no keep-alive comment
                    continue
                event = item[1] if stream_id is None else {**item[1], "stream_id": stream_id}
                await self.send(event)
            finished = True
        except Closing:
            pass
        except Exception:  # a fault answers one error event; the connection goes on
            log.exception("responses socket=%s: response %s failed", self.id, response_id)
            try:
                await self.error(APIError("The server had an error while processing your request. Sorry about "
                                          "that!", code="server_error"), stream_id)
            except Closing:
                pass
        finally:
            await events.aclose()  # type: ignore[attr-defined]
            if not finished:
                await run_in_threadpool(self.service.stop, self.project, response_id)


async def serve_socket(websocket: WebSocket, service: ResponseService, keys: Any, settings: Settings) -> None:
    """Authenticate the handshake as the HTTP routes do (or refuse it), accept it, serve it until it ends."""
    token = bearer(websocket)
    try:
        project = await project_for(keys, token)
    except APIError as exc:
        await refuse(websocket, exc)
        return

    async def authorize() -> None:  # the key was revoked or its project archived since the handshake?
        await project_for(keys, token)

    await websocket.accept()
    limits = Limits(outbox_bytes=settings.realtime_outbox_bytes, outbox_events=settings.realtime_outbox_events,
                    max_responses=settings.realtime_max_responses, send_timeout=settings.realtime_send_timeout_seconds)
    await ResponseSocket(service, project=project, beta=websocket.query_params.get("beta") == "true", limits=limits,
                         max_seconds=settings.responses_socket_seconds, authorize=authorize).serve(websocket)


__all__ = ["ResponseSocket", "serve_socket"]
