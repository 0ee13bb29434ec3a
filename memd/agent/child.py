"""The throw-away child that runs one model-written <python> block (layers 1 and 2).

Started by sandbox.py as `python -I -S child.py REQ_FD RESP_FD CONFINE_PY SETTINGS_JSON` with an
empty environment, cwd the memory folder, stdin/stdout/stderr on /dev/null, in its own
session. Standard library only (memd is not importable here, on purpose). In order:
  1. read the block from the parent (one JSON line on RESP_FD);
  2. set rlimits: CPU seconds, address space, file size 0, no new processes, few descriptors,
     no core dumps;
  3. confine itself (confine.py: Landlock + seccomp on Linux; on macOS the parent started it
     under sandbox-exec) and refuse to go on if that fails;
  4. exec the block with the tools as functions that ask the parent over the pipes (an audit
     hook notes what it tries: files outside the standard library, sockets, processes);
  5. send its variables as JSON (one line on REQ_FD) and exit.
Nothing here is trusted by the parent: the block can reach these pipes and write anything on
them, so the parent parses every line as untrusted, size-capped JSON (never pickle).
"""

import builtins
import io
import json
import os
import resource
import sys

MAX_PRINTED = 20_000
MAX_VALUE_CHARS = 200_000


class _CappedOut(io.TextIOBase):
    """print() goes here; stdout itself is /dev/null (no framing to forge)."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def write(self, text):
        text = str(text)
        if self.size < MAX_PRINTED:
            self.parts.append(text[: MAX_PRINTED - self.size])
            self.size += len(text)
        return len(text)


def _send(fd, obj):
    data = (json.dumps(obj, default=repr, ensure_ascii=False) + "\n").encode("utf-8", "replace")
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _recv(fh):
    line = fh.readline(8 << 20)
    if not line:
        os._exit(3)
    return json.loads(line)


def _plain(value, depth=0):
    """A JSON-able copy of a variable (anything else as a short repr)."""
    if depth > 20:
        return "<nested too deeply>"
    if value is None or isinstance(value, (bool, int, float)):
        return value if not isinstance(value, int) or value.bit_length() < 4096 else repr(value)[:100]
    if isinstance(value, str):
        return value[:MAX_VALUE_CHARS]
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in list(value)[:1000]]
    if isinstance(value, dict):
        return {str(k)[:200]: _plain(v, depth + 1) for k, v in list(value.items())[:1000]}
    try:
        return repr(value)[:200]
    except Exception:
        return f"<{type(value).__name__}>"


def _limits(cpu_s, mem_mb):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _confine(confine_path, read_dirs):
    if sys.platform == "darwin":
        return "sandbox-exec"  # applied by the parent when it started this process
    import importlib.util

    spec = importlib.util.spec_from_file_location("memd_agent_confine", confine_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    abi = module.apply_landlock(read_dirs)
    module.apply_seccomp()
    return f"landlock ABI {abi} + seccomp"


# Layer 3, diagnostics only: an audit hook noting what the block tried (hooks are no boundary:
# the block can remove this list or forge its report; the OS layers are what hold).
_WATCHED = ("socket.", "subprocess.", "os.system", "os.exec", "os.fork", "os.posix_spawn", "os.spawn", "os.kill",
            "os.symlink", "os.link", "ctypes.dlopen", "ctypes.cdata", "pty.")


def _tripwires(read_dirs):
    noted = []
    allowed = tuple(d.rstrip("/") + "/" for d in read_dirs)

    def hook(event, args):
        if len(noted) >= 50:
            return
        if event == "open" and args and isinstance(args[0], str) and not args[0].startswith(allowed):
            noted.append(f"open {args[0][:200]}")
        elif event.startswith(_WATCHED):
            noted.append(event)

    sys.addaudithook(hook)
    return noted


def main():
    req_fd, resp_fd, confine_path, settings = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    inbox = os.fdopen(resp_fd, "rb", buffering=0)
    inbox = io.BufferedReader(inbox)
    code = _recv(inbox)["code"]
    read_dirs = [os.path.realpath(p) for p in sys.path if p and os.path.exists(p)]
    try:
        _confine(confine_path, read_dirs)
        _limits(int(settings["cpu_s"]), int(settings["mem_mb"]))
    except Exception as exc:  # never run the block unconfined
        _send(req_fd, {"refused": f"confinement failed: {type(exc).__name__}: {exc}"})
        os._exit(4)

    def tool(name):
        def call(*args, **kwargs):
            _send(req_fd, {"call": name, "args": list(args), "kwargs": kwargs})
            reply = _recv(inbox)
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply.get("ok")

        call.__name__ = name
        return call

    tripwires = _tripwires(read_dirs)
    tools = {name: tool(name) for name in settings["tools"]}
    namespace = {"__builtins__": builtins, "__name__": "__memory__", **tools}
    printed = _CappedOut()
    sys.stdout = printed
    error = None
    try:
        exec(compile(code, "<python>", "exec"), namespace)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: the block ends here
        error = f"{type(exc).__name__}: {exc}"[:2000]
    sys.stdout = sys.__stdout__
    variables = {}
    for key, value in list(namespace.items()):
        if key.startswith("__") or key in tools or type(value).__name__ in ("module", "function", "type"):
            continue
        variables[key] = _plain(value)
    _send(req_fd, {"done": {"vars": variables, "printed": "".join(printed.parts), "error": error,
                            "tripwires": tripwires[:20]}})
    os._exit(0)


if __name__ == "__main__":
    main()
