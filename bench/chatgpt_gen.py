"""A generated ChatGPT export with long messages, for bench/import_bench.py and
bench/import_same_bytes.py: the 2026 sharded zip layout, newest first, with regenerated answers,
edited prompts, custom instructions and every content type ChatGPT writes; answers of several
kilobytes and now and then a long pasted log in a prompt. Deterministic for a seed."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

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
