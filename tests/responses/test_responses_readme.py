"""The README's Responses section runs as written against a live server (scripted model provider): its
example, compacting, the Agents SDK (the MCP example runs in ``test_responses_mcp.py``), the Assistants snippet and its Responses rewrite on the same thread."""

from __future__ import annotations

import re
from pathlib import Path

import openai

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(mcp: bool = False) -> list[str]:
    """The section's Python blocks: those with an mcp tool (``mcp``: run by ``test_responses_mcp.py``, on a
    server that allows its MCP server), or the others."""
    section = README.read_text().split("\n## Responses API\n", 1)[1].split("\n## ", 1)[0]
    return [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if ('"type": "mcp"' in b) == mcp]


def test_the_readme_blocks_run(live_server, capsys):
    found = blocks()
    assert len(found) == 5 and len(blocks(mcp=True)) == 1
    scope = {"client": openai.OpenAI(base_url=live_server.base_url, api_key="anything", max_retries=0)}
    for block in found:
        exec(compile(block, str(README), "exec"), scope)  # noqa: S102 - the README's own code
    printed = capsys.readouterr().out.splitlines()
    # the Assistants thread, continued as a conversation: its messages now include the response's
    assert printed[-1] == "['user', 'assistant', 'user', 'assistant']"
    assert scope["response"].conversation.id == scope["thread"].id
    assert [item.type for item in scope["compacted"].output][-1] == "compaction"
    assert scope["shorter"].status == "completed"
    # the Agents SDK's answer: the scripted model echoes the question (it calls no tool unasked); it is
    # printed on the line the streamed example left open
    assert printed[1].endswith("What is the weather in Paris?")
