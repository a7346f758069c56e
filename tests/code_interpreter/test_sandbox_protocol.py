"""Both ends of the interpreter's pipe protocol, with real processes.

The server's end against interpreters that misbehave as code running beside the driver can
make them: each bad reply (late, malformed, oversized, out of order, of the wrong shape)
stops that sandbox with :class:`SandboxLost` within its deadline. The driver's end (run as
the ``unsafe`` launcher runs it, in a host directory) against files the code planted: links,
FIFOs and folders never redirect, block or break a put, list or read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openbeta.server.tools.sandbox import FileRefused, Limits, Sandbox, SandboxLost, UnsafeLauncher

#: A stand-in interpreter: greets, then answers the first request as ``MODE`` says.
FAKE = r"""
import json, os, sys, time
out = sys.stdout.buffer
out.write(b'{"ready": true, "seq": 0}\n'); out.flush()
line = sys.stdin.buffer.readline()
seq = json.loads(line)["seq"]
mode = os.environ["MODE"]
if mode == "late":
    time.sleep(60)
elif mode == "garbage":
    out.write(b"this is not json\n")
elif mode == "deep":
    out.write(b"[" * 200000 + b"\n")
elif mode == "endless_header":
    while True:
        out.write(b"x" * 65536)
elif mode == "wrong_seq":
    out.write(json.dumps({"seq": seq + 5, "files": []}).encode() + b"\n")
elif mode == "huge_payload":
    out.write(json.dumps({"seq": seq, "size": 2 ** 40}).encode() + b"\n")
elif mode == "short_payload":
    out.write(json.dumps({"seq": seq, "size": 100}).encode() + b"\n" + b"x" * 10)
    time.sleep(60)
elif mode == "wrong_shape":
    out.write(json.dumps({"seq": seq, "files": [["a", "not a size", 1]]}).encode() + b"\n")
elif mode == "exit":
    sys.exit(3)
out.flush()
time.sleep(60)
"""


class FakeLauncher:
    name = "fake"
    host_directory = False

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def spawn(self, uid, options, workdir):
        return subprocess.Popen([sys.executable, "-c", FAKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={**os.environ, "MODE": self.mode}, start_new_session=True)

    def check(self):
        return None

    def trial(self):
        return None


@pytest.mark.parametrize("mode", ["late", "garbage", "deep", "endless_header", "wrong_seq", "huge_payload",
                                  "short_payload", "wrong_shape", "exit"])
def test_a_bad_reply_stops_the_sandbox_within_its_deadline(mode):
    box = Sandbox(FakeLauncher(mode), os.getuid(), Limits(io_timeout=2.0))
    box.start()
    proc = box._proc
    began = time.monotonic()
    with pytest.raises(SandboxLost):
        box.list_files()
    assert time.monotonic() - began < 10
    assert not box.alive and proc is not None and proc.poll() is not None  # killed and collected


@pytest.fixture()
def driver(tmp_path):
    workdir = tmp_path / "work"
    box = Sandbox(UnsafeLauncher(), os.getuid(), Limits(io_timeout=10.0), workdir)
    box.start()
    yield box, workdir
    box.stop()


def test_the_driver_never_follows_or_blocks_on_what_the_code_planted(driver, tmp_path):
    box, workdir = driver
    outside = tmp_path / "outside.txt"
    outside.write_text("host")
    (tmp_path / "outside").mkdir()
    (workdir / "link.txt").symlink_to(outside)
    (workdir / "dirlink").symlink_to(tmp_path / "outside")
    os.mkfifo(workdir / "fifo")
    (workdir / "folder").mkdir()
    (workdir / "folder" / "inner.txt").write_text("in")
    (workdir / "real.txt").write_text("mine")

    assert box.list_files() == {"folder/inner.txt": box.list_files()["folder/inner.txt"],
                                "real.txt": box.list_files()["real.txt"]}
    assert box.read_file("fifo", 100) is None  # refused at once, not waited on
    assert box.read_file("link.txt", 100) is None and box.read_file("dirlink/x", 100) is None
    assert box.read_file("real.txt", 100) == b"mine" and box.read_file("real.txt", 3) is None
    assert box.read_file("folder", 100) is None

    # putting over a link replaces the link; through a linked folder makes a real folder
    assert box.put_file("link.txt", b"new") == "/mnt/data/link.txt"
    assert box.put_file("dirlink/x.txt", b"deep") == "/mnt/data/dirlink/x.txt"
    assert box.put_file("folder", b"was a folder") == "/mnt/data/folder"
    assert outside.read_text() == "host" and list((tmp_path / "outside").iterdir()) == []
    assert not (workdir / "link.txt").is_symlink() and (workdir / "link.txt").read_bytes() == b"new"
    assert (workdir / "dirlink").is_dir() and not (workdir / "dirlink").is_symlink()
    assert (workdir / "folder").read_bytes() == b"was a folder"
    assert box.read_file("dirlink/x.txt", 100) == b"deep"
    with pytest.raises(ValueError):
        box.put_file("../escape.txt", b"x")
    assert box.run_code("print('still here')", 5).logs == "still here\n"


def test_a_put_that_fails_inside_consumes_its_bytes_and_says_why(tmp_path):
    box = Sandbox(UnsafeLauncher(), os.getuid(), Limits(io_timeout=10.0, file_size_bytes=1024 * 1024), tmp_path / "w")
    box.start()
    try:
        with pytest.raises(FileRefused, match="too large"):  # EFBIG: over the file size limit
            box.put_file("big.bin", b"x" * 3_000_000)
        assert box.put_file("after.txt", b"ok") == "/mnt/data/after.txt"  # the protocol is still in step
        assert (tmp_path / "w" / "after.txt").read_bytes() == b"ok"
        assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["after.txt"]  # nothing half-written
    finally:
        box.stop()
