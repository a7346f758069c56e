"""Multipart upload pieces: what ``file=`` may be, and nested form fields."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Mapping, Union

FileTypes = Union[bytes, IO[bytes], os.PathLike, tuple]


def file_part(file: FileTypes) -> Any:
    """A value httpx sends as a file part: paths are read, names kept; bytes get a default name."""
    if isinstance(file, os.PathLike):
        path = Path(file)
        return (path.name, path.read_bytes())
    if isinstance(file, (bytes, bytearray)):
        return ("upload", bytes(file))
    if isinstance(file, tuple) and file and isinstance(file[1], os.PathLike):
        return (file[0], Path(file[1]).read_bytes(), *file[2:])
    return file


def form_fields(fields: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested fields the way form bodies carry them: ``expires_after[anchor]``."""
    flat: dict[str, Any] = {}
    for key, value in fields.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, Mapping):
            flat.update(form_fields(value, name))
        elif value is not None:
            flat[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return flat
