"""Safety benchmark: what memd's guarantees cost, with a naive baseline measured in the same run.

    python bench/safety_bench.py [--ops 300] [--baseline-cap-mb 1024] [--baseline-timeout 10]

Measures:
  - vault writer operations per second with fsync (VaultWriter.apply: journal, temp file, fsync,
    the atomic swap-and-verify or its fallback, folder fsync), beside a plain writer (temp file,
    fsync, os.replace, folder fsync) writing the same bytes; both again without fsync, for scale;
  - for each hostile input of issue 12 (100,000 nested `[` raw and as a 255-byte zip, one 1 GiB
    JSON string in a 1 MB zip, a 1,000,000-digit number, a 64 MiB zip bomb), the peak RSS and the
    time memd's parser takes to refuse it, each in a process of its own, beside what a plain
    parser does with the same input (ijson without limits, as memd read exports before; json.loads
    of the member read whole), run under an address-space cap and a timeout so the baseline
    cannot take the machine down;
  - against a real `memd run`: the time to answer a 1 MiB search and a request nested 100,000 deep,
    beside an ordinary search, and the daemon's RSS before, after and at its peak.
Prints a table and writes bench/results/safety_bench.json. Targets (issue 12): writer >= 500 ops/s
with fsync; peak RSS while refusing <= 100 MB; time to refuse <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "importers"))

from hostile_inputs import GIB, MIB, Member, deep, deep_zip, huge_string_zip, write_zip  # noqa: E402

TARGET_OPS = 500.0
TARGET_RSS_MB = 100.0
TARGET_REFUSE_S = 2.0
CHATGPT_ITEM = b'[{"title": "t", "create_time": 1714550400, "mapping": {}, "x": '


# --- writer ---------------------------------------------------------------------------------------

def bench_writer(root: Path, ops: int, fsync: bool = True) -> dict:
    from memd.state import Source, StateDB
    from memd.vault import atomic
    from memd.vault.operations import SetFact
    from memd.vault.writer import VaultWriter

    vault, state = root / "vault", root / "state"
    (vault / "memory" / "entities").mkdir(parents=True)
    state.mkdir()
    db = StateDB(state / "state.db")
    writer = VaultWriter(vault, db, lock_path=state / "write.lock", settle_seconds=0.0, fsync=fsync)
    files = [f"memory/entities/person_{i}.md" for i in range(20)]
    source = Source("bench", ref="safety_bench")
    statuses: Counter[str] = Counter()
    start = time.perf_counter()
    for n in range(ops):
        path = files[n % len(files)]
        op = SetFact(path=path, fact_key=f"fact_{n // len(files)}", value=f"value {n}", title=f"Person {n % len(files)}")
        statuses[writer.apply(op, source).status] += 1
    memd_s = time.perf_counter() - start

    # The baseline writes the bytes memd's files now hold, the way a plain program would.
    contents = {p: (vault / p).read_bytes() for p in files}
    plain = root / "plain"
    plain.mkdir()
    start = time.perf_counter()
    for n in range(ops):
        name = files[n % len(files)].rsplit("/", 1)[1]
        tmp = plain / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, contents[files[n % len(files)]])
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, plain / name)
        if fsync:
            dfd = os.open(plain, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    plain_s = time.perf_counter() - start
    mode = getattr(atomic, "mode", lambda: "replace")()
    return {"ops": ops, "fsync": fsync, "statuses": dict(statuses), "mode": mode,
            "memd_ops_per_s": round(ops / memd_s, 1), "plain_ops_per_s": round(ops / plain_s, 1)}


# --- the daemon's socket ----------------------------------------------------------------------------

def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def bench_socket(root: Path) -> dict | None:
    """A real `memd run`: how fast a 1 MiB search and a 100,000-deep request are answered, beside
    an ordinary search, and what the daemon's memory does meanwhile."""
    import shutil
    import socket

    if not Path("/proc/self/status").exists():
        return None
    vault, short = root / "vault", Path(tempfile.mkdtemp(prefix="memdsb-", dir="/tmp"))
    vault.mkdir(parents=True)
    (vault / "Trip.md").write_text("# Trip\nLisbon in May, then Porto.\n")
    cfg = root / "config.toml"
    cfg.write_text(f'vault = "{vault}"\nstate_dir = "{root / "state"}"\n\n[daemon]\nsocket_path = "{short / "s.sock"}"\n')
    env = dict(os.environ, MEMD_CONFIG=str(cfg), XDG_RUNTIME_DIR=str(short))
    log = open(root / "daemon.log", "wb")
    proc = subprocess.Popen([sys.executable, "-P", "-m", "memd", "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        sock = None
        for _ in range(600):
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(str(short / "s.sock"))
                break
            except OSError:
                sock.close()
                sock = None
                if proc.poll() is not None:
                    raise RuntimeError("the daemon exited: " + (root / "daemon.log").read_text()[-500:])
                time.sleep(0.1)
        assert sock is not None, "the daemon's socket never answered"
        sock.settimeout(120)
        pending = b""

        def ask(line: bytes) -> tuple[float, dict]:
            nonlocal pending
            start = time.perf_counter()
            sock.sendall(line + b"\n")
            while b"\n" not in pending:
                pending += sock.recv(1 << 16)
            reply, pending = pending.split(b"\n", 1)
            return time.perf_counter() - start, json.loads(reply)

        def req(method: str, params: dict) -> bytes:
            return json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()

        ask(req("search", {"query": "warm up"}))
        rss_before = _status_mb(proc.pid, "VmRSS")
        rows = {}
        for name, line in (("search 'lisbon' (ordinary)", req("search", {"query": "lisbon"})),
                           ("search of 1 MiB", req("search", {"query": "lisbon " * ((MIB - 100) // 7)})),
                           ("request nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000)):
            seconds, reply = ask(line)
            outcome = reply["error"]["message"] if "error" in reply else f"{len(reply['result']['results'])} results"
            rows[name] = {"seconds": round(seconds, 4), "outcome": outcome}
        return {"requests": rows, "rss_before_mb": rss_before, "rss_after_mb": _status_mb(proc.pid, "VmRSS"),
                "peak_rss_mb": _status_mb(proc.pid, "VmHWM")}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(short, ignore_errors=True)


# --- hostile inputs -------------------------------------------------------------------------------

def build_inputs(root: Path) -> dict[str, Path]:
    d = root / "inputs"
    d.mkdir(parents=True)
    raw = d / "deep.json"
    raw.write_bytes(deep())
    number = d / "number.json"
    number.write_bytes(CHATGPT_ITEM + b"1" * 1_000_000 + b"}]")
    return {
        "deep 100k [ (200 KB json)": raw,
        "deep 100k [ (zip)": deep_zip(d / "deep.zip", "conversations.json"),
        "1 GiB string (1 MB zip)": huge_string_zip(d / "string.zip", "conversations.json", CHATGPT_ITEM, b"}]", GIB),
        "1M-digit number": number,
        "zip bomb 64 MiB (64 KB zip)": write_zip(d / "bomb.zip", [Member("conversations.json", b"[", b" " * MIB, 64, b"]")]),
    }


# Each child parses one input and prints what happened; the parent reads its peak RSS via wait4.
CHILD_MEMD = """
import sys, time
from memd.importers import registry
from memd.errors import InputFormatError
start = time.perf_counter()
try:
    n = sum(1 for _ in registry.parse("chatgpt", sys.argv[1]))
    outcome = f"parsed {n}"
except InputFormatError as exc:
    outcome = str(exc)
print(repr((time.perf_counter() - start, outcome)))
"""

CHILD_IJSON = """
import sys, time, zipfile, ijson
start = time.perf_counter()
path = sys.argv[1]
try:
    stream = zipfile.ZipFile(path).open("conversations.json") if path.endswith(".zip") else open(path, "rb")
    n = sum(1 for _ in ijson.items(stream, "item", use_float=True))
    outcome = f"parsed {n}"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:90]
print(repr((time.perf_counter() - start, outcome)))
"""

CHILD_JSON = """
import sys, time, json, zipfile
start = time.perf_counter()
path = sys.argv[1]
try:
    data = zipfile.ZipFile(path).read("conversations.json") if path.endswith(".zip") else open(path, "rb").read()
    json.loads(data)
    outcome = "parsed"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:90]
print(repr((time.perf_counter() - start, outcome)))
"""


def run_child(code: str, path: Path, cap_mb: int | None, timeout: float) -> dict:
    def limit() -> None:
        if cap_mb:
            resource.setrlimit(resource.RLIMIT_AS, (cap_mb << 20, cap_mb << 20))

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-P", "-c", code, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=limit)
    deadline = start + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return {"seconds": None, "outcome": f"still running after {timeout:g} s (killed)",
                    "peak_mb": round(usage.ru_maxrss / 1024, 1)}
        time.sleep(0.01)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode(errors="replace").strip()
    err = proc.stderr.read().decode(errors="replace").strip()
    proc.stdout.close()
    proc.stderr.close()
    try:
        seconds, outcome = eval(out, {})  # our own child's repr of (float, str)
    except Exception:
        seconds, outcome = wall, (err.splitlines() or [f"exit {os.waitstatus_to_exitcode(status)}"])[-1][:90]
        if cap_mb and "MemoryError" in err:
            outcome = f"MemoryError at the {cap_mb} MB cap"
    return {"seconds": round(seconds, 3), "outcome": outcome, "peak_mb": round(usage.ru_maxrss / 1024, 1)}


def bench_inputs(root: Path, cap_mb: int, timeout: float) -> list[dict]:
    rows = []
    for name, path in build_inputs(root).items():
        row = {"input": name, "bytes_on_disk": path.stat().st_size,
               "memd": run_child(CHILD_MEMD, path, None, 120.0)}
        row["ijson_unbounded"] = run_child(CHILD_IJSON, path, cap_mb, timeout)
        row["json_loads"] = run_child(CHILD_JSON, path, cap_mb, timeout)
        m = row["memd"]
        row["refused"] = "(limits:" in m["outcome"]
        row["meets_targets"] = bool(row["refused"] and m["seconds"] is not None and m["seconds"] <= TARGET_REFUSE_S
                                    and m["peak_mb"] <= TARGET_RSS_MB)
        rows.append(row)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=300, help="writer operations to time")
    ap.add_argument("--baseline-cap-mb", type=int, default=1024, help="address-space cap of the baseline parsers")
    ap.add_argument("--baseline-timeout", type=float, default=10.0, help="seconds before a baseline parser is killed")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "safety_bench.json")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)  # stays whole when piped
    with tempfile.TemporaryDirectory(prefix="memd-safety-") as tmp:
        root = Path(tmp)
        writer = bench_writer(root / "writer", args.ops)
        # Without fsync, for scale: how much of the time is the disk's and how much memd's.
        writer_nosync = bench_writer(root / "writer-nosync", args.ops, fsync=False)
        inputs = bench_inputs(root / "parse", args.baseline_cap_mb, args.baseline_timeout)
        sock = bench_socket(root / "socket")

    table = Table(title=f"memd safety bench — {platform.system()} {platform.machine()}, Python {platform.python_version()}")
    table.add_column("measure")
    table.add_column("memd", justify="right")
    table.add_column("target", justify="right")
    table.add_column("baseline (same run)", justify="right")
    table.add_column("memd outcome / baseline outcome", overflow="fold", max_width=70)
    ok_ops = writer["memd_ops_per_s"] >= TARGET_OPS
    table.add_row("writer ops/s, fsync", f"{writer['memd_ops_per_s']:.0f}", f">= {TARGET_OPS:.0f} {'ok' if ok_ops else 'MISS'}",
                  f"{writer['plain_ops_per_s']:.0f} (os.replace)", f"mode {writer['mode']}, {writer['statuses']}")
    table.add_row("writer ops/s, no fsync (for scale)", f"{writer_nosync['memd_ops_per_s']:.0f}", "-",
                  f"{writer_nosync['plain_ops_per_s']:.0f} (os.replace)", "what the same writes cost without the disk flushes")
    for row in inputs:
        m, b, j = row["memd"], row["ijson_unbounded"], row["json_loads"]
        secs = "-" if m["seconds"] is None else f"{m['seconds']:.2f} s"
        verdict = "ok" if row["meets_targets"] else "MISS"
        table.add_row(f"{row['input']}: peak RSS", f"{m['peak_mb']:.0f} MB", f"<= {TARGET_RSS_MB:.0f} MB {verdict}",
                      f"ijson {b['peak_mb']:.0f} MB, json {j['peak_mb']:.0f} MB", m["outcome"])
        bsecs = "-" if b["seconds"] is None else f"{b['seconds']:.2f} s"
        jsecs = "-" if j["seconds"] is None else f"{j['seconds']:.2f} s"
        table.add_row(f"{row['input']}: time to refuse", secs, f"<= {TARGET_REFUSE_S:.0f} s {verdict}",
                      f"ijson {bsecs}, json {jsecs}", f"ijson: {b['outcome']} | json: {j['outcome']}")
    ok_sock = True
    if sock is not None:
        ordinary = sock["requests"]["search 'lisbon' (ordinary)"]["seconds"]
        for name, r in sock["requests"].items():
            if name.startswith("search 'lisbon'"):
                continue
            fast = r["seconds"] <= (1.0 if "search" in name else TARGET_REFUSE_S)
            ok_sock = ok_sock and fast
            table.add_row(f"socket: {name}", f"{r['seconds'] * 1000:.1f} ms",
                          f"<= {'1 s' if 'search' in name else '2 s'} {'ok' if fast else 'MISS'}",
                          f"ordinary search {ordinary * 1000:.1f} ms", r["outcome"])
        table.add_row("socket: daemon RSS", f"{sock['rss_after_mb']:.0f} MB", f"<= {TARGET_RSS_MB:.0f} MB "
                      f"{'ok' if sock['peak_rss_mb'] <= TARGET_RSS_MB else 'MISS'}", f"{sock['rss_before_mb']:.0f} MB before",
                      f"peak {sock['peak_rss_mb']:.0f} MB over the daemon's life")
        ok_sock = ok_sock and sock["peak_rss_mb"] <= TARGET_RSS_MB
    console.print(table)

    result = {
        "machine": {"system": platform.system(), "machine": platform.machine(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
        "targets": {"writer_ops_per_s": TARGET_OPS, "peak_rss_mb": TARGET_RSS_MB, "refuse_s": TARGET_REFUSE_S},
        "writer": writer,
        "writer_without_fsync": writer_nosync,
        "hostile_inputs": inputs,
        "socket": sock,
        "baseline": {"address_space_cap_mb": args.baseline_cap_mb, "timeout_s": args.baseline_timeout},
        "all_targets_met": ok_ops and ok_sock and all(r["meets_targets"] for r in inputs),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
