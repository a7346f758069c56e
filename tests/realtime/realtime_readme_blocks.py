"""The code blocks of the README's realtime section, for tests that run them as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def realtime_blocks(language: str) -> list[str]:
    text = README.read_text()
    section = text.split("### Realtime", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)
