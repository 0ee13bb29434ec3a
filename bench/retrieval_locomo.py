"""LoCoMo evidence recall for bench/retrieval_bench.py: memd's search beside a plain BM25.

The conversations go through the real importer (`memd import chat --format locomo`, a child
process, no extraction) into a fresh vault; each question of categories 1-4 is then asked of
`memd search` in process, and of a plain BM25 over single turns (the baseline: lower-cased
words, English stop words out, k1 = 1.5, b = 0.75) built in this run from the same data.

Recall@k is the share of a question's evidence turns found in the top k hits, averaged over
questions. "Words at k=10" counts the words of the text the hits return (a turn, a section).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rules_eval import normalise_ids  # noqa: E402

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
_TOKEN = re.compile(r"\w+")
BASELINE_STOP = frozenset("""a an the and or but of to in on at for with is are was were be been am i you he she it we
they me my your his her its our their this that these those do does did have has had what when where who which
why how not no so as by from about""".split())


def words(text: str) -> int:
    return len(text.split())


def import_locomo(data: Path, root: Path) -> tuple[Path, Path]:
    """Vault and config with the LoCoMo conversations imported by the real CLI."""
    vault, state, config = root / "vault", root / "state", root / "config.toml"
    env = {**os.environ, "MEMD_CONFIG": str(config)}
    run = [sys.executable, "-P", "-m", "memd"]
    subprocess.run([*run, "init", str(vault), "--create", "--state-dir", str(state), "--json"],
                   env=env, check=True, capture_output=True)
    subprocess.run([*run, "import", "chat", "--format", "locomo", str(data), "--no-extract", "--json"],
                   env=env, check=True, capture_output=True)
    return vault, config


def questions(samples: list[dict]) -> list[dict]:
    out = []
    for s in samples:
        for qa in s["qa"]:
            cat = qa.get("category")
            ev = normalise_ids(qa.get("evidence") or [])
            if cat in CATEGORIES and ev:
                out.append({"sample": s["sample_id"], "q": qa["question"], "answer": str(qa.get("answer", "")),
                            "evidence": set(ev), "category": cat})
    return out


class PlainBM25:
    """The baseline: BM25 over single turns, nothing else."""

    def __init__(self, samples: list[dict], k1: float = 1.5, b: float = 0.75):
        self.docs: list[tuple[str, str, str]] = []  # (sample, dia_id, text)
        for s in samples:
            conv = s["conversation"]
            for key, turns in conv.items():
                if not re.fullmatch(r"session_\d+", key):
                    continue
                for t in turns:
                    text = str(t.get("text") or "")
                    if t.get("blip_caption"):
                        text += f" [image: {t['blip_caption']}]"
                    ids = normalise_ids(t.get("dia_id"))
                    if ids:
                        self.docs.append((s["sample_id"], ids[0], f"{t.get('speaker', '')}: {text}"))
        self.k1, self.b = k1, b
        self.tfs = [Counter(self.tokens(d[2])) for d in self.docs]
        self.lens = [sum(tf.values()) for tf in self.tfs]
        self.avg = sum(self.lens) / max(1, len(self.lens))
        df = Counter(w for tf in self.tfs for w in tf)
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, tf in enumerate(self.tfs):
            for w in tf:
                self.postings[w].append(i)

    @staticmethod
    def tokens(text: str) -> list[str]:
        return [w for w in (t.lower() for t in _TOKEN.findall(text)) if w not in BASELINE_STOP]

    def search(self, query: str, k: int) -> list[tuple[str, str, str]]:
        scores: dict[int, float] = defaultdict(float)
        for w in set(self.tokens(query)):
            for i in self.postings.get(w, ()):
                tf = self.tfs[i][w]
                scores[i] += self.idf[w] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lens[i] / self.avg))
        best = sorted(scores, key=lambda i: -scores[i])[:k]
        return [self.docs[i] for i in best]


def sample_of_paths(vault: Path) -> dict[str, str]:
    out = {}
    for p in (vault / "memory-sources").rglob("*.md"):
        m = re.search(r"^id: (.+)$", p.read_text(encoding="utf-8"), re.M)
        if m:
            out[p.relative_to(vault).as_posix()] = m.group(1).strip().strip("'\"")
    return out


def memd_hits(app, query: str, k: int, samples_by_path: dict[str, str]) -> list[tuple[str, str, str]]:
    """(sample, dia_id or '', text) per hit; a hit with several turns counts every one."""
    out = []
    for h in app.search(query, limit=k):
        sample = samples_by_path.get(h["path"], "")
        turns = h.get("turns") or [{}]
        ids = [normalise_ids((t.get("source_id") or "").split("-")[0]) for t in turns]
        out.append((sample, [i[0] for i in ids if i], h.get("text") or h.get("snippet") or ""))
    return out


def recall(found: set[tuple[str, str]], q: dict) -> float:
    return sum(1 for e in q["evidence"] if (q["sample"], e) in found) / len(q["evidence"])


def evaluate(app, vault: Path, samples: list[dict], ks: tuple[int, ...] = (5, 10)) -> dict:
    qs = questions(samples)
    paths = sample_of_paths(vault)
    base = PlainBM25(samples)
    kmax = max(ks)
    per: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    from memd.query.ask import ask

    ask_answers = {id(q): ask(app, q["q"])["answer"] for q in qs}
    for q in qs:
        cat = CATEGORIES[q["category"]]
        mh = memd_hits(app, q["q"], kmax, paths)
        bh = base.search(q["q"], kmax)
        for k in ks:
            m_found = {(s, i) for s, ids, _ in mh[:k] for i in ids}
            b_found = {(s, i) for s, i, _ in bh[:k]}
            for group in (cat, "all"):
                per[group][f"memd_r@{k}"].append(recall(m_found, q))
                per[group][f"bm25_r@{k}"].append(recall(b_found, q))
        for group in (cat, "all"):
            per[group]["memd_words@10"].append(sum(words(t) for _, _, t in mh[:10]))
            per[group]["bm25_words@10"].append(sum(words(t) for _, _, t in bh[:10]))
            per[group]["ask_contains_answer"].append(float(_contains(ask_answers[id(q)] or "", q["answer"])))
            per[group]["memd_answer_in_top10"].append(float(_contains(" ".join(t for _, _, t in mh[:10]), q["answer"])))
            per[group]["bm25_answer_in_top10"].append(float(_contains(" ".join(t for _, _, t in bh[:10]), q["answer"])))
    table = {g: {m: round(sum(v) / len(v), 3) for m, v in metrics.items()} | {"n": len(metrics["memd_r@5"])}
             for g, metrics in per.items()}
    return table


def _contains(text: str, answer: str) -> bool:
    norm = lambda s: " ".join(_TOKEN.findall(s.lower()))  # noqa: E731
    a = norm(answer)
    return bool(a) and a in norm(text)


if __name__ == "__main__":  # quick iteration: python bench/retrieval_locomo.py
    import tempfile
    import time

    from memd.app import Memd

    data = HERE.parent.parent / "shared" / "data" / "locomo_dev.json"
    with tempfile.TemporaryDirectory() as tmp:
        vault, config = import_locomo(data, Path(tmp))
        app = Memd.open(config)
        app.index.scan()
        t0 = time.perf_counter()
        print(json.dumps(evaluate(app, vault, json.loads(data.read_text())), indent=1))
        print(f"{time.perf_counter() - t0:.1f}s")
        app.close()
