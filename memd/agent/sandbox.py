"""Run one <python> block: interpreted when it is plain tool calls (layer 0), else in a confined
throw-away child (layers 1-2: child.py, confine.py), else refused with the reason.

The parent side of the child protocol is the trust boundary, so it assumes the child is
hostile: every line from it is size-capped and parsed as JSON (never pickle), must be one of
{"call": name, "args": [...], "kwargs": {...}} or {"done": {...}}, and tool calls run through
the same MemoryTools as the interpreter's. A wall-clock deadline covers the whole run, reads
and writes included (a child that stops reading its replies cannot block memd), and at the end
the child's whole process group is killed, whatever state it is in.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from memd.agent import confine
from memd.agent.interpreter import BlockError, Interpreter, NotInterpretable, parse_block
from memd.agent.tools import TOOL_NAMES, ToolError

log = logging.getLogger("memd.agent")
CHILD = Path(__file__).with_name("child.py")
CONFINE = Path(__file__).with_name("confine.py")
MAX_CODE_BYTES = 60_000  # below a pipe's buffer: the first write never waits on the child
MAX_LINE_BYTES = 4 << 20  # one message from the child
MAX_MESSAGES = 1000

ToolCall = Callable[[str, list[Any], dict[str, Any]], Any]


@dataclass
class Outcome:
    variables: dict[str, Any] = field(default_factory=dict)
    printed: str = ""
    error: str | None = None
    layer: str = "interpreter"  # interpreter | child | refused | none
    tripwires: list[str] = field(default_factory=list)  # what a child's block tried (audit hook; diagnostics)


def run_block(code: str, call_tool: ToolCall, *, mode: str = "auto", timeout_s: float = 5.0,
              memory_mb: int = 256, cwd: str | os.PathLike[str] = ".") -> Outcome:
    """Run `code`; never raises for anything the code does."""
    if mode == "off":
        return Outcome(error="running code is turned off here ([ask] code = off); reply from what you have",
                       layer="refused")
    try:
        tree = parse_block(code)
    except SyntaxError as exc:
        return Outcome(error=f"SyntaxError: {exc.msg} (line {exc.lineno})", layer="none")
    except (RecursionError, MemoryError, ValueError):
        return Outcome(error="SyntaxError: the block nests too deeply or is not valid text", layer="none")
    except NotInterpretable as exc:
        return _run_free(code, call_tool, str(exc), mode=mode, timeout_s=timeout_s, memory_mb=memory_mb, cwd=cwd)
    interp = Interpreter(_as_block_errors(call_tool), TOOL_NAMES, timeout_s=timeout_s)
    try:
        interp.run(tree)
        return Outcome(dict(interp.vars), interp.printed)
    except BlockError as exc:
        return Outcome(dict(interp.vars), interp.printed, str(exc))


def _as_block_errors(call_tool: ToolCall) -> ToolCall:
    def call(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        try:
            return call_tool(name, args, kwargs)
        except ToolError as exc:
            raise BlockError(f"Error: {exc}") from None

    return call


def _run_free(code: str, call_tool: ToolCall, why: str, *, mode: str, timeout_s: float, memory_mb: int,
              cwd: str | os.PathLike[str]) -> Outcome:
    if mode != "auto":
        return Outcome(error=f"this block uses {why}; only plain tool calls, assignments, if and for run here",
                       layer="refused")
    ok, layers = confine.available()
    if not ok:
        return Outcome(error=f"this block uses {why}, and free Python is refused on this machine ({layers}); "
                             "use plain tool calls and assignments", layer="refused")
    if len(code.encode("utf-8", "replace")) > MAX_CODE_BYTES:
        return Outcome(error=f"the block is longer than {MAX_CODE_BYTES} bytes", layer="refused")
    return ChildRun(code, call_tool, timeout_s=timeout_s, memory_mb=memory_mb, cwd=cwd).run()


class ChildRun:
    def __init__(self, code: str, call_tool: ToolCall, *, timeout_s: float, memory_mb: int,
                 cwd: str | os.PathLike[str]):
        self.code = code
        self.call_tool = call_tool
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.cwd = os.fspath(cwd)
        self.deadline = 0.0

    def _argv(self, req_w: int, resp_r: int) -> list[str]:
        settings = {"cpu_s": max(1, int(self.timeout_s + 0.999)), "mem_mb": self.memory_mb, "tools": list(TOOL_NAMES)}
        argv = [sys.executable, "-I", "-S", str(CHILD), str(req_w), str(resp_r), str(CONFINE), json.dumps(settings)]
        if sys.platform == "darwin":
            argv = ["/usr/bin/sandbox-exec", "-p", confine.seatbelt_profile(sys.executable)] + argv
        return argv

    def run(self) -> Outcome:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        proc = None
        try:
            proc = subprocess.Popen(
                self._argv(req_w, resp_r), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, pass_fds=(req_w, resp_r), cwd=self.cwd, env={}, close_fds=True,
                start_new_session=True)
            os.close(req_w)
            os.close(resp_r)
            req_w = resp_r = -1
            self.deadline = time.monotonic() + self.timeout_s + 1.0  # + the interpreter's start
            os.set_blocking(resp_w, False)
            self._write(resp_w, {"code": self.code})
            return self._serve(proc, req_r, resp_w)
        except _Stop as stop:
            return Outcome(error=stop.message, layer="child")
        except OSError as exc:  # the interpreter or sandbox-exec could not be started
            return Outcome(error=f"the sandbox process could not start: {exc.strerror or exc}", layer="refused")
        finally:
            if proc is not None:
                _kill_group(proc)
            for fd in (req_r, req_w, resp_r, resp_w):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass

    def _write(self, fd: int, obj: Any) -> None:
        data = (json.dumps(obj, ensure_ascii=False, default=str) + "\n").encode("utf-8", "replace")
        view = memoryview(data)
        while view:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise _Stop(f"the block ran past its {self.timeout_s:g} s limit and was stopped")
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                continue
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise _Stop("the block's process ended while memd answered it") from None
            view = view[n:]

    def _serve(self, proc: subprocess.Popen[bytes], req_r: int, resp_w: int) -> Outcome:
        buf = bytearray()
        messages = 0
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise _Stop(f"the block ran past its {self.timeout_s:g} s limit and was stopped")
            ready, _, _ = select.select([req_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(req_r, 1 << 16)
            if not chunk:
                return Outcome(error=self._death(proc), layer="child")
            buf += chunk
            while True:
                nl = buf.find(b"\n")
                if nl < 0:
                    if len(buf) > MAX_LINE_BYTES:
                        raise _Stop("the block sent an oversized message and was stopped")
                    break
                line = bytes(buf[:nl])
                del buf[:nl + 1]
                messages += 1
                if messages > MAX_MESSAGES:
                    raise _Stop("the block sent too many messages and was stopped")
                msg = _parse(line)
                if "done" in msg:
                    return _outcome(msg["done"])
                if "refused" in msg:
                    raise _Stop(f"free Python was refused: {str(msg['refused'])[:300]}")
                self._write(resp_w, self._call(msg))

    def _call(self, msg: dict[str, Any]) -> dict[str, Any]:
        name, args, kwargs = msg.get("call"), msg.get("args", []), msg.get("kwargs", {})
        if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict) \
                or not all(isinstance(k, str) for k in kwargs):
            raise _Stop("the block sent a malformed tool call and was stopped")
        try:
            return {"ok": self.call_tool(name, args, kwargs)}
        except ToolError as exc:
            return {"error": str(exc)}

    def _death(self, proc: subprocess.Popen[bytes]) -> str:
        try:
            code = proc.wait(timeout=max(0.1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return "the block closed its channel without a result and was stopped"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            why = {"SIGXCPU": "its CPU time limit", "SIGXFSZ": "its file size limit (it may write nothing)",
                   "SIGKILL": "a kill (memory or time)", "SIGSYS": "a forbidden system call"}.get(name, name)
            return f"the block's process was stopped by {why}"
        return f"the block's process exited ({code}) without a result"


class _Stop(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _parse(line: bytes) -> dict[str, Any]:
    try:
        msg = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Stop("the block sent something that is not JSON and was stopped") from None
    if not isinstance(msg, dict) or len(msg) > 3 or not ({"call", "done", "refused"} & set(msg)):
        raise _Stop("the block sent an unexpected message and was stopped")
    return msg


def _outcome(done: Any) -> Outcome:
    if not isinstance(done, dict) or not isinstance(done.get("vars", {}), dict):
        raise _Stop("the block's result was malformed")
    printed = done.get("printed") or ""
    error = done.get("error")
    trips = done.get("tripwires") or []
    trips = [str(t)[:200] for t in trips[:20]] if isinstance(trips, list) else []
    if trips:
        log.warning("ask sandbox: a model-written block tried: %s", "; ".join(trips))
    return Outcome(done.get("vars", {}), str(printed)[:20_000], str(error)[:2000] if error else None, "child", trips)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole session group (a grandchild it managed to start goes too)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass

