"""Import benchmark: generated ChatGPT exports with long messages, imported with rules extraction.

    python bench/import_bench.py [--sizes 2000,8000] [--phases parse,extract,again] [--keep DIR]
                                 [--profile PHASE] [--out FILE] [--before TREE]

For each size, generates a ChatGPT export (a zip in the 2026 sharded layout, newest first, with
regenerated answers, edited prompts, custom instructions, every content type ChatGPT writes;
answers of several kilobytes and now and then a long pasted log in a prompt: "long messages"),
then measures each phase in a fresh child process, which reports its own peak RSS (VmHWM):

    parse    the parser alone (stream the zip, build Conversations): the floor any import stands on
    extract  the import with rules extraction into an empty vault (memd's defaults, fsync on)
    again    the same export imported again (must write nothing)

With --before TREE (a source tree of memd, e.g. `git archive REV | tar -x -C DIR`), the extract
phase is also run with that code, right after this code's, on the same export and machine: the
"extract (before)" rows, and the speed-up and CPU ratio in the summary. (Run the whole bench with
PYTHONPATH set to such a tree's link folder to measure other code as "this" one: the children
inherit it; bench/import_same_bytes.py builds the folder.)

Prints a table and writes bench/results/import_bench.json (or --out), with the pipeline's own time
breakdown per step. `linear` compares the seconds per conversation of the largest size with the
smallest's. Targets (issue 14): >= 250 conversations/s with extraction, linear from 2k to 8k
(per-conversation time grows <= 25 %), peak RSS <= 200 MiB (the import and any worker process).
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
PHASES = ("parse", "extract", "again")
TARGETS = {"rss_mib": 200.0, "conv_per_s": 250.0, "linear": 1.25}
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
        if r.random() < 0.05:  # a pasted log: a long prompt (2-6 KB)
            lines = [f"2024-05-0{r.randint(1, 9)} 12:{r.randint(10, 59)}:{r.randint(10, 59)} WARN worker-{r.randint(1, 9)}"
                     f" {r.choice(TOPICS)} (attempt {r.randint(1, 5)})" for _ in range(r.randint(30, 90))]
            text = f"{text}\n\n```\n" + "\n".join(lines) + "\n```"
        return text

    def answer(self) -> str:
        # Long answers (1.5-5 KB): several paragraphs and code, as models write them today.
        r = self.rng
        parts = [r.choice(ANSWER_PARAS) for _ in range(r.randint(4, 12))]
        for _ in range(r.randint(0, 2)):
            parts.insert(r.randrange(len(parts)), r.choice(CODE_ANSWERS))
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
def _vm_hwm_mib() -> float:
    """This process's peak resident set (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(phase: str, export: Path, vault: Path, state: Path, profile: bool) -> dict:
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
        app = Memd(config_from_dict({"vault": str(vault), "state_dir": str(state)}))  # memd's defaults: fsync on
        report = run_import(app, ImportRequest(str(export), "chatgpt"))
        d = report.to_json()
        out = {k: d[k] for k in ("written", "unchanged", "failed", "facts_added", "review_items", "turns_extracted",
                                 "decisions", "timings")}
        out["conversations"] = d["survey"]["conversations"]
        out["turns"] = d["survey"]["turns"]
        app.close()
    if prof:
        prof.disable()
        if os.environ.get("MEMD_BENCH_PSTATS"):  # the raw profile, for pstats or snakeviz
            prof.dump_stats(os.environ["MEMD_BENCH_PSTATS"])
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(50)
        out["profile"] = buf.getvalue()
    out["memd"] = __import__("memd").__file__
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - c0
    out["rss_mib"] = _vm_hwm_mib()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, ended by now
    out["worker_cpu_seconds"] = workers.ru_utime + workers.ru_stime
    out["worker_rss_mib"] = workers.ru_maxrss / 1024
    return out


def run_child(phase: str, export: Path, vault: Path, state: Path, profile: bool, code: Path | None = None) -> dict:
    """Run `phase` in a fresh child; `code`: a folder whose `memd` package the child imports
    (import_same_bytes.link_tree) instead of the installed one."""
    cmd = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", phase, str(export), str(vault), str(state)]
    if profile:
        cmd.append("--profile-child")
    env = dict(os.environ, PYTHONPATH=str(code)) if code is not None else None
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if code is not None and not out.get("memd", "").startswith(str(code)):
        raise SystemExit(f"phase {phase} did not import memd from {code}")
    return out


def export_for(work: Path, size: int, console) -> tuple[Path, dict]:
    export = work / f"chatgpt-export-{size}-long.zip"
    meta = work / (export.name + ".json")
    if export.exists() and meta.exists():
        return export, json.loads(meta.read_text())
    t0 = time.perf_counter()
    info = generate_export(export, size)
    meta.write_text(json.dumps(info))
    console.print(f"generated {export.name}: {info['conversations']} conversations, {info['messages']} messages,"
                  f" {info['bytes'] / 1e6:.1f} MB zipped ({time.perf_counter() - t0:.1f}s)")
    return export, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,8000", help="Conversations per export, comma-separated.")
    ap.add_argument("--phases", default="parse,extract,again")
    ap.add_argument("--profile", choices=PHASES, help="Print a cProfile of this phase (largest size).")
    ap.add_argument("--keep", type=Path, help="Work in this folder and keep it (exports are reused).")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "import_bench.json")
    ap.add_argument("--label", default="", help="A note stored with the results (what code was measured).")
    ap.add_argument("--before", type=Path, help="A source tree of memd (e.g. `git archive REV | tar -x -C DIR`):"
                                                " its import is run right after this one's, for each size.")
    ap.add_argument("--child", nargs=4, metavar=("PHASE", "EXPORT", "VAULT", "STATE"), help=argparse.SUPPRESS)
    ap.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        phase, export, vault, state = args.child
        print(json.dumps(child(phase, Path(export), Path(vault), Path(state), args.profile_child)))
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)  # many columns; a pipe would cut the table at 80
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    phases = [p for p in args.phases.split(",") if p]
    work = args.keep or Path(tempfile.mkdtemp(prefix="memd-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    before_code = None
    if args.before is not None:
        sys.path.insert(0, str(HERE))
        from import_same_bytes import link_tree

        shutil.rmtree(work / "before-code", ignore_errors=True)
        before_code = link_tree(args.before.resolve(), work / "before-code")
    try:
        for size in sizes:
            export, info = export_for(work, size, console)
            todo = [(phase, None) for phase in phases]
            if before_code is not None:
                todo.insert(todo.index(("extract", None)) + 1 if ("extract", None) in todo else len(todo),
                            ("extract", before_code))
            for phase, code in todo:
                name = phase if code is None else f"{phase} (before)"
                vault, state = work / f"vault-{size}", work / f"state-{size}"
                if code is not None:
                    vault, state = work / f"vault-{size}-before", work / f"state-{size}-before"
                if phase == "extract":
                    shutil.rmtree(vault, ignore_errors=True)
                    shutil.rmtree(state, ignore_errors=True)
                elif phase == "again" and not state.exists():
                    raise SystemExit("phase `again` needs phase `extract` first")
                console.print(f"[dim]{size}: running {name}…[/dim]")
                r = run_child(phase, export, vault, state, args.profile == phase and size == sizes[-1] and code is None,
                              code)
                r.update(size=size, phase=name, messages=info["messages"], zip_bytes=info["bytes"],
                         conv_per_s=r["conversations"] / r["seconds"])
                if "profile" in r:
                    console.print(r.pop("profile"))
                runs.append(r)
                if code is not None:
                    shutil.rmtree(vault, ignore_errors=True)
                    shutil.rmtree(state, ignore_errors=True)
            if args.keep is None:
                shutil.rmtree(work / f"vault-{size}", ignore_errors=True)
                shutil.rmtree(work / f"state-{size}", ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    table = Table(title="memd import (ChatGPT, long messages, rules extraction); parse = the parser alone, the floor")
    for col in ("size", "phase", "conv/s", "seconds", "ms/conv", "cpu s", "worker cpu s", "peak RSS MiB",
                "worker RSS MiB", "written", "facts", "apply s"):
        table.add_column(col, justify="left" if col == "phase" else "right")
    for r in runs:
        worker = r.get("worker_cpu_seconds", 0.0) > 0
        table.add_row(str(r["size"]), r["phase"], f"{r['conv_per_s']:.0f}", f"{r['seconds']:.1f}",
                      f"{1000 * r['seconds'] / max(1, r['conversations']):.2f}", f"{r['cpu_seconds']:.1f}",
                      f"{r['worker_cpu_seconds']:.1f}" if worker else "—", f"{r['rss_mib']:.0f}",
                      f"{r['worker_rss_mib']:.0f}" if worker else "—", str(r.get("written", "—")),
                      str(r.get("facts_added", "—")), f"{r.get('timings', {}).get('extract: apply', 0.0):.1f}")
    console.print(table)
    for r in runs:
        if r.get("timings"):
            console.print(f"[bold]{r['size']} {r['phase']}[/bold] time by step (s): "
                          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(r["timings"].items(), key=lambda kv: -kv[1])))
    extract = {r["size"]: r for r in runs if r["phase"] == "extract"}
    met: dict[str, bool] = {}
    summary: dict[str, float] = {}
    mine = [r for r in runs if not r["phase"].endswith("(before)")]
    rss = max(max(r["rss_mib"], r.get("worker_rss_mib", 0.0)) for r in mine)
    summary["peak_rss_mib"] = rss
    met["rss"] = rss <= TARGETS["rss_mib"]
    if extract:
        slowest = min(r["conv_per_s"] for r in extract.values())
        summary["min_conv_per_s"] = slowest
        met["conv_per_s"] = slowest >= TARGETS["conv_per_s"]
        if len(extract) > 1:
            small, large = extract[min(extract)], extract[max(extract)]
            growth = (large["seconds"] / large["conversations"]) / (small["seconds"] / small["conversations"])
            apply_small = small["timings"].get("extract: apply", 0.0) / small["conversations"]
            apply_large = large["timings"].get("extract: apply", 0.0) / large["conversations"]
            summary["per_conv_growth"] = growth
            summary["apply_per_conv_growth"] = apply_large / apply_small if apply_small else 0.0
            met["linear"] = growth <= TARGETS["linear"]
    before = {r["size"]: r for r in runs if r["phase"] == "extract (before)"}
    for size, b in sorted(before.items()):
        if size in extract:
            a = extract[size]
            summary[f"speedup_vs_before_{size}"] = b["seconds"] / a["seconds"]
            summary[f"cpu_ratio_vs_before_{size}"] = ((a["cpu_seconds"] + a["worker_cpu_seconds"])
                                                      / (b["cpu_seconds"] + b["worker_cpu_seconds"]))
    console.print("summary: " + ", ".join(f"{k} {v:.2f}" for k, v in summary.items()))
    console.print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    out = {"label": args.label, "before": str(args.before) if args.before else None, "sizes": sizes, "runs": runs,
           "summary": summary, "targets": TARGETS, "targets_met": met,
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
