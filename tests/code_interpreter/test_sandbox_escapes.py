"""Escape attempts from inside the code_interpreter sandbox: each must fail, and the
server (and the thread's interpreter) must go on working. Network attempts only ever
target a server this test starts on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from interpreter_helpers import MEMORY_MB, TIMEOUT_SECONDS, logs, run_code


@pytest.fixture(scope="module", autouse=True)
def _sqlite_only(db_kind):
    """The sandbox does not depend on the database: these run once, on SQLite."""
    if db_kind != "sqlite":
        pytest.skip("sandbox escapes run on SQLite only")


@pytest.fixture(scope="module")
def thread_id(sandbox_client):
    return sandbox_client.beta.threads.create().id


@pytest.fixture()
def listener():
    """A TCP server on the host's loopback that records whether anyone connected."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.settimeout(0.2)
    accepted: list[bool] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            accepted.append(True)
            conn.close()

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    yield sock.getsockname()[1], accepted
    stop.set()
    worker.join(timeout=2)
    sock.close()


def test_no_network_not_even_the_hosts_loopback(sandbox_client, assistant, thread_id, listener):
    port, accepted = listener
    code = (f"import socket\nprint(sorted(n for _, n in socket.if_nameindex()))\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('connected')\n"
            f"except OSError as e:\n    print('refused', type(e).__name__)")
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id)
    assert logs(call) == "['lo']\nrefused ConnectionRefusedError"
    assert accepted == []
    # the host side of the same check: the listener does accept
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_host_files_are_out_of_sight(sandbox_client, assistant, thread_id, server):
    database = server.data_dir / "openbeta.db"
    probes = ["/root", "/work", "/etc/shadow", "/etc/passwd", str(database), str(server.data_dir), "/home"]
    code = ("import os\nfor p in %r:\n    try:\n        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
            "        print('READ', p)\n    except OSError as e:\n        print('no', type(e).__name__)" % probes)
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id)
    assert "READ" not in logs(call) and logs(call).count("no ") == len(probes)


def test_writes_outside_mnt_data_fail_and_tmp_is_private(sandbox_client, assistant, thread_id):
    marker = f"/tmp/openbeta-escape-{os.getpid()}"
    targets = ["/usr/escape", "/opt/python/escape", "/etc/escape", "/escape", "/mnt/escape", "/proc/sys/kernel/hostname"]
    code = ("for p in %r:\n    try:\n        open(p, 'w').write('x')\n        print('WROTE', p)\n"
            "    except OSError as e:\n        print('no', type(e).__name__)\nopen(%r, 'w').write('x')\nprint('tmp ok')"
            % (targets, marker))
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id)
    assert "WROTE" not in logs(call) and logs(call).endswith("tmp ok")
    assert not os.path.exists(marker) and not os.path.exists("/escape")


def test_a_planted_link_never_reads_host_files(sandbox_client, assistant, thread_id):
    code = ("import os\nos.symlink('/etc/shadow', '/mnt/data/link.txt')\ntry:\n"
            "    os.link('/usr/bin/true', '/mnt/data/hard')\nexcept OSError as e:\n    print(type(e).__name__)")
    run, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id, after="[a](sandbox:/mnt/data/link.txt)")
    # a hard link across mounts fails; the symbolic link (to a host file) is never followed by the server
    assert logs(call) == "OSError"
    message = sandbox_client.beta.threads.messages.list(thread_id, run_id=run.id).data[0]
    assert message.content[-1].text.annotations == []


def test_fork_bomb_is_contained(sandbox_client, assistant, thread_id):
    code = ("import os\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n            while True: pass\n"
            "        n += 1\nexcept OSError as e:\n    print('stopped', type(e).__name__, n < 200)")
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id)
    # the process limit stops it, or (when the machine is slow to fork) the call's timeout does
    assert logs(call).startswith("stopped BlockingIOError True") or "ExecutionTimeout" in logs(call)
    _, [after] = run_code(sandbox_client, assistant, "import subprocess\nprint(subprocess.run(['true']).returncode)",
                          thread_id=thread_id)
    assert logs(after) == "0"  # the forked processes were cleaned up


def test_huge_output_is_truncated(sandbox_client, assistant, thread_id):
    _, [call] = run_code(sandbox_client, assistant, "print('x' * 50_000_000)", thread_id=thread_id)
    text = logs(call)
    assert len(text) < 5000 and "[output truncated: 50000001 bytes written, 4096 shown]" in text


def test_memory_hog_fails_with_memory_error(sandbox_client, assistant, thread_id):
    code = f"try:\n    hog = bytearray({MEMORY_MB * 2} * 1024 * 1024)\nexcept MemoryError:\n    print('MemoryError')"
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id)
    assert logs(call) == "MemoryError"


def test_another_threads_files_are_not_visible(sandbox_client, assistant, server):
    first = sandbox_client.beta.threads.create().id
    second = sandbox_client.beta.threads.create().id
    run_code(sandbox_client, assistant, "open('/mnt/data/secret.txt', 'w').write('s3cret')", thread_id=first)
    code = ("import os\nprint(os.listdir('/mnt/data'))\nprint(os.listdir('/mnt'))\n"
            f"print(os.path.exists({str(server.data_dir / 'sandboxes')!r}))")
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=second)
    assert logs(call) == "[]\n['data']\nFalse"


def test_an_endless_loop_is_stopped_and_reported(sandbox_client, assistant, thread_id):
    _, [setup] = run_code(sandbox_client, assistant, "kept = 'still here'", thread_id=thread_id)
    _, [call] = run_code(sandbox_client, assistant, "while True:\n    pass", thread_id=thread_id)
    assert f"ExecutionTimeout: the code ran longer than {TIMEOUT_SECONDS} seconds" in logs(call)
    _, [after] = run_code(sandbox_client, assistant, "print(kept)", thread_id=thread_id)
    assert logs(after) == "still here"  # interrupted, not restarted


def test_a_loop_that_ignores_the_interrupt_is_killed(sandbox_client, assistant):
    thread_id = sandbox_client.beta.threads.create().id
    code = ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass")
    _, [call] = run_code(sandbox_client, assistant, code, thread_id=thread_id)
    assert "ExecutionTimeout" in logs(call) and "restarted" in logs(call)
    _, [after] = run_code(sandbox_client, assistant, "print('back')", thread_id=thread_id)
    assert logs(after) == "back"
