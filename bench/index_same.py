"""Is the index the same? Dump what a cold index of a vault holds, and what searches answer, then
compare two dumps (made by two versions of memd on the same vault).

    python bench/index_same.py dump VAULT OUT.json [--queries 300]
    python bench/index_same.py compare BEFORE.json AFTER.json [--json]

A dump holds, for every note, a digest of everything the index stores for it (its notes row but
`indexed_at`, its chunks with their FTS columns, its links with their resolved targets, its facts,
its names-table row), table counts, and the full answers (paths, lines, scores, snippets) of a
fixed set of queries: title words, common words, two- and three-word queries, kind filters and
grouped searches. `compare` names the notes and queries that differ and exits 1 when any do.

Run it with another checkout first on PYTHONPATH to get the "before" dump: a speed change to the
indexer must leave both identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _digest(rows: list[Any]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def dump(vault: Path, queries: int) -> dict[str, Any]:
    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.index.search import search as engine

    with tempfile.TemporaryDirectory(prefix="memd-same-") as state:
        app = Memd(config_from_dict({"vault": str(vault), "state_dir": state}))
        t0 = time.perf_counter()
        report = app.index.scan()
        seconds = time.perf_counter() - t0
        c = app.index.reader()
        per_note: dict[str, list[Any]] = {}
        ids: dict[int, str] = {}
        for r in c.execute("SELECT id, path, kind, size, mtime_ns, hash, title, aliases, tags, warning FROM notes"):
            ids[r[0]] = r[1]
            per_note[r[1]] = [list(r[1:])]
        chunks: dict[str, list[Any]] = {p: [] for p in per_note}
        for r in c.execute("SELECT c.note_id, c.heading, c.level, c.start_line, c.end_line, c.block, c.speaker, c.time,"
                           " c.source_id, f.title, f.aliases, f.heading, f.body, f.context FROM chunks c"
                           " JOIN fts f ON f.rowid = c.id ORDER BY c.id"):
            chunks[ids[r[0]]].append(list(r[1:]))
        links: dict[str, list[Any]] = {p: [] for p in per_note}
        for r in c.execute("SELECT src, line, raw, target, key, fragment, embed, markdown, dst FROM links ORDER BY id"):
            links[ids[r[0]]].append(list(r[1:]))
        facts: dict[str, list[Any]] = {p: [] for p in per_note}
        for r in c.execute("SELECT note_id, section, key, norm_key, value, line FROM facts"):
            facts[ids[r[0]]].append(list(r[1:]))
        names = {ids[r[0]]: list(r[1:]) for r in c.execute("SELECT rowid, title, aliases FROM fts_names")}
        notes = {p: _digest([per_note[p], chunks[p], sorted(links[p], key=str), sorted(facts[p], key=str),
                             names.get(p)]) for p in sorted(per_note)}
        counts = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("notes", "chunks", "fts", "fts_names", "links", "facts")}
        counts["unresolved_links"] = c.execute("SELECT count(*) FROM links WHERE dst IS NULL").fetchone()[0]
        # Queries from the vault's own words, chosen the same way whatever the index holds.
        rng = random.Random(5)
        titles = sorted(t for (t,) in c.execute("SELECT title FROM notes WHERE kind != 'attachment'"))
        words = sorted({w.lower() for t in titles for w in t.split() if w.isalpha()})
        chosen: list[tuple[str, dict[str, Any]]] = []
        for i in range(queries):
            if not words:
                break
            q = " ".join(rng.sample(words, min(len(words), rng.choice([1, 1, 2, 3]))))
            if i % 7 == 3:
                q = q[: max(3, len(q) - 2)]  # a prefix, as typed
            opts: dict[str, Any] = {}
            if i % 5 == 1:
                opts["group"] = True
            if i % 11 == 2:
                opts["kind"] = rng.choice(["note", "memory", "source"])
            chosen.append((q, opts))
        chosen += [(q, {}) for q in ("the", "and", "what did she say", "relationship friend", "an", "ananba")]
        answers = []
        for q, opts in chosen:
            hits = engine(c, q, limit=10, **opts)
            answers.append({"query": q, "opts": opts,
                            "hits": [[h["path"], h["lines"], h["score"], h["snippet"], h.get("turns")] for h in hits]})
        app.close()
    return {"vault": str(vault), "cold_s": round(seconds, 3), "added": report.added, "counts": counts,
            "notes": notes, "searches": answers}


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    notes = sorted(set(a["notes"]) | set(b["notes"]))
    differ = [p for p in notes if a["notes"].get(p) != b["notes"].get(p)]
    searches = [x["query"] for x, y in zip(a["searches"], b["searches"]) if x != y]
    if len(a["searches"]) != len(b["searches"]):
        searches.append("(a different number of queries)")
    return {"same": not differ and not searches and a["counts"] == b["counts"],
            "counts": {"before": a["counts"], "after": b["counts"]},
            "notes_compared": len(notes), "notes_differing": differ[:50], "notes_differing_count": len(differ),
            "queries_compared": len(a["searches"]), "queries_differing": searches[:50],
            "cold_s": {"before": a["cold_s"], "after": b["cold_s"]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="index VAULT cold and write what it holds and answers to OUT")
    d.add_argument("vault", type=Path)
    d.add_argument("out", type=Path)
    d.add_argument("--queries", type=int, default=300)
    c = sub.add_parser("compare", help="compare two dumps; exit 1 if they differ")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")
    args = ap.parse_args()
    if args.cmd == "dump":
        if not args.vault.is_dir():
            sys.exit(f"error: vault not found: {args.vault}")
        result = dump(args.vault, args.queries)
        args.out.write_text(json.dumps(result, ensure_ascii=False))
        print(f"{args.vault}: {len(result['notes'])} notes, {len(result['searches'])} queries, cold {result['cold_s']} s"
              f" -> {args.out}")
        return
    try:
        a, b = (json.loads(p.read_text()) for p in (args.before, args.after))
    except (OSError, ValueError) as exc:
        sys.exit(f"error: cannot read a dump: {exc}")
    result = compare(a, b)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"notes: {result['notes_compared']} compared, {result['notes_differing_count']} differ"
              f" {result['notes_differing'][:10]}")
        print(f"queries: {result['queries_compared']} compared, {len(result['queries_differing'])} differ"
              f" {result['queries_differing'][:10]}")
        print(f"counts: {'same' if a['counts'] == b['counts'] else result['counts']}")
        print(f"cold index: before {a['cold_s']} s, after {b['cold_s']} s (one run each, not a benchmark)")
        print("SAME" if result["same"] else "DIFFERENT")
    sys.exit(0 if result["same"] else 1)


if __name__ == "__main__":
    main()
