"""Chat messages -> one prompt string, with the model's own chat template.

The template is the GGUF's ``tokenizer.chat_template`` (ChatML when it has none).
Tool calls and results are written in the widely used ``<tool_call>`` /
``<tool_response>`` convention (results are wrapped here only when the template
does not wrap them itself, as Qwen's does). A template that lists tools itself
(Qwen2.5's) lists them; otherwise, or when its call example is malformed, the
available tools go into the system message with a preamble of ours, so templates
without tool support still show the model everything.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from jinja2 import TemplateError

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
#: A tool section that shows the call in doubled braces, as the Qwen2.5-Coder-1.5B GGUF's template does
#: (``{{"name": <function-name>, ...}}``): models copy the braces, and the 1.5B follows the plain
#: preamble below far better (it called made-up functions or echoed the tool list under this one).
DOUBLED_CALL_EXAMPLE = re.compile(r'\{\{\\?"name\\?":')
TOOLS_PREAMBLE = (
    "You can call functions. To call one, reply with {open}\n"
    '{{"name": <function name>, "arguments": <arguments object>}}\n{close}\n'
    "The functions are:\n<tools>\n{tools}\n</tools>"
)


def content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return json.dumps(content)


def tool_call_text(name: str, arguments: str) -> str:
    return f'{TOOL_CALL_OPEN}\n{{"name": {json.dumps(name)}, "arguments": {arguments or "{}"}}}\n{TOOL_CALL_CLOSE}'


def tools_text(functions: list[dict[str, Any]]) -> str:
    listed = "\n".join(json.dumps({"type": "function", "function": f}) for f in functions)
    return TOOLS_PREAMBLE.format(open=TOOL_CALL_OPEN, close=TOOL_CALL_CLOSE, tools=listed)


def plain_messages(messages: list[dict[str, Any]], functions: list[dict[str, Any]],
                   tool_role: str = "tool", wrap_results: bool = True) -> list[dict[str, str]]:
    """Messages with string content only: tool calls/results as text, tools in the system message."""
    out: list[dict[str, str]] = []
    for message in messages:
        role = str(message.get("role", "user"))
        text = content_text(message.get("content"))
        if role == "developer":
            role = "system"
        if role == "assistant" and message.get("tool_calls"):
            calls = [tool_call_text(c["function"]["name"], c["function"].get("arguments", ""))
                     for c in message["tool_calls"]]
            text = "\n".join(filter(None, [text, *calls]))
        elif role == "tool":
            role = tool_role
            if wrap_results or tool_role != "tool":
                text = f"<tool_response>\n{text}\n</tool_response>"
        out.append({"role": role, "content": text})
    if functions:
        preamble = tools_text(functions)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": out[0]["content"] + "\n\n" + preamble}
        else:
            out.insert(0, {"role": "system", "content": preamble})
    return out


class ChatTemplate:
    """Renders chat messages as the prompt the model was trained on."""

    def __init__(self, template: Optional[str], bos_token: str, eos_token: str) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.bos_token = bos_token
        #: Whether the template writes ``<tool_response>`` around tool messages itself.
        self.wraps_results = "<tool_response>" in (template or "")
        #: Whether the template lists ``tools`` itself, in the words the model was trained on (Qwen's does),
        #: and shows the call as JSON.
        self.native_tools = "tools" in (template or "") and TOOL_CALL_OPEN in (template or "") \
            and not DOUBLED_CALL_EXAMPLE.search(template or "")
        self._formatter = Jinja2ChatFormatter(template or CHATML, eos_token=eos_token, bos_token=bos_token)

    def render(self, messages: list[dict[str, Any]], functions: list[dict[str, Any]]) -> str:
        try:
            if self.native_tools and functions:
                tools = [{"type": "function", "function": f} for f in functions]
                return self._formatter(messages=plain_messages(messages, [], wrap_results=not self.wraps_results),
                                       tools=tools).prompt
            return self._formatter(messages=plain_messages(messages, functions,
                                                           wrap_results=not self.wraps_results)).prompt
        except (TemplateError, ValueError):
            # Templates that know no "tool" role (or reject system messages) get plainer input.
            merged = plain_messages(messages, functions, tool_role="user")
            try:
                return self._formatter(messages=merged).prompt
            except (TemplateError, ValueError):
                return self._formatter(messages=_without_system(merged)).prompt


def _without_system(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system and rest:
        rest[0]["content"] = system + "\n\n" + rest[0]["content"]
    return rest
