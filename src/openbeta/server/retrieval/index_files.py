"""Saved search indexes on disk: one directory per vector store and chunk version, whole or absent.

Layout under the index directory (``<data dir>/indexes`` by default)::

    <store id>/v<version>/manifest.json     format, version, every file's size and CRC-32
    <store id>/v<version>/lexical/...       the tantivy index
    <store id>/v<version>/dense.usearch     the HNSW graph (large stores only)
    <store id>/v<version>/*.npy             chunk seqs, their files, the vectors
    <store id>/.tmp-<pid>-<random>/         a save under way (renamed to v<version> when whole)
    .work/<pid>-<random>/                   a running process's own working copies

A directory is written under a temporary name, its files flushed to disk, and then renamed to
``v<version>`` in one step, so a crash leaves either the whole directory or a temporary one
that is ignored and removed later. Before a saved index is used every file is checked against
the manifest, so a damaged or truncated file is found before any library reads it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
import zlib
from pathlib import Path
from typing import Any, Callable, Optional

FORMAT = 1
MANIFEST = "manifest.json"
_VERSION_DIR = re.compile(r"v(\d+)")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
#: Files tantivy rewrites (by writing a new file and renaming it over the old one): copied, never linked.
_COPIED = {"meta.json", ".managed.json"}
_LOCKS = {".tantivy-writer.lock", ".tantivy-meta.lock"}


def store_dir(root: Path, store_id: str) -> Path:
    return root / _UNSAFE.sub("_", store_id)


def saved(root: Path, store_id: str) -> list[tuple[int, Path]]:
    """``(version, directory)`` of the store's saved indexes, newest first."""
    folder = store_dir(root, store_id)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), entry) for entry in folder.iterdir()
             if entry.is_dir() and (m := _VERSION_DIR.fullmatch(entry.name))]
    return sorted(found, reverse=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dead(folder: Path, prefix: str) -> None:
    """Remove ``<prefix><pid>-...`` entries of processes that are gone (left by a crash)."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if not entry.name.startswith(prefix):
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def work_root(root: Path) -> Path:
    """A new directory of this process's own for working copies (its owner removes it); the ones
    of processes that ended without removing theirs are removed now."""
    parent = root / ".work"
    parent.mkdir(parents=True, exist_ok=True)
    _remove_dead(parent, "")
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))


def link_tree(source: Path, target: Path) -> None:
    """Make ``target`` hold the files of ``source`` (a flat directory): hard links where possible
    (the files are written once and never changed), copies otherwise."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name in _LOCKS or not entry.is_file():
            continue
        if entry.name not in _COPIED:
            try:
                os.link(entry, target / entry.name)
                continue
            except OSError:
                pass
        shutil.copyfile(entry, target / entry.name)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            crc = zlib.crc32(block, crc)
    return crc


def write_manifest(folder: Path, version: int, extra: dict[str, Any]) -> None:
    files = {str(p.relative_to(folder)): [p.stat().st_size, _crc(p)] for p in _files(folder)}
    (folder / MANIFEST).write_text(json.dumps({"format": FORMAT, "version": version, "files": files, **extra}))


def verify(folder: Path, version: int) -> dict[str, Any]:
    """The manifest of a saved index, after checking every file it lists; ValueError if anything is off."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"unreadable manifest: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != version:
        raise ValueError(f"manifest of format {manifest.get('format')}, version {manifest.get('version')}")
    for name, (size, crc) in manifest["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            raise ValueError(f"{name} is missing or has the wrong size")
        if _crc(path) != crc:
            raise ValueError(f"{name} does not match its checksum")
    return manifest


def _sync_tree(folder: Path) -> None:
    for path in _files(folder) + [folder / MANIFEST]:
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    for d in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        _fsync_dir(d)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(root: Path, store_id: str, version: int, write: Callable[[Path], None]) -> Optional[Path]:
    """Save a store's index at ``version``: ``write(folder)`` fills a new temporary directory, which
    is flushed and renamed into place whole; older saved versions are then removed. ``None`` when
    that version is saved already (or ``write`` wrote nothing)."""
    folder = store_dir(root, store_id)
    final = folder / f"v{version}"
    if final.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    _remove_dead(folder, ".tmp-")
    tmp = folder / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        write(tmp)
        if not (tmp / MANIFEST).exists():
            return None
        _sync_tree(tmp)
        try:
            os.rename(tmp, final)
        except OSError:  # saved meanwhile by another process sharing the directory
            return None
        _fsync_dir(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for other_version, path in saved(root, store_id):
        if other_version < version:
            shutil.rmtree(path, ignore_errors=True)
    return final
