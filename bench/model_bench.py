"""Model extraction at scale: a real import of a generated ChatGPT export, decided by a
MemReader-like server, at several concurrency levels.

    python bench/model_bench.py [--conversations 2000] [--latency 0.5] [--levels 8,32,64]
                                [--subset 100] [--subset-levels 1,8,32,64] [--rate-limit-every 0]
                                [--out bench/results/model_bench.json]

The server is tests/llm/memreader_stub.py in a process of its own: an OpenAI-compatible HTTP
server that answers each request after `--latency` seconds with a vLLM-shaped MemReader tool
call (add / search / buffer / ignore, chosen from the new turn's text), reports usage with a
simulated prefix cache (cached_tokens), and, with --rate-limit-every N, answers every Nth
request 429 with Retry-After.

Each run is a whole `run_import` (parse, stage, transcripts, model decisions through
memd.extract.model_planner, the writer, the ledger, the index) into a fresh vault, with
extract.backend = "openai" and llm.concurrency = the level:

- full runs (--levels): all --conversations, wall time and decisions/s;
- subset runs (--subset-levels): the first --subset conversations (import --limit) at every
  level. Concurrency 1 is measured here only and extrapolated to the full export (its
  decisions/s times the full run's decisions; marked "extrapolated"): at 0.5 s a request, a
  sequential 2,000-conversation import takes most of an hour. The baseline beside memd is this
  sequential run: one request at a time, as the model path was before.

Equality: the memory folder is hashed after every run; all runs over the same conversations
must give the same hash (the subset runs with each other, the full runs with each other).
Tokens: prompt tokens sent per model request (what a server without prefix caching computes)
and the part not served from the prefix cache (what vLLM/SGLang with prefix caching compute);
and, rendered offline, the same with the turn's date in the system prompt (the layout before
the prefix was made stable). "decisions" counts every decided turn, chit-chat skipped without a
request included; "requests" what reached the server.
Target: >= 40 decisions/s at concurrency 32 with 500 ms latency; memory identical at every level.
Writes bench/results/model_bench.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "model_bench.json"
STUB = REPO / "tests" / "llm" / "memreader_stub.py"

CITIES = ["Lisbon", "Porto", "Berlin", "Madrid", "Oslo", "Vienna", "Prague", "Dublin", "Zurich", "Krakow"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Cyberdyne"]
NAMES = ["Ana", "Marta", "Joao", "Leo", "Ines", "Tomas"]
QUESTIONS = ["How do I reverse a list in Python?", "What does a B-tree index cost on insert?",
             "Can you explain the difference between TCP and UDP?", "Write a haiku about autumn.",
             "Why is my Postgres query slow with a LIKE filter?", "Summarize the plot of Hamlet.",
             "What is a good way to learn Rust?", "How do vaccines train the immune system?"]
CHITCHAT = ["thanks!", "ok cool", "great, thank you", "hello", "perfect", "got it"]


def generate_export(path: Path, conversations: int, seed: int = 11) -> dict:
    """A ChatGPT conversations.json: a few user turns each (questions, small talk, now and then
    a personal fact that later conversations change), each answered by the assistant."""
    rng = random.Random(seed)
    start = 1_600_000_000.0
    convs, user_turns = [], 0
    for i in range(conversations):
        when = start + i * 3600 * 7
        texts = [rng.choice(QUESTIONS)]
        if rng.random() < 0.35:
            texts.append(rng.choice([f"I live in {rng.choice(CITIES)} these days.",
                                     f"I joined {rng.choice(COMPANIES)} as an engineer.",
                                     f"my sister is {rng.choice(NAMES)} and she is visiting.",
                                     "As I told you, the new job is demanding."]))
        if rng.random() < 0.3:
            texts.append(rng.choice(QUESTIONS))
        texts.append(rng.choice(CHITCHAT))
        mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
        parent, t = "root", when
        for j, text in enumerate(texts):
            for role, body in (("user", text), ("assistant", f"Here is an answer ({j}).")):
                nid = f"c{i}-{role[0]}{j}"
                t += 30
                mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
                    "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": t,
                    "content": {"content_type": "text", "parts": [body]}, "status": "finished_successfully",
                    "weight": 1.0, "metadata": {}, "recipient": "all"}}
                mapping[parent]["children"].append(nid)
                parent = nid
            user_turns += 1
        cid = f"{i:08x}-0000-4000-8000-{i:012x}"
        convs.append({"title": f"Chat {i}", "create_time": when, "update_time": t, "mapping": mapping,
                      "current_node": parent, "conversation_id": cid, "id": cid})
    path.write_text(json.dumps(convs), encoding="utf-8")
    return {"conversations": conversations, "user_turns": user_turns, "bytes": path.stat().st_size}


class Stub:
    """The MemReader stub in a child process."""

    def __init__(self, latency: float, rate_limit_every: int):
        self.proc = subprocess.Popen([sys.executable, str(STUB), "--latency", str(latency),
                                      "--rate-limit-every", str(rate_limit_every)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()

    def reset(self) -> None:
        self.proc.stdin.write("reset\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()

    def stats(self) -> dict:
        import httpx

        return httpx.get(self.url + "/stats", timeout=10).json()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def memory_hash(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def hook_planner() -> str:
    """Which planner a model-backed import uses: the pipeline's own choice (importers/plan.py
    planner_for asks memd.extract.model_planner first), checked rather than assumed."""
    import inspect

    import memd.importers.plan as plan

    if "model_planner_for" not in inspect.getsource(plan.planner_for):
        raise SystemExit("importers/plan.py planner_for does not pick the model planner: nothing to measure")
    return "pipeline (importers/plan.py planner_for)"


def prefix_layouts(export: Path, conversations: int = 300) -> dict:
    """Prompt tokens a request, and the part a prefix cache does not serve, for the requests of
    the first `conversations` conversations rendered two ways: memd's stable layout (the system
    prompt the same for every request; the date in the user message) and the earlier layout
    with the turn's date in the system prompt. Computed offline with the stub's own prefix cache
    and template layout (tests/llm/memreader_stub.py), in import order."""
    sys.path.insert(0, str(STUB.parent))
    from memreader_stub import PrefixCache, rendered_prompt

    from memd.extract.tools import TOOLS, DecisionRequest, Turn
    from memd.llm.memreader_prompt import date_line, render_messages

    data = json.loads(export.read_text(encoding="utf-8"))[:conversations]
    caches = {"stable": PrefixCache(), "date_in_system": PrefixCache()}
    sent = {k: 0 for k in caches}
    uncached = {k: 0 for k in caches}
    requests = 0
    names = [t["function"]["name"] for t in TOOLS]
    for conv in data:
        turns = []
        node = conv["mapping"][conv["current_node"]]
        while node["message"] is not None:
            m = node["message"]
            turns.append(Turn("s", m["author"]["role"], m["content"]["parts"][0], turn_id=m["id"],
                              time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m["create_time"]))))
            node = conv["mapping"][node["parent"]]
        turns.reverse()
        for i, turn in enumerate(turns):
            if turn.role != "user":
                continue
            request = DecisionRequest(new_turn=turn, recent=turns[max(0, i - 6):i], today=turn.time[:10])
            messages = render_messages(request, names)
            old = [dict(m) for m in messages]
            first = date_line(request)
            lines = old[0]["content"].split("\n")
            lines[2] = f"{first} {lines[2]}"  # where the date was: before who the user is
            old[0]["content"] = "\n".join(lines)
            old[1]["content"] = old[1]["content"][len(first) + 2:]
            for layout, msgs in (("stable", messages), ("date_in_system", old)):
                text = rendered_prompt(msgs, TOOLS)
                sent[layout] += len(text) // 4
                uncached[layout] += (len(text) - caches[layout].cached_chars(text)) // 4
            requests += 1
    return {"conversations": len(data), "requests": requests,
            "prompt_tokens_per_request": round(sent["stable"] / max(1, requests)),
            "uncached_per_request_stable_prefix": round(uncached["stable"] / max(1, requests)),
            "uncached_per_request_date_in_system": round(uncached["date_in_system"] / max(1, requests))}


def run_level(export: Path, work: Path, url: str, level: int, limit: int | None) -> dict:
    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.importers.pipeline import ImportRequest, run_import

    root = work / f"c{level}-{limit or 'all'}"
    vault = root / "vault"
    vault.mkdir(parents=True)
    config = config_from_dict({
        "vault": str(vault), "state_dir": str(root / "state"),
        "extract": {"backend": "openai"},
        "llm": {"base_url": url, "model": "MemReader-4B-thinking", "concurrency": level, "server_kind": "vllm",
                "timeout_s": 60.0, "max_retries": 2},
    }, root / "config.toml")
    app = Memd(config)
    try:
        t0 = time.perf_counter()
        report = run_import(app, ImportRequest(str(export), "chatgpt", limit=limit))
        wall = time.perf_counter() - t0
    finally:
        app.close()
    decisions = sum(report.decisions.values())
    return {"level": level, "conversations": limit, "wall_s": round(wall, 2), "decisions": decisions,
            "decisions_per_s": round(decisions / wall, 2), "facts_added": report.facts_added,
            "failed": len(report.failed), "memory_hash": memory_hash(vault / "memory")}


def _levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip() and int(x) > 0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--levels", default="8,32,64")
    ap.add_argument("--subset", type=int, default=100)
    ap.add_argument("--subset-levels", default="1,8,32,64")
    ap.add_argument("--rate-limit-every", type=int, default=0)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    from rich.console import Console
    from rich.table import Table

    console = Console(width=170)
    work = args.keep or Path(tempfile.mkdtemp(prefix="memd-model-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    export = work / "conversations.json"
    shape = generate_export(export, args.conversations)
    hook = hook_planner()
    layouts = prefix_layouts(export)
    stub = Stub(args.latency, args.rate_limit_every)
    runs = []
    try:
        plan = [(lvl, args.subset) for lvl in _levels(args.subset_levels)] + \
               [(lvl, None) for lvl in _levels(args.levels)]
        for level, limit in plan:
            stub.reset()
            console.print(f"[dim]concurrency {level}, {limit or args.conversations} conversations…[/dim]")
            row = run_level(export, work, stub.url, level, limit)
            s = stub.stats()
            requests = max(1, s.get("requests", 0))
            row.update(requests=s.get("requests", 0), requests_per_s=round(s.get("requests", 0) / row["wall_s"], 2),
                       rate_limited=s.get("429", 0),
                       max_in_flight=s.get("max_in_flight", 0),
                       prompt_tokens_per_request=round(s.get("prompt_tokens", 0) / requests),
                       uncached_prompt_tokens_per_request=round(
                           (s.get("prompt_tokens", 0) - s.get("cached_tokens", 0)) / requests),
                       prompt_tokens_per_decision=round(s.get("prompt_tokens", 0) / max(1, row["decisions"])),
                       uncached_prompt_tokens_per_decision=round(
                           (s.get("prompt_tokens", 0) - s.get("cached_tokens", 0)) / max(1, row["decisions"])))
            runs.append(row)
    finally:
        stub.close()

    full = [r for r in runs if r["conversations"] is None]
    subset = [r for r in runs if r["conversations"] is not None]
    full_decisions = full[0]["decisions"] if full else None
    for r in subset:
        if r["level"] == 1 and full_decisions:
            # Only the rate is measured; requests, tokens and the memory are the subset's: left out.
            runs.append({"level": 1, "conversations": None, "extrapolated": True, "decisions": full_decisions,
                         "decisions_per_s": r["decisions_per_s"],
                         "wall_s": round(full_decisions / r["decisions_per_s"], 1), "memory_hash": None})
    at32 = next((r for r in full if r["level"] == 32), None)
    result = {
        "bench": "model_bench", "date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
        "python": platform.python_version(), "latency_s": args.latency, "export": shape, "planner_hook": hook,
        "runs": runs, "prefix_layouts": layouts,
        "memory_identical_subset": len({r["memory_hash"] for r in subset}) <= 1,
        "memory_identical_full": len({r["memory_hash"] for r in full}) <= 1,
        "target": {"decisions_per_s_at_32": 40, "measured": at32["decisions_per_s"] if at32 else None,
                   "met": bool(at32 and at32["decisions_per_s"] >= 40)},
    }
    table = Table(title=f"model extraction, {args.latency * 1000:.0f} ms a request "
                        f"({shape['conversations']} conversations, {shape['user_turns']} user turns)")
    for col in ("concurrency", "conversations", "wall s", "decisions", "decisions/s", "requests", "429s",
                "max in flight", "prompt tok/req", "uncached tok/req", "memory"):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(str(r["level"]) + (" (baseline)" if r["level"] == 1 else ""),
                      (str(r["conversations"]) if r["conversations"] else str(shape["conversations"]))
                      + (" extrap." if r.get("extrapolated") else ""),
                      f"{r['wall_s']:.1f}", str(r["decisions"]), f"{r['decisions_per_s']:.1f}",
                      str(r.get("requests", "")), str(r.get("rate_limited", "")), str(r.get("max_in_flight", "")),
                      str(r.get("prompt_tokens_per_request", "")), str(r.get("uncached_prompt_tokens_per_request", "")),
                      r["memory_hash"] or "-")
    console.print(table)
    console.print(f"memory identical: subset {result['memory_identical_subset']}, full {result['memory_identical_full']}"
                  f" · target >= 40 decisions/s at 32: {result['target']['measured']} "
                  f"({'met' if result['target']['met'] else 'MISSED'}) · planner: {hook}")
    console.print(f"prompt tokens a request {layouts['prompt_tokens_per_request']} (no prefix cache); not served "
                  f"from a prefix cache: {layouts['uncached_per_request_stable_prefix']} with memd's stable prefix, "
                  f"{layouts['uncached_per_request_date_in_system']} with the date in the system prompt "
                  f"({layouts['requests']} requests of {layouts['conversations']} conversations, rendered offline)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
