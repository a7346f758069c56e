"""What the Responses tests share: the scripted provider's model name and its directives."""

from __future__ import annotations

import json
from typing import Any

#: Any model name answers the same way on the scripted provider.
SCRIPTED = "scripted-model"


def script(**directive: Any) -> str:
    """An input (or instructions) that tells the scripted provider what to answer."""
    return "SCRIPT: " + json.dumps(directive)
