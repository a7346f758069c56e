"""Where uploaded file contents live: a small interface and a local-directory store."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from .errors import PayloadTooLarge

CHUNK = 1024 * 1024


class BlobStore(Protocol):
    def put(self, key: str, source: BinaryIO, *, max_bytes: int) -> int:
        """Store ``source`` under ``key``; return its size. Raise 413 past ``max_bytes``."""

    def read(self, key: str) -> bytes: ...

    def stream(self, key: str) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...


class LocalBlobStore:
    """One file per key in a directory; writes go to a temporary file, then are renamed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key

    def put(self, key: str, source: BinaryIO, *, max_bytes: int) -> int:
        path = self._path(key)
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while block := source.read(CHUNK):
                    size += len(block)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"File is too large: the maximum upload size is {max_bytes} bytes.",
                            param="file", code="file_too_large")
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def stream(self, key: str) -> Iterator[bytes]:
        with open(self._path(key), "rb") as f:
            while block := f.read(CHUNK):
                yield block

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
