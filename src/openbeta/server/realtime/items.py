"""The conversation's items and their parts, built from their typed shapes.

Each builder fills the shape :mod:`openbeta.types.realtime_objects` declares for it
(``MessageItemObject``, ``FunctionCallItemObject``, ``FunctionCallOutputItemObject``,
``TextContentObject``, ``AudioContentObject``; the SDK's ``ConversationItem`` unites them) and dumps
it, so an item carries the fields declared there. The session keeps the dict it returns and
streams into it (a part's text, a call's arguments, a status), and every event that carries the
item sends that dict as it stands: nothing typed is built per delta.
"""

from __future__ import annotations

from typing import Any, Optional

from ...types.realtime_objects import (AudioContentObject, FunctionCallItemObject, FunctionCallOutputItemObject,
                                       MessageItemObject, TextContentObject)

OBJECT = "realtime.item"


def text_part(kind: str, text: str) -> dict[str, Any]:
    """An ``input_text`` or ``text`` part."""
    return TextContentObject(type=kind, text=text).to_dict()


def audio_part(kind: str, transcript: Optional[str]) -> dict[str, Any]:
    """An ``input_audio`` or ``audio`` part (its transcript, not its bytes)."""
    return AudioContentObject(type=kind, transcript=transcript).to_dict()


def message(item_id: str, role: str, content: list[dict[str, Any]], *, status: str = "completed") -> dict[str, Any]:
    item = MessageItemObject(id=item_id, object=OBJECT, type="message", status=status, role=role).to_dict()
    item["content"] = content  # the parts as built (a streamed part is the same dict the events carry)
    return item


def function_call(item_id: str, name: str, call_id: str, arguments: str, *,
                  status: str = "completed") -> dict[str, Any]:
    return FunctionCallItemObject(id=item_id, object=OBJECT, type="function_call", status=status, name=name,
                                  call_id=call_id, arguments=arguments).to_dict()


def function_call_output(item_id: str, call_id: str, output: str) -> dict[str, Any]:
    return FunctionCallOutputItemObject(id=item_id, object=OBJECT, type="function_call_output", call_id=call_id,
                                        output=output).to_dict()


__all__ = ["audio_part", "function_call", "function_call_output", "message", "text_part"]
