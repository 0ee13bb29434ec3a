"""MCP `memory_search` latency over stdio, on a small generated vault.

    python bench/mcp_latency.py [--n 200] [--notes 500] [--daemon] [--out FILE]

Starts `memd mcp` as a real subprocess (as Claude Desktop or Cursor would), talks to it with the
`mcp` SDK's client over stdio, and times `memory_search` calls with distinct queries: p50 / p95 /
p99, and the server's start-up (spawn to first answer). Beside it, in the same run, two
baselines on the same queries: the same search through memd's API in process (no MCP at all:
the difference is what the MCP layer costs), and `memd search --json` as one subprocess per
query (what a client without MCP would pay). With --daemon it also times the server forwarding
to a running `memd run` over the socket.

Prints a table and writes bench/results/mcp_latency.json. bench/ask_bench.py imports
measure_stdio_search. No target is set for this figure in issue 11 (it asks for p50 / p95).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from index_bench import percentile  # noqa: E402

MEMD = [sys.executable, "-P", "-m", "memd"]


def _stats(prefix: str, lat_ms: list[float]) -> dict[str, float]:
    return {f"{prefix}p50_ms": round(percentile(lat_ms, 50), 3), f"{prefix}p95_ms": round(percentile(lat_ms, 95), 3),
            f"{prefix}p99_ms": round(percentile(lat_ms, 99), 3)}


def _make_vault(work: Path, notes: int) -> tuple[Any, Path, list[str]]:
    from memd.app import Memd
    from memd.config import config_from_dict, render_config
    from vaultgen import VaultGenerator

    vault = work / "vault"
    VaultGenerator().generate(vault, notes)
    cfg_path = work / "config.toml"
    config = config_from_dict({"vault": str(vault), "state_dir": str(work / "state"),
                               "daemon": {"socket_path": str(work / "memd.sock")}}, cfg_path)
    cfg_path.write_text(render_config(config))
    with Memd(config) as app:
        app.index.scan()
        titles = [t for (t,) in app.index.reader().execute("SELECT title FROM notes WHERE kind = 'note'")]
    return config, cfg_path, titles


def _queries(titles: list[str], n: int) -> list[str]:
    """Distinct queries of one or two title words, so no answer comes from a cache."""
    rng = random.Random(11)
    words = sorted({w for t in titles for w in t.split() if len(w) > 2})
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n and len(seen) < 50 * n:
        q = " ".join(rng.sample(words, rng.choice((1, 2))))
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


async def _time_mcp(env: dict[str, str], queries: list[str], errlog) -> tuple[float, list[float], int]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=MEMD[0], args=[*MEMD[1:], "mcp"], env=env)
    started = time.perf_counter()
    async with Client(stdio_client(params, errlog=errlog)) as c:
        await c.list_tools()
        startup_ms = (time.perf_counter() - started) * 1000
        for q in queries[:5]:  # warm-up: first index reads, imports on first use
            await c.call_tool("memory_search", {"query": q + " warm"})
        lat, hits = [], 0
        for q in queries:
            t0 = time.perf_counter()
            result = await c.call_tool("memory_search", {"query": q})
            lat.append((time.perf_counter() - t0) * 1000)
            if result.is_error:
                raise RuntimeError(f"memory_search failed: {result.content[0].text}")
            hits += len(result.structured_content["results"])
    return startup_ms, lat, hits


def _start_daemon(config: Any, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    from memd.daemon.client import connect_for_config

    with open(log_path, "wb") as log:
        proc = subprocess.Popen(MEMD + ["run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"memd run exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            client = connect_for_config(config)
        except Exception:
            client = None
        if client is not None:
            client.close()
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("memd run did not answer within 60 s")


def measure_stdio_search(n: int = 200, notes: int = 500, daemon: bool = False, cli_calls: int = 10) -> dict[str, Any]:
    """Time `memory_search` over stdio against `memd mcp` on a generated vault of `notes` notes.

    Returns p50_ms / p95_ms / p99_ms / mean_ms of the MCP calls (the server working in process),
    startup_ms, the in-process API baseline (api_p50_ms ...), the one-subprocess-per-query CLI
    baseline (cli_p50_ms ...), and with `daemon` the same through a running daemon (daemon_p50_ms ...).
    """
    from memd import api
    from memd.app import Memd

    work = Path(tempfile.mkdtemp(prefix="memd-mcp-bench-", dir="/tmp"))
    try:
        config, cfg_path, titles = _make_vault(work, notes)
        queries = _queries(titles, n)
        env = dict(os.environ, MEMD_CONFIG=str(cfg_path))
        env.pop("NOTIFY_SOCKET", None)
        out: dict[str, Any] = {"n": len(queries), "notes": notes, "transport": "stdio"}

        with Memd(config) as app:  # baseline 1: the API in process, same queries and limit
            for q in queries[:5]:
                api.call(app, "search", {"query": q + " warm", "limit": 9})
            lat = []
            for q in queries:
                t0 = time.perf_counter()
                api.call(app, "search", {"query": q, "limit": 9})
                lat.append((time.perf_counter() - t0) * 1000)
        out.update(_stats("api_", lat))

        with open(work / "mcp-stderr.log", "w") as errlog:
            startup_ms, lat, hits = asyncio.run(_time_mcp(env, queries, errlog))
        out.update(_stats("", lat))
        out.update(mean_ms=round(sum(lat) / len(lat), 3), startup_ms=round(startup_ms, 1),
                   hits_per_query=round(hits / len(queries), 2))

        lat = []  # baseline 2: a process per query, as a script without MCP would do
        for q in queries[:cli_calls]:
            t0 = time.perf_counter()
            subprocess.run(MEMD + ["search", q, "--json"], env=env, capture_output=True, check=True, timeout=120)
            lat.append((time.perf_counter() - t0) * 1000)
        if lat:
            out.update(_stats("cli_", lat))
            out["cli_calls"] = len(lat)

        if daemon:
            proc = _start_daemon(config, env, work / "daemon.log")
            try:
                with open(work / "mcp-stderr-daemon.log", "w") as errlog:
                    startup_ms, lat, _ = asyncio.run(_time_mcp(env, list(reversed(queries)), errlog))
            finally:
                proc.terminate()
                proc.wait(30)
            out.update(_stats("daemon_", lat))
            out["daemon_startup_ms"] = round(startup_ms, 1)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="memory_search calls to time")
    ap.add_argument("--notes", type=int, default=500, help="notes in the generated vault")
    ap.add_argument("--daemon", action="store_true", help="also time the server forwarding to `memd run`")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "mcp_latency.json")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(100, Console().width))  # whole when piped
    r = measure_stdio_search(args.n, args.notes, daemon=args.daemon)
    table = Table(title=f"MCP memory_search over stdio — {r['n']} calls, {r['notes']:,}-note vault")
    for col in ("path", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(col, justify="right" if col != "path" else "left")
    rows = [("memd mcp (stdio, in process)", ""), ("memd mcp (stdio → daemon)", "daemon_"),
            ("baseline: API in process, no MCP", "api_"), (f"baseline: `memd search` per call ({r.get('cli_calls', 0)})", "cli_")]
    for label, prefix in rows:
        if f"{prefix}p50_ms" in r:
            table.add_row(label, *(f"{r[f'{prefix}{k}']:.2f}" for k in ("p50_ms", "p95_ms", "p99_ms")))
    console.print(table)
    console.print(f"start-up (spawn to first answer): {r['startup_ms']:.0f} ms; "
                  f"MCP overhead at p50: {r['p50_ms'] - r['api_p50_ms']:.2f} ms; hits per query {r['hits_per_query']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"mcp_latency": r, "python": sys.version.split()[0],
                                    "machine": os.uname().machine, "cpus": os.cpu_count()}, indent=2) + "\n")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
