"""ask_bench: the cost of memd's mem-agent loop itself, per tool turn, and MCP search latency.

    python bench/ask_bench.py [--per-hop N] [--out bench/results/ask_bench.json]

The mem-agent dev memories (../shared/data/mem_agent_dev/*/memory_*/base_memory.json) are
written into fresh vaults and their retrieval questions asked through `ask` with
[ask] backend = openai, against a local HTTP server playing an *ideal model*: for each
question it reads the gold files (user.md, then the entity file of each hop on the question's
`path`) with one read_file per <python> turn, then replies with the gold answer. The model
costs nothing, so what is timed is memd's own work per tool turn: parsing the turn, running
the block (tools, path checks, filter), formatting the <result>.

Modes, same questions, same run:
  interpreter   plain tool calls: layer 0, no process started (target <= 30 ms per tool turn)
  child         the same calls after `import json`: a confined child per block, Landlock +
                seccomp (target <= 150 ms per tool turn)
  baseline      mem-agent-mcp's execution model for the same blocks (the first 200), outside the loop: a fresh
                unconfined `python -c` per block that reads the files itself (no path checks,
                no confinement) — what the child's confinement costs beside it
`evidence` counts the questions whose gold answer reached the model inside a <result> (the
tools delivered the right text; mem-agent's bare `[[x.md]]` links included).
MCP: `measure_stdio_search()` from bench/mcp_latency.py (memory_search over stdio, p50/p95),
when that module is present.
Prints a table and writes bench/results/ask_bench.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO.parent / "shared" / "data" / "mem_agent_dev"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from retrieval_memagent import contains, memories, write_memory  # noqa: E402

TARGET_MS = {"interpreter": 30.0, "child": 150.0}


class IdealModel:
    """An OpenAI-compatible endpoint that answers each POST with the next scripted turn and keeps
    the <result> messages memd sent it."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.results: list[str] = []
        ideal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                last = body["messages"][-1]["content"]
                if last.startswith("<result>"):
                    ideal.results.append(last)
                content = ideal.script.pop(0) if ideal.script else "<reply>script exhausted</reply>"
                data = json.dumps({
                    "id": "ideal", "object": "chat.completion", "model": body.get("model", ""),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _names(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def entity_index(base: dict[str, Any]) -> list[tuple[str, str, set[str]]]:
    """(memory-relative path, slug, title words) of each entity file."""
    out = []
    for e in base.get("entities", []):
        rel = e["entity_file_path"] if "/" in e["entity_file_path"] else f"entities/{e['entity_file_path']}"
        title = next((l[2:] for l in e["entity_file_content"].split("\n") if l.startswith("# ")), "")
        out.append((rel, Path(rel).stem.lower(), _names(title)))
    return out


def gold_files(item: dict[str, Any], entities: list[tuple[str, str, set[str]]]) -> list[str] | None:
    """user.md, then the file of each entity on the question's path (None if one is unknown)."""
    files = ["user.md"]
    # "A -> B" (1 hop) or "A - manages -> B - contracts-> C" (2 hops: the relation rides on the name)
    hops = [h.strip().rsplit(" - ", 1)[0].strip() for h in str(item.get("path", "")).split("->")][1:]
    for name in hops:
        slug = "_".join(sorted(_names(name), key=name.lower().find))
        words = _names(name)
        found = next((rel for rel, s, _ in entities if s == slug), None) or \
            next((rel for rel, _, t in entities if words and words <= t), None)
        if found is None:
            return None
        files.append(found)
    return files


def questions(mdir: Path, per_hop: int | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The memory's retrieval questions, the first `per_hop` of each hop (all when None)."""
    data = json.loads((mdir / "retrieval_questions.json").read_text(encoding="utf-8"))
    out = []
    for hop, items in sorted(data.items()):
        mine = []
        for item in items if isinstance(items, list) else [items]:
            for q in item["q"] if isinstance(item["q"], list) else [item["q"]]:
                mine.append((hop, q, str(item["a"]), item))
        out += mine[:per_hop] if per_hop else mine
    return out


def script_for(files: list[str], answer: str, mode: str) -> list[str]:
    prefix = "import json\n" if mode == "child" else ""
    turns = [f"<think>read {f}</think>\n<python>\n{prefix}f{i} = read_file({f!r})\n</python>" for i, f in enumerate(files)]
    return turns + [f"<think>the files say it</think>\n<python></python>\n<reply>{answer}</reply>"]


def run_mode(mode: str, per_hop: int | None, ideal: IdealModel) -> dict[str, Any]:
    from memd import api
    from memd.app import Memd
    from memd.config import config_from_dict

    turn_ms: list[float] = []
    evidence: dict[str, list[int]] = {}
    layers: dict[str, int] = {}
    skipped = asked = 0
    wall0 = time.perf_counter()
    for mdir in memories(DATA):
        base = json.loads((mdir / "base_memory.json").read_text(encoding="utf-8"))
        entities = entity_index(base)
        with tempfile.TemporaryDirectory() as tmp:
            cfg = config_from_dict({
                "vault": str(Path(tmp) / "vault"), "state_dir": str(Path(tmp) / "state"),
                "writer": {"settle_seconds": 0},
                "llm": {"base_url": ideal.url, "max_retries": 0},
                "ask": {"backend": "openai", "model": "driaforall/mem-agent", "code": "auto", "max_turns": 8},
            })
            (Path(tmp) / "vault").mkdir()
            write_memory(base, cfg.vault)
            app = Memd(cfg)
            try:
                qs = questions(mdir, per_hop)
                for hop, q, gold, item in qs:
                    files = gold_files(item, entities)
                    if files is None:
                        skipped += 1
                        continue
                    ideal.script = script_for(files, gold, mode)
                    ideal.results = []
                    out = api.call(app, "ask", {"question": q})
                    asked += 1
                    for step in out["steps"]:
                        if step["kind"] == "python":
                            turn_ms.append(step.get("loop_s", 0.0) * 1000)
                            layers[step.get("layer", "?")] = layers.get(step.get("layer", "?"), 0) + 1
                    evidence.setdefault(hop, []).append(int(any(contains(r, gold) for r in ideal.results)))
            finally:
                app.close()
    return {
        "questions": asked, "skipped_unknown_path": skipped, "tool_turns": len(turn_ms), "layers": layers,
        "turn_ms": _stats(turn_ms), "evidence": {h: round(sum(v) / len(v), 3) for h, v in sorted(evidence.items())},
        "wall_s": round(time.perf_counter() - wall0, 2),
    }


_BASELINE_CHILD = r"""
import json, os, sys
def read_file(p):
    with open(p) as f:
        return f.read()
ns = {"read_file": read_file}
exec(sys.stdin.read(), ns)
print(json.dumps({k: v for k, v in ns.items() if not k.startswith("__") and isinstance(v, (str, int, float, bool))}))
"""


def run_baseline(per_hop: int | None, limit: int = 200) -> dict[str, Any]:
    """mem-agent-mcp's way to run a block (fresh unconfined interpreter, direct file reads),
    timed for the same read_file blocks, outside the loop."""
    times: list[float] = []
    for mdir in memories(DATA):
        base = json.loads((mdir / "base_memory.json").read_text(encoding="utf-8"))
        entities = entity_index(base)
        with tempfile.TemporaryDirectory() as tmp:
            write_memory(base, Path(tmp))
            mem = Path(tmp) / "memory"
            qs = questions(mdir, per_hop)
            for _, _, _, item in qs:
                for i, f in enumerate(gold_files(item, entities) or []):
                    if len(times) >= limit:
                        break
                    t0 = time.perf_counter()
                    subprocess.run([sys.executable, "-c", _BASELINE_CHILD], input=f"f{i} = read_file({f!r})",
                                   capture_output=True, text=True, cwd=mem, timeout=20, check=True)
                    times.append((time.perf_counter() - t0) * 1000)
    return {"tool_turns": len(times), "turn_ms": _stats(times)}


def _stats(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {}
    s = sorted(ms)
    return {"mean": round(statistics.fmean(s), 2), "p50": round(s[len(s) // 2], 2),
            "p95": round(s[min(len(s) - 1, int(len(s) * 0.95))], 2), "max": round(s[-1], 2)}


def mcp_search() -> dict[str, Any]:
    try:
        from mcp_latency import measure_stdio_search  # written by the MCP work (issue 11)
    except ImportError as exc:
        return {"missing": f"bench/mcp_latency.py: {exc}"}
    try:
        return dict(measure_stdio_search())
    except Exception as exc:  # a bench reports what failed rather than losing the other figures
        return {"error": f"{type(exc).__name__}: {exc}"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-hop", type=int, default=5, help="questions per hop and memory (0: all)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "ask_bench.json")
    args = ap.parse_args()
    from rich.console import Console
    from rich.table import Table

    from memd.agent import confine

    console = Console(width=150)
    if not DATA.is_dir():
        console.print(f"[red]no data at {DATA}; nothing measured[/red]")
        return 1
    ok, layers = confine.available()
    ideal = IdealModel()
    try:
        per_hop = args.per_hop or None
        modes = {"interpreter": run_mode("interpreter", per_hop, ideal)}
        modes["child"] = run_mode("child", per_hop, ideal) if ok else {"refused": layers}
    finally:
        ideal.close()
    modes["baseline"] = run_baseline(args.per_hop or None)
    mcp = mcp_search()

    table = Table(title=f"ask loop overhead per tool turn — {platform.system()} {platform.machine()}, "
                        f"Python {platform.python_version()}, confinement: {layers}")
    for col in ("mode", "questions", "tool turns", "layers", "mean ms", "p50 ms", "p95 ms", "max ms", "target",
                "evidence 0/1/2 hop"):
        table.add_column(col)
    for name, r in modes.items():
        if "refused" in r:
            table.add_row(name, "-", "-", "-", "-", "-", "-", "-", "", f"refused: {r['refused']}")
            continue
        st = r["turn_ms"]
        target = TARGET_MS.get(name)
        verdict = "" if target is None else (f"<= {target:g} ✓" if st and st["p50"] <= target else f"<= {target:g} ✗")
        ev = r.get("evidence", {})
        table.add_row(name, str(r.get("questions", "-")), str(r["tool_turns"]), json.dumps(r.get("layers", {})),
                      *(str(st.get(k, "-")) for k in ("mean", "p50", "p95", "max")), verdict,
                      " / ".join(str(ev.get(h, "-")) for h in ("0_hop", "1_hop", "2_hop")) if ev else "-")
    console.print(table)
    if "p50_ms" in mcp:
        t2 = Table(title="MCP memory_search over stdio (bench/mcp_latency.py)")
        for col in ("calls", "notes", "p50 ms", "p95 ms", "startup ms", "in-process API p50 ms", "CLI per query p50 ms"):
            t2.add_column(col)
        t2.add_row(*(str(mcp.get(k, "-")) for k in ("n", "notes", "p50_ms", "p95_ms", "startup_ms", "api_p50_ms",
                                                     "cli_p50_ms")))
        console.print(t2)
    else:
        console.print(f"MCP memory_search over stdio: {json.dumps(mcp)}")
    result = {"machine": {"system": platform.system(), "machine": platform.machine(),
                          "python": platform.python_version(), "confinement": layers},
              "targets_ms": TARGET_MS, "modes": modes, "mcp_stdio_search": mcp}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"[dim]written {args.out}[/dim]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
