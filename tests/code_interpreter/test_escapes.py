"""Attacks on the server from code running in a code_interpreter sandbox, tried for real on
every run: a real server (root in CI, so the stakes are real), real bubblewrap sandboxes, and
code that races the server from a background thread of the interpreter.

Every attack must fail: the run gets an error or the caller's own bytes, never a host file;
the canary file (root-only, 0600, made here) keeps its content, mode and owner; the server's
environment (which holds a secret set here) never comes back; and the server stays responsive.
The races run enough rounds that the server these tests were written against (which read and
wrote a host directory the sandbox could change) failed them.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest
from interpreter_helpers import calls, logs

#: The secret in the server's environment (its /proc/self/environ), and the budget of /mnt/data.
DISK_MB = 16
CALL_TIMEOUT = 20
TERMINAL = {"completed", "failed", "cancelled", "expired", "incomplete"}


@pytest.fixture(scope="module", autouse=True)
def _sqlite_only(db_kind):
    """The sandbox does not depend on the database: these run once, on SQLite."""
    if db_kind != "sqlite":
        pytest.skip("sandbox escapes run on SQLite only")


@pytest.fixture(scope="module")
def secret() -> str:
    return "ENVSECRET" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def server(start_server, sandbox_ready, secret):
    return start_server(OPENBETA_PROVIDER="scripted", OPENBETA_CODE_INTERPRETER_TIMEOUT=str(CALL_TIMEOUT),
                        OPENBETA_CODE_INTERPRETER_DISK_MB=str(DISK_MB),
                        OPENBETA_CODE_INTERPRETER_MAX_OUTPUT_BYTES="4096", OPENBETA_TEST_ESCAPE_SECRET=secret)


@pytest.fixture(scope="module")
def canary(tmp_path_factory) -> Path:
    """A host file only its owner may read or write (root, where the tests run as root)."""
    folder = tmp_path_factory.mktemp("canary")
    folder.chmod(0o700)
    path = folder / "canary.txt"
    path.write_text("CANARY" + secrets.token_hex(8))
    path.chmod(0o600)
    return path


@pytest.fixture(autouse=True)
def _nothing_leaked(sandbox_client, canary, secret):
    """After each test: the canary is untouched, and no stored output holds a host secret."""
    before = canary.stat()
    text = canary.read_text()
    yield
    after = canary.stat()
    assert canary.read_text() == text, "the canary's content changed"
    assert (after.st_mode, after.st_uid, after.st_gid) == (before.st_mode, before.st_uid, before.st_gid)
    for meta in sandbox_client.files.list(purpose="assistants_output"):
        data = sandbox_client.files.content(meta.id).content
        assert secret.encode() not in data and text.encode() not in data, f"{meta.filename} holds host data"
        assert b"OPENBETA_" not in data, f"{meta.filename} holds the server's environment"


def start(sandbox_client, assistant, thread_id: str, *codes: str, **message):
    sandbox_client.beta.threads.messages.create(thread_id, role="user", content=calls(*codes), **message)
    return sandbox_client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant.id)


def finish(sandbox_client, run, timeout: float = 60):
    """The run once it has ended; fails when it does not end within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while run.status not in TERMINAL:
        assert time.monotonic() < deadline, f"run {run.id} still {run.status} after {timeout}s"
        time.sleep(0.1)
        run = sandbox_client.beta.threads.runs.retrieve(run.id, thread_id=run.thread_id)
    return run


def outputs(sandbox_client, run) -> str:
    steps = sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=run.thread_id, order="asc").data
    return "\n".join(logs(c) for s in steps if s.type == "tool_calls" for c in s.step_details.tool_calls)


def run_code(sandbox_client, assistant, thread_id: str, code: str, timeout: float = 60, **message) -> str:
    run = finish(sandbox_client, start(sandbox_client, assistant, thread_id, code, **message), timeout)
    assert run.status == "completed", run.last_error
    return outputs(sandbox_client, run)


def new_thread(sandbox_client) -> str:
    return sandbox_client.beta.threads.create().id


#: A thread of the interpreter that keeps swapping pairs of names with renameat2(RENAME_EXCHANGE)
#: (``pause`` holds it while the code itself writes).
RACER = """
import ctypes, os, threading, time
libc = ctypes.CDLL(None, use_errno=True)
pause, stop = threading.Event(), threading.Event()
def exchange(a, b):
    return libc.renameat2(-100, a.encode(), -100, b.encode(), 2)
def race(pairs, seconds=None):
    end = time.monotonic() + seconds if seconds else float('inf')
    while not stop.is_set() and time.monotonic() < end:
        if pause.is_set():
            time.sleep(0.001)
            continue
        for a, b in pairs:
            exchange(a, b)
def real(a, b, kind):
    '''Of two names being swapped, the one that is now the real directory or file.'''
    import stat
    return a if kind(os.lstat(a).st_mode) else b
"""


def test_directory_link_swaps_during_the_output_scan_read_no_host_file(sandbox_client, assistant, canary):
    thread_id = new_thread(sandbox_client)
    setup = RACER + f"""
pairs = []
for i in range(5):
    os.makedirs(f'/mnt/data/p{{i}}'); os.symlink('/proc/self', f'/mnt/data/q{{i}}')
    os.makedirs(f'/mnt/data/c{{i}}'); os.symlink({str(canary.parent)!r}, f'/mnt/data/k{{i}}')
    pairs += [(f'/mnt/data/p{{i}}', f'/mnt/data/q{{i}}'), (f'/mnt/data/c{{i}}', f'/mnt/data/k{{i}}')]
threading.Thread(target=race, args=(pairs,), daemon=True).start()
"""
    # each call writes fresh files into whichever name is the directory now; the output scan
    # that follows sees them while the names keep turning into links to /proc/self and the canary's folder
    refresh = """
import stat
pause.set(); time.sleep(0.01)
for a, b in pairs:
    folder = real(a, b, stat.S_ISDIR)
    name = 'environ' if os.path.basename(a).startswith('p') else %r
    with open(os.path.join(folder, name), 'w') as f:
        f.write('mine %%f' %% time.time())
pause.clear()
time.sleep(0.3)
""" % canary.name
    run_code(sandbox_client, assistant, thread_id, setup + refresh)
    for _ in range(4):
        run_code(sandbox_client, assistant, thread_id, refresh)
    sandbox_client.beta.threads.delete(thread_id)


def test_link_swaps_over_a_staged_attachment_write_no_host_file(sandbox_client, assistant, canary):
    """Names the server is about to write attachments to keep turning into links to the canary
    (planted again as soon as the server removes them)."""
    thread_id = new_thread(sandbox_client)
    batches = [[f"attack{b}-{i}.txt" for i in range(10)] for b in range(4)]
    setup = f"""
import os, threading
stop, targets = threading.Event(), []
def plant():
    while not stop.is_set():
        for path in list(targets):
            try:
                os.symlink({str(canary)!r}, path)
            except OSError:
                pass
threading.Thread(target=plant, daemon=True).start()
"""
    run_code(sandbox_client, assistant, thread_id, setup)
    for batch in batches:
        run_code(sandbox_client, assistant, thread_id, f"targets[:] = {['/mnt/data/' + n for n in batch]!r}")
        ids = [sandbox_client.files.create(file=(name, f"attached {name}".encode()), purpose="assistants").id
               for name in batch]
        attachments = [{"file_id": i, "tools": [{"type": "code_interpreter"}]} for i in ids]
        run = finish(sandbox_client, start(sandbox_client, assistant, thread_id, "print('staged')", attachments=attachments))
        assert run.status == "completed", run.last_error
    sandbox_client.beta.threads.delete(thread_id)


FIFO_RACE = RACER + """
import stat
pairs = []
for i in range(10):
    os.mkfifo(f'/mnt/data/fifo{i}')
    pairs.append((f'/mnt/data/f{i}.txt', f'/mnt/data/fifo{i}'))
pause.set()
for a, b in pairs:
    open(a, 'w').write('x')
pause.clear()
threading.Thread(target=race, args=(pairs, 3), daemon=True).start()
"""


def test_a_fifo_swapped_in_during_the_output_scan_hangs_nothing(sandbox_client, assistant, server):
    thread_id = new_thread(sandbox_client)
    run = finish(sandbox_client, start(sandbox_client, assistant, thread_id, FIFO_RACE + "time.sleep(0.3)"), timeout=30)
    assert run.status == "completed"
    assert httpx.get(server.root_url + "/health", timeout=5).status_code == 200
    sandbox_client.beta.threads.delete(thread_id)


def test_stuck_calls_in_parallel_starve_nothing(sandbox_client, assistant, server):
    """Six threads' calls at once, each planting FIFOs for the scan and then sleeping: meanwhile
    /ready answers, and a run without tools and a run with code in another thread both finish."""
    threads = [new_thread(sandbox_client) for _ in range(6)]
    runs = [start(sandbox_client, assistant, t, "import time\ntime.sleep(6)\n" + FIFO_RACE) for t in threads]
    deadline = time.monotonic() + 20
    while not all(sandbox_client.beta.threads.runs.steps.list(r.id, thread_id=r.thread_id).data for r in runs):
        assert time.monotonic() < deadline, "the calls did not start"
        time.sleep(0.1)
    ready = httpx.get(server.root_url + "/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    plain = sandbox_client.beta.assistants.create(model="scripted")
    other = sandbox_client.beta.threads.create(messages=[{"role": "user", "content": 'SCRIPT: {"text": "still here"}'}])
    quick = finish(sandbox_client, sandbox_client.beta.threads.runs.create(thread_id=other.id, assistant_id=plain.id), timeout=15)
    assert quick.status == "completed"
    extra = new_thread(sandbox_client)
    assert run_code(sandbox_client, assistant, extra, "print(6 * 7)", timeout=15) == "42"
    for run in runs:
        assert finish(sandbox_client, run, timeout=30).status == "completed"
    for thread_id in [*threads, extra]:
        sandbox_client.beta.threads.delete(thread_id)


def test_filling_the_disk_fails_inside_and_the_server_stays_well(sandbox_client, assistant, server):
    fill = (f"import errno\ntotal, error = 0, None\ntry:\n    with open('/mnt/data/fill.bin', 'wb') as f:\n"
            f"        while total < {4 * DISK_MB} * 2 ** 20:\n            f.write(b'x' * 2 ** 20)\n"
            f"            f.flush()\n            total += 2 ** 20\nexcept OSError as e:\n    error = e.errno\n"
            f"print(error == errno.ENOSPC, total <= {DISK_MB} * 2 ** 20)")
    filling = new_thread(sandbox_client)
    run = start(sandbox_client, assistant, filling, fill)
    assert httpx.get(server.root_url + "/health", timeout=5).status_code == 200
    assert run_code(sandbox_client, assistant, new_thread(sandbox_client), "print('parallel')", timeout=20) == "parallel"
    run = finish(sandbox_client, run)
    assert run.status == "completed" and outputs(sandbox_client, run) == "True True"
    # the thread's interpreter goes on: space comes back when the code deletes its file
    after = run_code(sandbox_client, assistant, filling, "import os\nos.remove('/mnt/data/fill.bin')\n"
                                                 "open('/mnt/data/small.txt', 'w').write('ok')\nprint('ok')")
    assert after == "ok"
    sandbox_client.beta.threads.delete(filling)


def test_shared_memory_works_within_its_own_budget(sandbox_client, assistant):
    """multiprocessing (which needs /dev/shm for its locks) works; /dev/shm is a small tmpfs of the
    sandbox's own, so filling it fails inside, and /dev stays read-only."""
    code = r"""
import errno, multiprocessing, os
with multiprocessing.Pool(2) as pool:
    print(sum(pool.map(abs, range(-10, 0))))
total, error = 0, None
try:
    with open('/dev/shm/fill', 'wb') as f:
        while total < 256 * 2 ** 20:
            f.write(b'x' * 2 ** 20)
            f.flush()
            total += 2 ** 20
except OSError as e:
    error = e.errno
os.remove('/dev/shm/fill')
print(error == errno.ENOSPC, total <= 64 * 2 ** 20)
try:
    open('/dev/planted', 'w')
    print('WROTE /dev')
except OSError as e:
    print(errno.errorcode[e.errno])
"""
    assert run_code(sandbox_client, assistant, new_thread(sandbox_client), code).splitlines() == ["55", "True True", "EROFS"]


def test_no_nested_namespaces_mounts_or_kernel_doors(sandbox_client, assistant):
    code = r"""
import ctypes, errno, os, subprocess
for cmd in (['unshare', '-r', 'id', '-u'], ['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs none /tmp && echo MOUNTED'],
            ['unshare', '-U', 'true'], ['unshare', '-m', 'true'], ['mount', '-t', 'tmpfs', 'none', '/tmp']):
    r = subprocess.run(cmd, capture_output=True, text=True)
    print(cmd[:2], 'ok' if r.returncode != 0 and 'MOUNTED' not in r.stdout else 'ESCAPED ' + r.stdout.strip())
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def denied(name, *args):
    number = {'unshare': 272, 'setns': 308, 'mount': 165, 'umount2': 166, 'pivot_root': 155, 'ptrace': 101,
              'keyctl': 250, 'add_key': 248, 'request_key': 249, 'bpf': 321, 'perf_event_open': 298,
              'userfaultfd': 323, 'kexec_load': 246, 'init_module': 175, 'finit_module': 313, 'clone3': 435,
              'clone': 56}[name]
    result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    if result == 0 and name == 'clone':
        os._exit(0)
    print(name, 'ok' if result == -1 else 'ALLOWED', errno.errorcode.get(ctypes.get_errno(), '?'))
denied('unshare', 0x10000000)          # CLONE_NEWUSER
denied('unshare', 0x00020000)          # CLONE_NEWNS
denied('setns', -1, 0)
denied('mount', 0, 0, 0, 0, 0)
denied('umount2', 0, 0)
denied('pivot_root', 0, 0)
denied('ptrace', 0, 0, 0, 0)           # PTRACE_TRACEME
denied('keyctl', 0, 0, 0, 0)
denied('add_key', 0, 0, 0, 0, 0)
denied('request_key', 0, 0, 0, 0)
denied('bpf', 0, 0, 0)
denied('perf_event_open', 0, 0, -1, -1, 0)
denied('userfaultfd', 0)
denied('kexec_load', 0, 0, 0, 0)
denied('init_module', 0, 0, 0)
denied('finit_module', -1, 0, 0)
denied('clone3', 0, 0)
denied('clone', 0x10000000 | 17, 0, 0, 0, 0)   # CLONE_NEWUSER | SIGCHLD
pid = os.fork()                                # plain processes and threads still work
if pid == 0:
    os._exit(7)
print('fork', os.waitpid(pid, 0)[1] >> 8)
"""
    text = run_code(sandbox_client, assistant, new_thread(sandbox_client), code)
    lines = text.splitlines()
    assert len(lines) == 24, text
    assert all(" ok" in line or line.endswith("ok") or line.startswith("fork") for line in lines), text
    assert "ALLOWED" not in text and "ESCAPED" not in text
    assert "clone3 ok ENOSYS" in text  # so that libc falls back to clone, whose flags are checked
    assert lines[-1] == "fork 7"


def test_links_hard_links_devices_and_proc_paths_show_nothing_of_the_host(sandbox_client, assistant, canary, server):
    code = f"""
import os, stat
for name, target in [('env', '/proc/self/environ'), ('server_env', '/proc/{server.process.pid}/environ'),
                     ('root1', '/proc/1/root'), ('canary', '/proc/1/root{canary}'), ('host', {str(canary)!r}),
                     ('cwd', '/proc/self/cwd'), ('fd0', '/proc/self/fd/0'), ('fd1', '/proc/self/fd/1')]:
    os.symlink(target, '/mnt/data/' + name)
for source in ('/opt/python/bin/python3', '/proc/self/environ', '/usr/bin/true', '/etc/ld.so.cache'):
    try:
        os.link(source, '/mnt/data/hard')
        print('LINKED', source)
    except OSError as e:
        print('no link', type(e).__name__)
for name, kind, device in [('null', stat.S_IFCHR, (1, 3)), ('mem', stat.S_IFCHR, (1, 1)), ('disk', stat.S_IFBLK, (8, 0))]:
    try:
        os.mknod('/mnt/data/' + name, kind | 0o666, os.makedev(*device))
        print('MADE', name)
    except OSError as e:
        print('no node', type(e).__name__)
for path in ('/proc/1/root{canary}', '/proc/1/environ', '/proc/{server.process.pid}/environ'):
    try:
        print('read', path, open(path, 'rb').read()[:40])
    except OSError as e:
        print('no read', type(e).__name__)
"""
    answer = " ".join(f"[{n}](sandbox:/mnt/data/{n})" for n in ("env", "server_env", "canary", "host", "fd0"))
    thread_id = new_thread(sandbox_client)
    sandbox_client.beta.threads.messages.create(thread_id, role="user", content=calls(code, after=answer))
    run = finish(sandbox_client, sandbox_client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant.id))
    assert run.status == "completed"
    text = outputs(sandbox_client, run)
    assert "LINKED" not in text and "MADE" not in text, text
    assert text.count("no link") == 4 and text.count("no node") == 3
    message = sandbox_client.beta.threads.messages.list(thread_id, run_id=run.id).data[0]
    assert message.content[-1].text.annotations == []  # links are not files
    sandbox_client.beta.threads.delete(thread_id)


def _sandbox_processes(server_pid: int) -> list[dict[str, str]]:
    """The host's view (from /proc) of the interpreters under the server process."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != server_pid:
            ancestor = parents.get(ancestor)
        if ancestor != server_pid:
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if argv and argv[0].endswith(b"python3") and any(a.endswith(b"repl.py") for a in argv):
            found.append(dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line))
    return found


def test_each_sandbox_is_an_unprivileged_user_without_capabilities_under_seccomp(sandbox_client, assistant, server):
    threads = [new_thread(sandbox_client) for _ in range(2)]
    for thread_id in threads:
        run_code(sandbox_client, assistant, thread_id, "x = 1")
    found = _sandbox_processes(server.process.pid)
    assert len(found) >= 2, found
    uids = set()
    for status in found:
        real, effective, saved, filesystem = status["Uid"].split()
        assert real == effective == saved == filesystem
        uids.add(int(real))
        assert int(status["CapEff"], 16) == int(status["CapPrm"], 16) == int(status["CapBnd"], 16) == 0
        assert status["NoNewPrivs"].strip() == "1"
        assert status["Seccomp"].strip() == "2"  # a filter
    if os.geteuid() == 0:  # one user id per sandbox, from OPENBETA_CODE_INTERPRETER_UID_BASE
        assert len(uids) == len(found) and min(uids) >= 200000
    else:  # a server that is not root can only give its own
        assert uids == {os.geteuid()}
    for thread_id in threads:
        sandbox_client.beta.threads.delete(thread_id)


def test_forged_replies_restart_only_that_sandbox(sandbox_client, assistant):
    """The code writes what looks like the interpreter's replies to every pipe it holds: a reply
    that claims a huge payload, then garbage. The call ends with an error, the sandbox is
    restarted, and the thread's next call works."""
    thread_id = new_thread(sandbox_client)
    run_code(sandbox_client, assistant, thread_id, "kept = 1")
    forge = r"""
import os, json
lie = (json.dumps({"seq": 2, "logs": "forged", "error": None, "images": [2 ** 40], "size": 2 ** 40}) + "\n").encode()
for fd in map(int, os.listdir('/proc/self/fd')):
    try:
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            os.write(fd, lie + b"\x00garbage\n" * 10)
    except OSError:
        pass
"""
    text = run_code(sandbox_client, assistant, thread_id, forge)
    assert "forged" not in text and "restarted" in text, text
    assert run_code(sandbox_client, assistant, thread_id, "print('kept' in globals())") == "False"


def test_cancel_ends_a_stuck_call_promptly(sandbox_client, assistant):
    """Code that ignores the interrupt: cancelling its run kills the sandbox after a short grace,
    long before the call's own timeout."""
    thread_id = new_thread(sandbox_client)
    code = "import signal, time\nsignal.signal(signal.SIGUSR1, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)"
    run = start(sandbox_client, assistant, thread_id, code)
    deadline = time.monotonic() + 20
    while not sandbox_client.beta.threads.runs.steps.list(run.id, thread_id=thread_id).data:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1)  # the code is running now
    began = time.monotonic()
    sandbox_client.beta.threads.runs.cancel(run.id, thread_id=thread_id)
    run = finish(sandbox_client, run, timeout=CALL_TIMEOUT)
    assert run.status == "cancelled"
    assert time.monotonic() - began < CALL_TIMEOUT / 2, "cancel waited for the call's timeout"
    assert run_code(sandbox_client, assistant, thread_id, "print('again')") == "again"
    sandbox_client.beta.threads.delete(thread_id)
