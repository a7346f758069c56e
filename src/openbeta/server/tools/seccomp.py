"""The seccomp filter of code_interpreter sandboxes: system calls the code never needs and
that open kernel doors (namespaces, mounts, tracing, keyrings, BPF, module loading ...).

It is built with libseccomp (through ``pyseccomp``, a ctypes binding over the system's
``libseccomp.so.2``) once per process, exported as a classic BPF program, and handed to
bubblewrap (``--seccomp FD``), which installs it right before it runs the interpreter.
Every other system call is allowed; a call from another architecture's ABI (x32, i386)
kills the process.

- :data:`DENIED` fail with ``EPERM``.
- ``clone`` fails with ``EPERM`` when its flags ask for a new namespace (plain processes
  and threads are fine); ``clone3``, whose flags sit in memory a filter cannot read, fails
  with ``ENOSYS``, so the C library falls back to ``clone``.
"""

from __future__ import annotations

import errno
import functools
import tempfile
from typing import Optional

#: Denied outright (``EPERM``). Those the kernel lacks on this architecture are skipped.
DENIED = (
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr",
    # looking into or steering other processes
    "ptrace", "process_vm_readv", "process_vm_writev",
    # kernel keyrings
    "keyctl", "add_key", "request_key",
    # kernel programs, tracing, page-fault handling, asynchronous I/O rings
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    # kernels and modules
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    # file handles (open a file by inode, around the mount tree)
    "open_by_handle_at", "name_to_handle_at",
    # the host's clock, swap, accounting and log
    "reboot", "swapon", "swapoff", "acct", "syslog", "settimeofday", "clock_settime", "clock_adjtime",
)

#: ``clone`` flags that make a namespace (mount, cgroup, UTS, IPC, user, PID, network).
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)


def unavailable() -> Optional[str]:
    """Why the filter cannot be built here (``None``: it can)."""
    try:
        program()
    except (ImportError, OSError, RuntimeError) as exc:
        return f"the seccomp filter cannot be built (pyseccomp over libseccomp2 is needed): {exc}"
    return None


@functools.lru_cache(maxsize=1)
def program() -> bytes:
    """The filter as a BPF program (what ``bwrap --seccomp`` reads)."""
    import pyseccomp as sc

    rules = sc.SyscallFilter(sc.ALLOW)
    rules.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    for name in DENIED:
        try:
            rules.add_rule(sc.ERRNO(errno.EPERM), name)
        except (OSError, ValueError):  # not a system call of this architecture
            continue
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    with tempfile.TemporaryFile() as out:
        rules.export_bpf(out)
        out.seek(0)
        return out.read()
