"""Where uploaded file contents live: a small interface and its stores.

- :class:`LocalBlobStore`: a local directory (the default; one machine).
- :class:`S3BlobStore`: an S3-compatible object store (``OPENBETA_FILES_URL=s3://bucket/prefix``), shared by
  every replica.
- :class:`DatabaseBlobStore`: the ``blobs`` table of a PostgreSQL database (``OPENBETA_FILES_URL=postgresql://...``
  or ``database`` for the server's own), for small deployments without an object store.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator, Optional, Protocol
from urllib.parse import urlparse

from .errors import PayloadTooLarge

if TYPE_CHECKING:
    from .settings import Settings
    from .store import Database

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
        return self.root / _check_key(key)

    def put(self, key: str, source: BinaryIO, *, max_bytes: int) -> int:
        path = self._path(key)
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for block in _blocks(source, max_bytes):
                    size += len(block)
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


def _blocks(source: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    """``source`` in blocks; 413 once it passes ``max_bytes``."""
    size = 0
    while block := source.read(CHUNK):
        size += len(block)
        if size > max_bytes:
            raise PayloadTooLarge(f"File is too large: the maximum upload size is {max_bytes} bytes.",
                                  param="file", code="file_too_large")
        yield block


def _check_key(key: str) -> str:
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise ValueError(f"invalid blob key {key!r}")
    return key


class S3BlobStore:
    """One object per key under ``s3://bucket/prefix``, through boto3 (any S3-compatible store).

    An upload is spooled (in memory up to 8 MiB, then a temporary file) to check its
    size, then sent with boto3's managed (multipart when large) transfer.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: Optional[str] = None,
                 region: Optional[str] = None, access_key_id: Optional[str] = None,
                 secret_access_key: Optional[str] = None) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                   aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)

    def _key(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: BinaryIO, *, max_bytes: int) -> int:
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as spool:
            for block in _blocks(source, max_bytes):
                size += len(block)
                spool.write(block)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, self._key(key))
        return size

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def stream(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


class DatabaseBlobStore:
    """Contents in the ``blobs`` table: every replica sees them, no object store needed. Each upload
    is held in memory once while it is written: for small deployments and small files."""

    def __init__(self, db: "Database") -> None:
        self.db = db

    def put(self, key: str, source: BinaryIO, *, max_bytes: int) -> int:
        from .store.tables import BlobRow

        data = b"".join(_blocks(source, max_bytes))
        with self.db.session() as s:
            s.merge(BlobRow(key=_check_key(key), size=len(data), data=data))
        return len(data)

    def read(self, key: str) -> bytes:
        from sqlalchemy import select

        from .store.tables import BlobRow

        with self.db.session() as s:
            data = s.scalar(select(BlobRow.data).where(BlobRow.key == _check_key(key)))
        if data is None:
            raise FileNotFoundError(key)
        return bytes(data)

    def stream(self, key: str) -> Iterator[bytes]:
        data = self.read(key)
        for start in range(0, len(data), CHUNK):
            yield data[start:start + CHUNK]

    def delete(self, key: str) -> None:
        from sqlalchemy import delete

        from .store.tables import BlobRow

        with self.db.session() as s:
            s.execute(delete(BlobRow).where(BlobRow.key == _check_key(key)))


def build_blob_store(settings: "Settings", db: "Database") -> Any:
    """The store ``settings.files_url`` names (default: the local files directory)."""
    url = settings.files_url
    if not url:
        return LocalBlobStore(settings.resolved_files_dir())
    if url == "database":
        return DatabaseBlobStore(db)
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError("OPENBETA_FILES_URL: s3://bucket/prefix needs a bucket")
        return S3BlobStore(parsed.netloc, parsed.path, endpoint_url=settings.files_s3_endpoint_url,
                           region=settings.files_s3_region, access_key_id=settings.files_s3_access_key_id,
                           secret_access_key=settings.files_s3_secret_access_key)
    if parsed.scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        from .store import Database

        if url == settings.database_url:
            return DatabaseBlobStore(db)
        other = Database(settings.resolve_url(url))
        other.migrate()
        return DatabaseBlobStore(other)
    raise ValueError(f"OPENBETA_FILES_URL: unsupported {url!r} (s3://bucket/prefix, postgresql://..., database)")
