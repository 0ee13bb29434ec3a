"""mem-agent update requests, applied with `memd remember` to a fresh copy of their memory.

Each `update_queries.json` of `../shared/data/mem_agent_dev/<instance>/memory_<id>/` holds
statements ("my favorite food is actually Paella, not Feijoada", "I've been craving Paella
lately") and the diff mem-agent's authors expect on the memory of `base_memory.json`. For each
statement: a fresh vault is built from that memory (written through memd's writer, so its lines
are memd's, as after an import), the statement goes through the same path as `memd remember`
(memd.api.remember, the rules backend), and the resulting files are compared with the expected
diff:

  old value gone     every fact line the diff removes (and does not add back) no longer holds
                     that value under that key (a `## History` line does not count as current)
  new value present  every fact line the diff adds to a file that existed is there: the same key
                     (as normalised) with the value (token F1 >= 0.6, or a link to the same entity);
                     a file the diff creates exists, with the link lines it should hold
                     (a link back to the user may point at user.md)

"applied" = both, for every file of the diff. "strict" also wants every other line of a created
file (`Type`, `Entity Type`). "changed other lines" counts statements after which a fact line
that held before no longer holds though the expected diff keeps it (a wrong replacement: what
"rather write nothing than a wrong fact" is about). Statements come in pairs: an explicit request ("I need to update
...") and a statement that implies the change ("I've been craving Paella lately"); both are
reported.

Baseline, same run: an append-only memory — the same rules items, every value added as a new
line, nothing replaced or removed (what memd did for most of these before, besides nothing).

    .venv/bin/python bench/update_bench.py [--data DIR] [--limit N] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from memd import api  # noqa: E402
from memd.app import Memd  # noqa: E402
from memd.config import config_from_dict  # noqa: E402
from memd.extract.conventions import NEGATION_TAG  # noqa: E402
from memd.extract.rules import RulesBackend  # noqa: E402
from memd.extract.tools import ADD, DecisionRequest, MemoryItem, Turn  # noqa: E402
from memd.state import Source  # noqa: E402
from memd.vault import memory_view as mv  # noqa: E402
from memd.vault.memfile import MemoryDoc, normalize_key  # noqa: E402
from memd.vault.operations import CreateFile  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mem_agent_dev"
DEFAULT_OUT = ROOT / "bench" / "results" / "update_bench.json"
_HEADER = re.compile(r"^===\s*'?(?P<path>[^=']+?)'?\s*===$")
_FACT = re.compile(r"^[-*+]\s+(?P<key>[^:\[\]`]{1,100}?)\s*:\s*(?P<value>.*?)\s*$")


# --------------------------------------------------------------------------- the expected diff

def parse_diff(diff: str) -> dict[str, tuple[list[str], list[str]]]:
    """{file: (lines removed, lines added)} from the unified diffs of one update."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    current: str | None = None
    for raw in diff.split("\n"):
        h = _HEADER.match(raw.strip())
        if h:
            current = h.group("path").strip()
            out.setdefault(current, ([], []))
            continue
        if current is None or raw.startswith(("---", "+++", "@@")):
            continue
        if raw.startswith("-"):
            out[current][0].append(raw[1:].strip())
        elif raw.startswith("+"):
            out[current][1].append(raw[1:].strip())
    return out


def fact_of(line: str) -> tuple[str, str] | None:
    from memd.vault import provenance

    m = _FACT.match(provenance.strip(line))  # the trailing ↗ source link is not the value
    return (normalize_key(m.group("key")), m.group("value")) if m else None


def tokens(text: str) -> list[str]:
    return mv.words(text)


def token_f1(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    common = sum((Counter(ta) & Counter(tb)).values())
    if not common:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def _same_entity(expected_value: str, got_value: str, user_title: str) -> bool:
    """Two link values point at the same entity (slugs differ in punctuation: dr._x vs dr_x);
    a link to user.md is the user, whose name the memory's data writes as a slug."""
    want = mv.link_names(expected_value)
    have = mv.link_names(got_value)
    if not want or not have:
        return False
    for w in want:
        for h in have:
            if set(tokens(w)) == set(tokens(h)):
                return True
            # The data's slug for the user may carry a role word (engineer_oskar_lindholm for "# Oskar Lindholm").
            # ("captain_lars_gunderson" for "# Lars Erik Gunderson"): two of the title's words, or all of them.
            common = set(tokens(w)) & set(tokens(user_title))
            if h.strip().lower() == "user" and common and (len(common) >= 2 or common == set(tokens(user_title))
                                                           or common == set(tokens(w))):
                return True
    return False


def value_present(expected: str, got: str, user_title: str) -> bool:
    if mv.link_names(expected):
        return _same_entity(expected, got, user_title)
    return token_f1(expected, got) >= 0.6 or (bool(tokens(expected)) and set(tokens(expected)) <= set(tokens(got)))


def value_same(expected: str, got: str) -> bool:
    """The old value still holds: the same text or a link to the same file."""
    if mv.link_names(expected):
        return any(set(tokens(a)) == set(tokens(b)) for a in mv.link_names(expected) for b in mv.link_names(got))
    return set(tokens(expected)) == set(tokens(got)) and bool(tokens(expected))


# --------------------------------------------------------------------------- vaults

def build_vault(tmp: Path, base: dict) -> tuple[Memd, Path]:
    vault = tmp / "vault"
    vault.mkdir(parents=True)
    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp / "state"),
                            "writer": {"settle_seconds": 0, "fsync": False}}, tmp / "config.toml")
    app = Memd(cfg)
    src = Source("bench", ref="base_memory.json")
    files = [("user.md", base["user_md"])] + [(e["entity_file_path"], e["entity_file_content"]) for e in base["entities"]]
    for rel, content in files:
        text = content if content.endswith("\n") else content + "\n"
        res = app.writer.apply(CreateFile(f"{app.memory_dir}/{rel}", text), src)
        if res.status != "applied":
            raise RuntimeError(f"could not build {rel}: {res.status} {res.reason}")
    return app, vault


def find_file(mem: Path, rel: str) -> Path | None:
    """The file the diff names, or one whose name has the same words (dr._x.md is dr_x.md)."""
    p = mem / rel
    if p.exists():
        return p
    folder = (mem / rel).parent
    want = set(tokens(Path(rel).stem.replace("_", " ")))
    if folder.is_dir():
        for f in folder.glob("*.md"):
            if set(tokens(f.stem.replace("_", " "))) == want:
                return f
    return None


def score(mem: Path, expected: dict[str, tuple[list[str], list[str]]], existed: set[str]) -> dict:
    user_doc = MemoryDoc.parse((mem / "user.md").read_text(encoding="utf-8"))
    user_title = user_doc.title or ""
    problems: list[str] = []
    strict_problems: list[str] = []
    for rel, (minus, plus) in expected.items():
        removed = [l for l in minus if l not in plus]
        added = [l for l in plus if l not in minus and l.strip()]
        path = find_file(mem, rel)
        doc = MemoryDoc.parse(path.read_text(encoding="utf-8")) if path else None
        current = mv.current_facts(doc) if doc else []
        for line in removed:
            f = fact_of(line)
            if f and any(c.norm_key == f[0] and value_same(f[1], c.value) for c in current):
                problems.append(f"{rel}: still holds {line}")
        if rel not in existed:
            if doc is None:
                problems.append(f"{rel}: not created")
                continue
            for line in added:
                f = fact_of(line)
                if line.startswith("#"):
                    continue
                ok = f is not None and any(
                    (c.norm_key == f[0] or mv.same_key(c.norm_key, f[0])) and value_present(f[1], c.value, user_title)
                    for c in current)
                if not ok and f is not None and mv.link_names(f[1]):
                    problems.append(f"{rel}: lacks {line}")
                elif not ok:
                    strict_problems.append(f"{rel}: lacks {line}")
            continue
        for line in added:
            f = fact_of(line)
            if f is None:
                continue
            if not any(c.norm_key == f[0] and value_present(f[1], c.value, user_title) for c in current):
                problems.append(f"{rel}: lacks {line}")
    return {"applied": not problems, "strict": not problems and not strict_problems,
            "problems": problems + strict_problems}


def collateral(mem: Path, before: dict[str, str], expected: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """Fact lines that held before the statement and no longer hold, though the expected diff
    keeps them: what a change took away that it should not have (a wrong replacement)."""
    meant = {(f[0], tuple(tokens(f[1]))) for _, (minus, _) in expected.items() for l in minus if (f := fact_of(l))}
    out = []
    for rel, text in before.items():
        path = mem / rel
        now = {(c.norm_key, tuple(tokens(c.value))) for c in mv.current_facts(MemoryDoc.parse(path.read_text(encoding="utf-8")))} \
            if path.exists() else set()
        for c in mv.current_facts(MemoryDoc.parse(text)):
            k = (c.norm_key, tuple(tokens(c.value)))
            if k not in now and k not in meant:
                out.append(f"{rel}: {c.key.strip('* ')}: {c.value}")
    return out


# --------------------------------------------------------------------------- runs

def append_only(app: Memd, text: str) -> None:
    """Baseline: the rules backend's items, every value appended as a new line."""
    call = RulesBackend().decide(DecisionRequest(Turn("bench", "user", text, turn_id="1")))
    if call.name != ADD:
        return
    src = Source("bench-baseline")
    for d in call.arguments["memory_list"]:
        it = MemoryItem.from_dict(d)
        if NEGATION_TAG in it.tags:
            continue
        try:
            app.set_fact(it.entity, it.key, it.value, src, multi=True)
        except ValueError:
            pass


def _changes(mem: Path, before: dict[str, str]) -> list[str]:
    """A unified diff of every memory file the statement changed or created."""
    import difflib

    out = []
    for p in sorted(mem.rglob("*.md")):
        rel = str(p.relative_to(mem))
        new = p.read_text(encoding="utf-8")
        if before.get(rel) != new:
            out += list(difflib.unified_diff(before.get(rel, "").splitlines(), new.splitlines(), rel, rel, lineterm="", n=0))
    return out


def run_one(base: dict, query: str, expected: dict, mode: str, show_diff: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="memd-update-bench-"))
    try:
        app, vault = build_vault(tmp, base)
        mem = vault / app.memory_dir
        before = {str(p.relative_to(mem)): p.read_text(encoding="utf-8") for p in mem.rglob("*.md")}
        existed = set(before)
        t0 = time.perf_counter()
        try:
            if mode == "memd":
                api.remember(app, query)
            else:
                append_only(app, query)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            app.close()
        out = score(mem, expected, existed)
        out["collateral"] = collateral(mem, before, expected)
        out["ms"] = round(ms, 2)
        if show_diff:
            out["diff"] = _changes(mem, before)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load(data: Path) -> list[dict]:
    cases = []
    for qf in sorted(data.glob("*/memory_*/update_queries.json")):
        base = json.loads((qf.parent / "base_memory.json").read_text(encoding="utf-8"))
        queries = json.loads(qf.read_text(encoding="utf-8"))
        for hop, items in queries.items():
            for i, q in enumerate(items):
                cases.append({"memory": f"{qf.parent.parent.name[:8]}/{qf.parent.name[:15]}", "hop": hop,
                              "kind": "explicit" if i % 2 == 0 else "implied", "query": q["query"],
                              "expected": parse_diff(q["diff"]), "base": base})
    return cases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=0, help="only the first N statements")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--show-misses", action="store_true", help="print every statement memd did not apply")
    ap.add_argument("--grep", default="", help="only the statements containing this text (case-insensitive)")
    ap.add_argument("--show-diff", action="store_true", help="print what memd changed in each file (with --grep)")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"update_bench: no mem-agent data at {args.data}", file=sys.stderr)
        return 2
    cases = load(args.data)
    if args.grep:
        cases = [c for c in cases if args.grep.casefold() in c["query"].casefold()]
    if args.limit:
        cases = cases[: args.limit]
    if not cases:
        print(f"update_bench: no update_queries.json under {args.data}", file=sys.stderr)
        return 2
    from rich.console import Console
    from rich.table import Table

    rows = []
    for c in cases:
        memd_r = run_one(c["base"], c["query"], c["expected"], "memd", args.show_diff)
        if args.show_diff:
            print(f"[{c['hop']}/{c['kind']}] {c['query']}\n  applied={memd_r['applied']} strict={memd_r['strict']} "
                  + "; ".join(memd_r["problems"]) + "\n    " + "\n    ".join(memd_r.pop("diff")))
        base_r = run_one(c["base"], c["query"], c["expected"], "baseline")
        rows.append({"memory": c["memory"], "hop": c["hop"], "kind": c["kind"], "query": c["query"],
                     "memd": memd_r, "baseline": base_r})
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["hop"], r["kind"])].append(r)
        groups[("all", r["kind"])].append(r)
        groups[("all", "all")].append(r)

    def share(rs: list[dict], who: str, what: str) -> float:
        return round(sum(1 for r in rs if r[who][what]) / len(rs), 3) if rs else 0.0

    table = Table(title=f"mem-agent update requests via `memd remember` (rules backend), {len(rows)} statements, "
                        f"{len({r['memory'] for r in rows})} memories")
    for col in ("hop", "statements", "n", "memd applied", "memd strict", "memd changed other lines", "append-only applied",
                "append-only strict"):
        table.add_column(col, justify="left" if col in ("hop", "statements") else "right")
    summary = {}
    for key in sorted(groups, key=lambda k: (k[0] == "all", k)):
        rs = groups[key]
        s = {"n": len(rs), "memd_applied": share(rs, "memd", "applied"), "memd_strict": share(rs, "memd", "strict"),
             "memd_collateral": round(sum(1 for r in rs if r["memd"]["collateral"]) / len(rs), 3),
             "baseline_applied": share(rs, "baseline", "applied"), "baseline_strict": share(rs, "baseline", "strict")}
        summary[f"{key[0]}/{key[1]}"] = s
        table.add_row(key[0], key[1], str(s["n"]), f"{s['memd_applied']:.1%}", f"{s['memd_strict']:.1%}",
                      f"{s['memd_collateral']:.1%}",
                      f"{s['baseline_applied']:.1%}", f"{s['baseline_strict']:.1%}")
    console = Console(width=140)
    console.print(table)
    total = summary["all/all"]
    console.print(f"applied (old value gone, new value present): memd {total['memd_applied']:.1%}, "
                  f"append-only baseline {total['baseline_applied']:.1%}; target >= 60 % (issue 9; 0 before)")
    if args.show_misses:
        for r in rows:
            if not r["memd"]["applied"] or r["memd"]["collateral"]:
                console.print(f"[{r['hop']}/{r['kind']}] {r['query']}\n    " + "\n    ".join(
                    r["memd"]["problems"] + [f"changed: {c}" for c in r["memd"]["collateral"]]), markup=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"data": str(args.data.name), "summary": summary,
                                    "reported_before": {"applied": 0, "of": 96},
                                    "statements": rows}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
