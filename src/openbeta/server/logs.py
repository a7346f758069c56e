"""Log set-up for ``openbeta serve``: plain text lines, or one JSON object a line (``OPENBETA_LOG_FORMAT=json``)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from .settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JSONFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "process"}`` (and ``exception`` when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """The root logger (uvicorn's loggers propagate to it) at ``settings.log_level``."""
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
