"""Layer 2: OS confinement of the child that runs model-written Python. Standard library only:
the child runs `python -I -S` without memd on its path and loads this file by its path.

Linux, applied by the child to itself before the model's code runs (no_new_privs first):
- Landlock: every filesystem right the kernel's ABI knows is handled; the only rule grants
  read access to the interpreter's standard library, so the model's code can import `json` or
  `re` and nothing else: not the memory folder (it reads memory through the tools, which
  check every path in the parent), not /proc, /etc, $HOME, memd's state or its socket folder;
  it can create, write, link or remove nothing anywhere. ABI >= 4 also denies TCP bind and
  connect; ABI >= 6 scopes abstract unix sockets and signals to the sandbox.
- seccomp (a BPF filter built here): `socket`/`socketpair` (pathname AF_UNIX connect is not a
  Landlock right), `execve`/`execveat`, `fork`/`vfork` and `clone` without CLONE_THREAD (glibc's
  fork is clone), `clone3` (ENOSYS, so libc falls back to the filtered clone), ptrace,
  process_vm_*, kill/tkill (tgkill only on itself), io_uring (it bypasses seccomp), mount and
  namespace calls, bpf, keyctl, setsid/setpgid (leaving the process group the parent kills)...
  all fail with EPERM; a syscall of another ABI (x32, i386) kills the process.
Both must be available, or no free code runs (`available()` says why).

macOS: the child is started under `sandbox-exec` with a deny-default Seatbelt profile (reads
of the system and interpreter, no network, no exec, no writes). It is built here but has not
been exercised on macOS by memd's tests (they run on Linux).
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import struct
import sys

# -- Landlock -----------------------------------------------------------------------------------
_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class ConfinementError(Exception):
    pass


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    if sys.platform != "linux":
        return 0
    try:
        abi = _libc().syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                              ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    except OSError:
        return 0
    return int(abi) if abi > 0 else 0


def apply_landlock(read_dirs: list[str]) -> int:
    """Confine this process: read-only access to `read_dirs`, nothing else. Returns the ABI."""
    libc = _libc()
    abi = landlock_abi()
    if abi < 1:
        raise ConfinementError("Landlock is not available")
    fs_rights = _FS_RIGHTS_BY_ABI.get(abi, (1 << 16) - 1)
    attr = struct.pack("=QQQ", fs_rights, (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                       (_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    buf = ctypes.create_string_buffer(attr[:size], size)
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, buf, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise ConfinementError(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for folder in read_dirs:
            try:
                fd = os.open(folder, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                is_dir = os.path.isdir(folder)
                rule = _PathBeneath((_FS_READ_FILE | _FS_READ_DIR) if is_dir else _FS_READ_FILE, fd)
                if libc.syscall(_SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                                ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise ConfinementError(f"landlock_add_rule {folder}: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise ConfinementError("prctl(NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
            raise ConfinementError(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return abi


# -- seccomp ------------------------------------------------------------------------------------
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
# Denied with EPERM. clone (checked for CLONE_THREAD), clone3 (ENOSYS) and tgkill are below.
_DENY = {
    "x86_64": {
        "socket": 41, "socketpair": 53, "execve": 59, "execveat": 322, "fork": 57, "vfork": 58, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "kill": 62, "tkill": 200, "mount": 165, "umount2": 166,
        "unshare": 272, "setns": 308, "bpf": 321, "userfaultfd": 323, "perf_event_open": 298, "keyctl": 250,
        "add_key": 248, "request_key": 249, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "pidfd_open": 434, "pidfd_getfd": 438,
        "pidfd_send_signal": 424, "mknod": 133, "mknodat": 259, "symlink": 88, "symlinkat": 266, "link": 86,
        "linkat": 265, "chroot": 161, "pivot_root": 155, "init_module": 175, "finit_module": 313, "kexec_load": 246,
        "reboot": 169, "swapon": 167, "acct": 163, "setsid": 112, "setpgid": 109, "personality": 135,
    },
    "aarch64": {
        "socket": 198, "socketpair": 199, "execve": 221, "execveat": 281, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "kill": 129, "tkill": 130, "mount": 40, "umount2": 39, "unshare": 97, "setns": 268,
        "bpf": 280, "userfaultfd": 282, "perf_event_open": 241, "keyctl": 219, "add_key": 217, "request_key": 218,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_by_handle_at": 265,
        "name_to_handle_at": 264, "pidfd_open": 434, "pidfd_getfd": 438, "pidfd_send_signal": 424, "mknodat": 33,
        "symlinkat": 36, "linkat": 37, "chroot": 51, "pivot_root": 41, "init_module": 105, "finit_module": 273,
        "kexec_load": 104, "reboot": 142, "swapon": 224, "acct": 89, "setsid": 157, "setpgid": 154,
        "personality": 92,
    },
}
_CLONE = {"x86_64": 56, "aarch64": 220}
_CLONE3 = 435
_TGKILL = {"x86_64": 234, "aarch64": 131}
_CLONE_THREAD = 0x00010000
_EPERM, _ENOSYS = 1, 38
_RET_ALLOW, _RET_KILL_PROCESS = 0x7FFF0000, 0x80000000
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06


def _errno(e: int) -> int:
    return 0x00050000 | e


def _bpf_program(arch: str, own_pid: int) -> list[tuple[int, int, int, int]]:
    deny = sorted(_DENY[arch].values())
    prog: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 1, 0, _AUDIT_ARCH[arch]),
        (_RET_K, 0, 0, _RET_KILL_PROCESS),
        (_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if arch == "x86_64":
        prog += [(_JGE_K, 0, 1, 0x40000000), (_RET_K, 0, 0, _RET_KILL_PROCESS)]  # x32 ABI
    for nr in deny:
        prog += [(_JEQ_K, 0, 1, nr), (_RET_K, 0, 0, _errno(_EPERM))]
    prog += [(_JEQ_K, 0, 1, _CLONE3), (_RET_K, 0, 0, _errno(_ENOSYS))]
    # clone: allowed only for a thread (flags in args[0], low word at offset 16).
    prog += [
        (_JEQ_K, 0, 4, _CLONE[arch]),
        (_LD_W_ABS, 0, 0, 16),
        (_JSET_K, 0, 1, _CLONE_THREAD),
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, _errno(_EPERM)),
    ]
    # tgkill: only signals to itself (Python's abort, faulthandler).
    prog += [
        (_JEQ_K, 0, 4, _TGKILL[arch]),
        (_LD_W_ABS, 0, 0, 16),
        (_JEQ_K, 1, 0, own_pid),
        (_RET_K, 0, 0, _errno(_EPERM)),
        (_RET_K, 0, 0, _RET_ALLOW),
    ]
    prog.append((_RET_K, 0, 0, _RET_ALLOW))
    return prog


def apply_seccomp() -> None:
    arch = platform.machine()
    if arch not in _AUDIT_ARCH:
        raise ConfinementError(f"no seccomp filter for {arch}")
    prog = _bpf_program(arch, os.getpid())
    raw = b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in prog)
    filt = ctypes.create_string_buffer(raw, len(raw))

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Fprog(len(prog), ctypes.cast(filt, ctypes.c_void_p))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise ConfinementError("prctl(NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise ConfinementError(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")


def seccomp_supported() -> bool:
    if sys.platform != "linux" or platform.machine() not in _AUDIT_ARCH:
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return any(line.startswith("Seccomp:") for line in fh)
    except OSError:
        return False


# -- macOS Seatbelt -----------------------------------------------------------------------------
def seatbelt_profile(python: str) -> str:
    """Deny by default; read the system, the interpreter and memd's two child files; exec only
    the interpreter; no network, no writes. Untested by memd's suite (it runs on Linux)."""
    here = os.path.dirname(os.path.realpath(__file__))
    reads = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    subpaths = " ".join(f'(subpath "{p}")' for p in sorted(reads))
    execs = " ".join(f'(literal "{p}")' for p in sorted({python, os.path.realpath(python)}))
    return f"""(version 1)
(deny default)
(allow process-exec {execs})
(allow file-read* (subpath "/usr/lib") (subpath "/System") (subpath "/Library/Apple")
       (subpath "/private/var/db/dyld") {subpaths}
       (literal "{here}/child.py") (literal "{here}/confine.py") (literal "/dev/null") (literal "/dev/urandom"))
(allow file-read-metadata)
(allow sysctl-read)
(allow file-write* (literal "/dev/null"))
(deny network*)
"""


# -- what this machine offers -------------------------------------------------------------------
def available() -> tuple[bool, str]:
    """(True, layers) when free code can run confined here; else (False, why not)."""
    if sys.platform == "linux":
        abi = landlock_abi()
        if abi < 1:
            return False, "Landlock is not enabled in this kernel (Linux >= 5.13 with lsm=landlock)"
        if not seccomp_supported():
            return False, f"seccomp filters are not available on {platform.machine()}"
        return True, f"landlock ABI {abi} + seccomp"
    if sys.platform == "darwin":
        if shutil.which("sandbox-exec") or os.path.exists("/usr/bin/sandbox-exec"):
            return True, "sandbox-exec (Seatbelt)"
        return False, "sandbox-exec is not present"
    return False, f"no OS sandbox for {sys.platform}"
