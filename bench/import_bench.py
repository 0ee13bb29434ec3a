"""Import benchmark: a generated ChatGPT export through parse, transcripts and extraction.

    python bench/import_bench.py [--conversations 5000] [--layout sharded|flat] [--keep DIR]
                                 [--phases parse,transcripts,extract,again] [--profile PHASE]
                                 [--parallel auto|on|off]

Generates a realistic ChatGPT export (default 5,000 conversations, about 200,000 messages: a zip
in the 2026 sharded layout, newest conversation first, with regenerated answers and edited
prompts, custom instructions, every content type ChatGPT writes, mostly technical Q&A with a
sprinkling of personal statements), then measures each phase in a fresh child process so its
peak RSS is honest:

    parse        the parser alone (stream the zip, build Conversations)
    transcripts  import with --no-extract into an empty vault (parse, stage, notes, ledger)
    extract      import with the rules extraction into an empty vault
    again        the same export imported again into the vault `extract` left (must write nothing)
    nofsync      `extract` with writer.fsync off: not a result, a reference that shows what fsync costs

The vault uses memd's defaults (writer.fsync on). Prints a table and writes
bench/results/import_bench.json, with the pipeline's own time breakdown per step ("worker: ..."
steps ran in the import's worker process, beside the others). `cpu s` is the import process's
CPU time; `worker cpu s` that of the worker process it starts (renders, decides, indexes), and
`worker RSS MB` its peak. `--parallel off` runs the import without a worker, for comparison.
Targets: peak RSS <= 300 MB at any export size; >= 200 conversations/s for transcripts + rules
extraction.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHASES = ("parse", "transcripts", "extract", "again", "nofsync")
TARGETS = {"rss_mb": ("<=", 300.0), "extract_conv_per_s": (">=", 200.0)}
START = 1672531200.0  # 2023-01-01
SPAN = 2.5 * 365 * 86400

# --- text pools --------------------------------------------------------------------------------
TOPICS = [
    "a Postgres query that got slow after an index change", "a race condition in a Go worker pool",
    "Python asyncio cancellation", "a Kubernetes pod stuck in CrashLoopBackOff", "a React useEffect loop",
    "Rust lifetimes in an iterator adapter", "a flaky pytest fixture", "TLS handshake failures behind nginx",
    "a memory leak in a Node service", "Terraform state drift", "a pandas groupby that runs out of memory",
    "CSS grid alignment", "git rebase conflicts", "Docker layer caching in CI", "SQLite WAL checkpoints",
    "a Kafka consumer lagging", "regex catastrophic backtracking", "numpy broadcasting", "OAuth refresh tokens",
    "a bash script with set -e surprises", "gRPC deadlines", "Redis eviction policies", "a C++ dangling pointer",
]
QUESTIONS = [
    "I'm debugging {t}. What are the usual causes and how do I narrow it down?",
    "Can you explain {t} with a small example?",
    "What's the idiomatic way to handle {t}? Here is what I tried:\n\n```\n{code}\n```",
    "Why does {t} happen only in production and not locally?",
    "Give me a checklist for {t}.",
    "Rewrite this to avoid {t}:\n\n```python\n{code}\n```",
    "How would you test {t}?",
    "ok and what if the load doubles?", "thanks, that worked", "can you make it shorter?",
]
SNIPPETS = [
    "for item in items:\n    if item.ready:\n        process(item)\n    else:\n        queue.put(item)",
    "SELECT id, name FROM users WHERE created_at > now() - interval '7 days' ORDER BY id;",
    "async def fetch(session, url):\n    async with session.get(url) as r:\n        return await r.json()",
    "let total: u64 = values.iter().filter(|v| **v > 10).sum();",
    "kubectl logs deploy/api --previous | tail -n 50",
]
ANSWER_PARAS = [
    "The most common cause is that the planner no longer sees the index as selective, so it falls back to a "
    "sequential scan. Check the statistics first and compare the plans before and after the change.",
    "Start by reproducing it with the smallest input you can. Once it fails reliably, bisect the change that "
    "introduced it and add logging around the boundary where the state goes wrong.",
    "There are three things to check, in this order: the configuration that is actually loaded, the "
    "environment variables the process sees, and the version of the library resolved at runtime.",
    "A useful mental model: each task owns its resources and hands them over explicitly. Whenever two tasks "
    "can touch the same object without a lock or a channel between them, you have a race.",
    "In short: measure before you optimise. A profiler run of a minute usually shows one or two functions "
    "taking most of the time, and they are rarely the ones you expected.",
    "If you need it to be robust under retries, make the operation idempotent: give every request an id and "
    "let the server ignore an id it has already applied.",
]
CODE_ANSWERS = [
    "```python\nimport contextlib\n\n@contextlib.contextmanager\ndef timer(name):\n    start = time.perf_counter()\n"
    "    yield\n    print(name, time.perf_counter() - start)\n```",
    "```sql\nCREATE INDEX CONCURRENTLY idx_users_created ON users (created_at);\nANALYZE users;\n```",
    "```go\nvar wg sync.WaitGroup\nfor _, job := range jobs {\n    wg.Add(1)\n    go func(j Job) {\n"
    "        defer wg.Done()\n        run(j)\n    }(job)\n}\nwg.Wait()\n```",
]
PERSONAL = [
    "By the way, I live in Lisbon.", "I work at Acme Corp as a data engineer.", "My sister Anna is a nurse.",
    "I have a dog named Miso.", "I'm allergic to peanuts.", "I moved to Porto in March.",
    "My partner Tom is a teacher.", "I'm learning Japanese.", "I love hiking in the mountains.",
    "My birthday is on July 14.", "I'm vegetarian.", "My brother Luis lives in Madrid.",
    "I play the guitar on weekends.", "I graduated from the University of Coimbra.",
]
ABOUT_ME = [
    "I'm a backend engineer living in Lisbon. I work mostly with Python and Postgres.",
    "I'm a data engineer at Acme Corp. I live in Porto and I'm learning Japanese.",
]
ASSETS = {f"file-{i:06d}.dat": f"screenshot-{i}.png" for i in range(200)}


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.messages = 0

    def node(self, mapping: dict, nid: str, parent: str | None, role: str, content: dict, t: float | None,
             **extra) -> str:
        msg = {"id": nid, "author": {"role": role, "name": extra.pop("name", None), "metadata": {}},
               "create_time": t, "update_time": None, "content": content, "status": "finished_successfully",
               "end_turn": role == "assistant", "weight": extra.pop("weight", 1.0),
               "metadata": extra.pop("metadata", {}), "recipient": extra.pop("recipient", "all")}
        mapping[nid] = {"id": nid, "message": msg, "parent": parent, "children": []}
        if parent is not None:
            mapping[parent]["children"].append(nid)
        self.messages += 1
        return nid

    def question(self) -> str:
        r = self.rng
        text = r.choice(QUESTIONS).format(t=r.choice(TOPICS), code=r.choice(SNIPPETS))
        if r.random() < 0.04:
            text = f"{text} {r.choice(PERSONAL)}" if r.random() < 0.5 else f"{r.choice(PERSONAL)} {text}"
        return text

    def answer(self) -> str:
        r = self.rng
        parts = r.sample(ANSWER_PARAS, r.randint(1, 3))
        if r.random() < 0.5:
            parts.insert(1, r.choice(CODE_ANSWERS))
        return "\n\n".join(parts)

    def conversation(self, index: int, when: float) -> dict:
        r = self.rng
        cid = f"{index:08x}-{r.getrandbits(32):08x}-4000-8000-{r.getrandbits(48):012x}"
        mapping: dict = {}
        ids = iter(range(10_000))

        def nid() -> str:
            return f"{cid[:8]}-{next(ids):05d}-{r.getrandbits(32):08x}"

        root = nid()
        mapping[root] = {"id": root, "message": None, "parent": None, "children": []}
        t = when
        parent = self.node(mapping, nid(), root, "system", {"content_type": "text", "parts": [""]}, None,
                           weight=0.0, metadata={"is_visually_hidden_from_conversation": True})
        if r.random() < 0.6:
            about = ABOUT_ME[0] if when < START + SPAN / 2 else ABOUT_ME[1]
            parent = self.node(mapping, nid(), parent, "user", {
                "content_type": "user_editable_context",
                "user_profile": f"The user provided the following information about themselves. This user profile "
                                f"is shown to you in all conversations they have.\nUser profile:\n```{about}```",
                "user_instructions": "The user provided the additional info about how they would like you to "
                                     "respond:\n```Be concise. Show code first.```"}, None,
                metadata={"is_visually_hidden_from_conversation": True})
        exchanges = max(1, int(r.expovariate(1 / 13.5)))
        leaf = parent
        for _ in range(exchanges):
            t += r.uniform(20, 400)
            kind = r.random()
            if kind < 0.06:
                content = {"content_type": "multimodal_text", "parts": [
                    {"content_type": "image_asset_pointer",
                     "asset_pointer": f"file-service://file-{r.randrange(200):06d}",
                     "size_bytes": 12345, "width": 800, "height": 600},
                    self.question()]}
            elif kind < 0.08:
                content = {"content_type": "multimodal_text", "parts": [
                    {"content_type": "audio_transcription", "text": self.question(), "direction": "in"},
                    {"content_type": "audio_asset_pointer",
                     "asset_pointer": f"sediment://file_{r.getrandbits(64):016x}"}]}
            else:
                content = {"content_type": "text", "parts": [self.question()]}
            user = self.node(mapping, nid(), leaf, "user", content, t)
            if r.random() < 0.05:  # an edited prompt: the old version stays as a sibling branch
                old = self.node(mapping, nid(), leaf, "user", {"content_type": "text", "parts": [self.question()]},
                                t - 5)
                self.node(mapping, nid(), old, "assistant", {"content_type": "text", "parts": [self.answer()]}, t - 3)
            head = user
            extra = r.random()
            if extra < 0.12:  # reasoning model
                head = self.node(mapping, nid(), head, "assistant", {"content_type": "thoughts", "thoughts": [
                    {"summary": "Considering causes", "content": "Let me think about the likely causes."}]}, t + 1)
                head = self.node(mapping, nid(), head, "assistant",
                                 {"content_type": "reasoning_recap", "content": "Thought for 4 seconds"}, t + 2)
            elif extra < 0.22:  # code interpreter
                head = self.node(mapping, nid(), head, "assistant", {"content_type": "code", "language": "python",
                                 "text": r.choice(SNIPPETS)}, t + 1, recipient="python")
                head = self.node(mapping, nid(), head, "tool", {"content_type": "execution_output",
                                 "text": "42\n<<ImageDisplayed>>" if r.random() < 0.3 else "42"}, t + 2, name="python")
            elif extra < 0.28:  # browsing
                head = self.node(mapping, nid(), head, "assistant", {"content_type": "code", "language": "unknown",
                                 "text": "search(\"postgres planner statistics\")"}, t + 1, recipient="browser")
                head = self.node(mapping, nid(), head, "tool", {"content_type": "tether_browsing_display",
                                 "result": "# results\n1. postgresql.org", "summary": ""}, t + 2, name="browser")
                head = self.node(mapping, nid(), head, "tool", {"content_type": "tether_quote",
                                 "url": "https://www.postgresql.org/docs/", "domain": "postgresql.org",
                                 "title": "PostgreSQL docs", "text": "ANALYZE collects statistics."}, t + 3,
                                 name="browser")
            elif extra < 0.29:
                head = self.node(mapping, nid(), head, "tool", {"content_type": "system_error", "name": "tool_error",
                                 "text": "The tool timed out."}, t + 1, name="python")
            elif extra < 0.30:
                head = self.node(mapping, nid(), head, "assistant", {"content_type": "model_editable_context",
                                 "model_set_context": "User works with Python."}, t + 1)
            elif extra < 0.305:
                head = self.node(mapping, nid(), head, "assistant", {"content_type": "sonic_webpage",
                                 "text": "A page summary."}, t + 1)
            if r.random() < 0.08:  # a regenerated answer: the older one is a sibling
                self.node(mapping, nid(), head, "assistant", {"content_type": "text", "parts": [self.answer()]}, t + 8)
            if r.random() < 0.03:
                answer = {"content_type": "multimodal_text", "parts": [{
                    "content_type": "image_asset_pointer", "asset_pointer": f"sediment://file_{r.getrandbits(64):016x}",
                    "metadata": {"dalle": {"prompt": "a diagram of a worker pool"}}}]}
            else:
                answer = {"content_type": "text", "parts": [self.answer()]}
            leaf = self.node(mapping, nid(), head, "assistant", answer, t + 10,
                             metadata={"model_slug": "gpt-4o"})
        return {"title": f"{r.choice(TOPICS).capitalize()} {index}", "create_time": when, "update_time": t + 10,
                "mapping": mapping, "moderation_results": [], "current_node": leaf, "plugin_ids": None,
                "conversation_id": cid, "id": cid, "default_model_slug": "gpt-4o", "is_archived": False}


def generate_export(path: Path, conversations: int, layout: str = "sharded", seed: int = 7,
                    per_shard: int = 1000) -> dict:
    """Write the export zip at `path`; returns what it holds."""
    gen = Gen(seed)
    times = sorted((START + gen.rng.random() * SPAN for _ in range(conversations)), reverse=True)  # newest first
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        shard_names = []
        shards = range(0, conversations, per_shard) if layout == "sharded" else [0]
        for number, start in enumerate(shards):
            end = min(conversations, start + per_shard) if layout == "sharded" else conversations
            name = f"conversations-{number:03d}.json" if layout == "sharded" else "conversations.json"
            shard_names.append(name)
            with zf.open(name, "w", force_zip64=True) as fh:
                out = io.TextIOWrapper(fh, encoding="utf-8")
                out.write("[")
                for i in range(start, end):
                    if i > start:
                        out.write(", ")
                    out.write(json.dumps(gen.conversation(i, times[i])))
                out.write("]")
                out.flush()
                out.detach()
        if layout == "sharded":
            zf.writestr("export_manifest.json", json.dumps({"version": 1, "logical_files": {
                "conversations.json": {"files": shard_names, "sharded": True}}}))
        zf.writestr("conversation_asset_file_names.json", json.dumps(ASSETS))
        zf.writestr("user.json", json.dumps({"id": "user-x", "email": "me@example.com"}))
        zf.writestr("chat.html", "<html><body>export</body></html>")
    return {"conversations": conversations, "messages": gen.messages, "bytes": path.stat().st_size}


# --- phases (each in a fresh child) ------------------------------------------------------------
def child(phase: str, export: Path, vault: Path, state: Path, profile: bool, parallel: str = "auto") -> dict:
    prof = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    if phase == "parse":
        from memd.importers import registry

        convs = turns = 0
        for conv in registry.parse("chatgpt", export):
            convs += 1
            turns += len(conv.turns)
        out: dict = {"conversations": convs, "turns": turns}
    else:
        from memd.app import Memd
        from memd.config import config_from_dict
        from memd.importers.pipeline import ImportRequest, run_import

        vault.mkdir(parents=True, exist_ok=True)
        # fsync stays on (memd's default) except in the reference phase that measures its cost.
        cfg = {"vault": str(vault), "state_dir": str(state)}
        if phase == "nofsync":
            cfg["writer"] = {"fsync": False}
        app = Memd(config_from_dict(cfg))
        report = run_import(app, ImportRequest(str(export), "chatgpt", extract=phase != "transcripts"),
                            parallel={"auto": None, "on": True, "off": False}[parallel])
        d = report.to_json()
        out = {k: d[k] for k in ("written", "unchanged", "failed", "facts_added", "review_items", "turns_extracted",
                                 "decisions", "timings")}
        out["conversations"] = d["survey"]["conversations"]
        out["turns"] = d["survey"]["turns"]
        app.close()
    if prof:
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
        out["profile"] = buf.getvalue()
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - c0
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes, ended by now
    out["worker_cpu_seconds"] = workers.ru_utime + workers.ru_stime
    out["worker_rss_mb"] = workers.ru_maxrss / 1024
    return out


def run_child(phase: str, export: Path, vault: Path, state: Path, profile: bool, parallel: str = "auto") -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", phase, str(export), str(vault), str(state),
           "--parallel", parallel]
    if profile:
        cmd.append("--profile-child")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=5000)
    ap.add_argument("--layout", choices=("sharded", "flat"), default="sharded")
    ap.add_argument("--phases", default=",".join(PHASES))
    ap.add_argument("--profile", choices=PHASES, help="Print a cProfile of this phase.")
    ap.add_argument("--keep", type=Path, help="Work in this folder and keep it (the export is reused).")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "import_bench.json")
    ap.add_argument("--parallel", choices=("auto", "on", "off"), default="auto",
                    help="Plan in a worker process (auto: when there is enough to write).")
    ap.add_argument("--child", nargs=4, metavar=("PHASE", "EXPORT", "VAULT", "STATE"), help=argparse.SUPPRESS)
    ap.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        phase, export, vault, state = args.child
        print(json.dumps(child(phase, Path(export), Path(vault), Path(state), args.profile_child, args.parallel)))
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)  # the table has many columns; a pipe would cut it at 80
    work = args.keep or Path(tempfile.mkdtemp(prefix="memd-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    export = work / f"chatgpt-export-{args.conversations}-{args.layout}.zip"
    if export.exists() and (work / (export.name + ".json")).exists():
        info = json.loads((work / (export.name + ".json")).read_text())
        console.print(f"reusing {export}")
    else:
        t0 = time.perf_counter()
        info = generate_export(export, args.conversations, args.layout)
        (work / (export.name + ".json")).write_text(json.dumps(info))
        console.print(f"generated {export.name}: {info['conversations']} conversations, {info['messages']} messages,"
                      f" {info['bytes'] / 1e6:.1f} MB zipped ({time.perf_counter() - t0:.1f}s)")
    phases = [p for p in args.phases.split(",") if p]
    results: dict[str, dict] = {}
    try:
        for phase in phases:
            vault, state = work / f"vault-{phase}", work / f"state-{phase}"
            if phase == "again":
                vault, state = work / "vault-extract", work / "state-extract"
                if not state.exists():
                    raise SystemExit("phase `again` needs phase `extract` first")
            else:
                shutil.rmtree(vault, ignore_errors=True)
                shutil.rmtree(state, ignore_errors=True)
            console.print(f"[dim]running {phase}…[/dim]")
            results[phase] = run_child(phase, export, vault, state, args.profile == phase, args.parallel)
            results[phase]["conv_per_s"] = results[phase]["conversations"] / results[phase]["seconds"]
            if "profile" in results[phase]:
                console.print(results[phase].pop("profile"))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"memd import: {info['conversations']} conversations, {info['messages']} messages "
                        f"({info['bytes'] / 1e6:.0f} MB zip, {args.layout})")
    for col in ("phase", "conv/s", "seconds", "cpu s", "worker cpu s", "peak RSS MB", "worker RSS MB", "written",
                "facts", "turns"):
        table.add_column(col, justify="right" if col != "phase" else "left")
    for phase, r in results.items():
        worker = r.get("worker_cpu_seconds", 0.0) > 0
        table.add_row(phase, f"{r['conv_per_s']:.0f}", f"{r['seconds']:.1f}", f"{r['cpu_seconds']:.1f}",
                      f"{r['worker_cpu_seconds']:.1f}" if worker else "—", f"{r['rss_mb']:.0f}",
                      f"{r['worker_rss_mb']:.0f}" if worker else "—", str(r.get("written", "—")),
                      str(r.get("facts_added", "—")), str(r["turns"]))
    console.print(table)
    for phase, r in results.items():
        if r.get("timings"):
            console.print(f"[bold]{phase}[/bold] time by step (s): "
                          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(r["timings"].items(), key=lambda kv: -kv[1])))
    rss = max(max(r["rss_mb"], r.get("worker_rss_mb", 0.0)) for r in results.values())
    met = {"rss_mb": rss <= TARGETS["rss_mb"][1]}
    if "extract" in results:
        met["extract_conv_per_s"] = results["extract"]["conv_per_s"] >= TARGETS["extract_conv_per_s"][1]
    console.print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    out = {"export": info, "layout": args.layout, "parallel": args.parallel, "phases": results, "peak_rss_mb": rss,
           "targets_met": met,
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
