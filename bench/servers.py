"""Processes the benchmarks measure: openbeta, the paced upstream, llama.cpp's server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import httpx

BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{what} did not start")


def start_paced_upstream(chunks: int, interval_ms: float) -> tuple[str, subprocess.Popen]:
    """The paced upstream in its own process; returns its ``/v1`` URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(BENCH / "paced_upstream.py"), "--port", str(port),
                                "--chunks", str(chunks), "--interval-ms", str(interval_ms)])
    base = f"http://127.0.0.1:{port}/v1"
    wait_until_up(base + "/chat/completions", process, "the paced upstream")
    return base, process


def start_llama_server(model: str) -> tuple[str, subprocess.Popen]:
    """``python -m llama_cpp.server`` on ``model``; returns its ``/v1`` URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", model, "--host",
                                "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    wait_until_up(base + "/models", process, "llama_cpp.server")
    return base, process


def start_openbeta(data_dir: Path, upstream: str, database_url: Optional[str] = None,
                   src: Path = SRC, **settings: str) -> tuple[str, subprocess.Popen]:
    """``openbeta serve`` (this checkout's source, or ``src``) on the upstream provider, with ``OPENBETA_*``
    ``settings`` on top; returns its ``/v1`` URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBETA_")}
    env.update(PYTHONPATH=str(src), OPENBETA_PORT=str(port), OPENBETA_DATA_DIR=str(data_dir),
               OPENBETA_PROVIDER="upstream", OPENBETA_UPSTREAM_BASE_URL=upstream, OPENBETA_LOG_LEVEL="warning")
    if database_url:
        env["OPENBETA_DATABASE_URL"] = database_url
    env.update(settings)
    process = subprocess.Popen([sys.executable, "-m", "openbeta.cli", "serve"], env=env)
    root = f"http://127.0.0.1:{port}"
    wait_until_up(root + "/health", process, "openbeta serve")
    return root + "/v1", process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a live process (Linux ``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")
