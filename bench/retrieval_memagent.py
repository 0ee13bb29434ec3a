"""mem-agent persona memories for bench/retrieval_bench.py: `ask` and top-5 search, by hops.

Each memory (`../shared/data/mem_agent_dev/*/memory_*/base_memory.json`) is written as it is into
a fresh vault (memory/user.md, memory/entities/*.md, mem-agent's own `- **Key**: value` lines and
`[[x.md]]` links), indexed, and asked its retrieval questions. A question counts as answered when
the gold answer, normalised (case, punctuation, spacing), is inside the normalised answer; search
counts when it is inside the text of one of the top 5 hits.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

_TOKEN = re.compile(r"[^\W_]+")


def norm(text: str) -> str:
    return " ".join(_TOKEN.findall(str(text).lower()))


def contains(text: str | None, gold: str) -> bool:
    g = norm(gold)
    return bool(g) and g in norm(text or "")


def memories(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/memory_*/base_memory.json"))


def write_memory(base: dict, vault: Path) -> None:
    mem = vault / "memory"
    (mem / "entities").mkdir(parents=True, exist_ok=True)
    (mem / "user.md").write_text(base["user_md"], encoding="utf-8")
    for e in base.get("entities", []):
        rel = e["entity_file_path"]
        target = mem / rel if "/" in rel else mem / "entities" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(e["entity_file_content"], encoding="utf-8")


def question_sets(qfile: Path) -> dict[str, list[tuple[str, str]]]:
    data = json.loads(qfile.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    for hop, items in data.items():
        for item in items if isinstance(items, list) else [items]:
            qs = item["q"] if isinstance(item["q"], list) else [item["q"]]
            out.setdefault(hop, []).extend((q, str(item["a"])) for q in qs)
    return out


def evaluate(make_app: Callable[[Path], Any], root: Path, failures: list | None = None) -> dict[str, dict[str, float]]:
    from memd.query.ask import ask

    per: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for mdir in memories(root):
        base = json.loads((mdir / "base_memory.json").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as tmp:
            app = make_app(Path(tmp))
            write_memory(base, app.config.vault)
            app.index.scan()
            for hop, qas in question_sets(mdir / "retrieval_questions.json").items():
                for q, a in qas:
                    r = ask(app, q)
                    ok = contains(r["answer"], a)
                    hits = app.search(q, limit=5)
                    found = any(contains(h.get("text"), a) for h in hits)
                    per[hop]["ask"].append(float(ok))
                    per[hop]["search@5"].append(float(found))
                    if not ok and failures is not None:
                        failures.append({"memory": mdir.name, "hop": hop, "q": q, "gold": a, "answer": r["answer"]})
            app.close()
    return {hop: {m: round(sum(v) / len(v), 3) for m, v in ms.items()} | {"n": len(ms["ask"])}
            for hop, ms in sorted(per.items())}


def make_app_factory():
    from memd.app import Memd
    from memd.config import config_from_dict

    def make(tmp: Path):
        (tmp / "vault").mkdir()
        return Memd(config_from_dict({"vault": str(tmp / "vault"), "state_dir": str(tmp / "state")}))
    return make


if __name__ == "__main__":  # quick iteration: python bench/retrieval_memagent.py
    import sys

    here = Path(__file__).resolve().parent
    fails: list = []
    print(json.dumps(evaluate(make_app_factory(), here.parent.parent / "shared" / "data" / "mem_agent_dev", fails),
                     indent=1))
    for f in fails[: int(sys.argv[1]) if len(sys.argv) > 1 else 30]:
        print(f)
