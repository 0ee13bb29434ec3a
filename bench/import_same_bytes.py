"""Does a change to the import pipeline write the same memory? Imports one generated ChatGPT export
(bench/chatgpt_gen.py: long messages, custom instructions, branches) with two source
trees of memd, each into a fresh vault, and compares what they leave: every vault file byte by
byte, the journal, decisions, review queue and ledger, and the index's rows.

    python bench/import_same_bytes.py BEFORE_TREE AFTER_TREE [--size 300] [--json]

A tree is a checkout of the repository (memd/, importers/, daemon/, exporters/ at its top), for
example `git archive <rev> | tar -x -C /tmp/before`. Each import runs in a child process whose
`memd` package is that tree's (a folder of links put first on PYTHONPATH, which the worker
processes inherit). Exit status 0: identical; 1: a difference (listed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGES = {"memd": "memd", "importers": "memd/importers", "daemon": "memd/daemon", "exporters": "memd/exporters",
            "packaging": "memd/packaging"}

STATE_TABLES = {
    "journal": "SELECT id, op, args, path, entity, key, source_kind, source_ref, source_detail, hash_before,"
               " hash_after, change, status, undo_of FROM journal ORDER BY id",
    "decisions": "SELECT id, stream, turn_id, tool, arguments, reasoning, searches, final, warnings, journal_ids,"
                 " review_ids FROM decisions ORDER BY id",
    "review": "SELECT id, path, entity, key, op, args, source, reason, current, proposed, status FROM review ORDER BY id",
    "ledger": "SELECT source, source_id, kind, title, path, content_hash, turns, extracted, written_hash, status"
              " FROM import_ledger ORDER BY source, source_id",
}
INDEX_TABLES = {
    "notes": "SELECT path, kind, size, hash, title, aliases, tags, warning FROM notes ORDER BY path",
    "chunks": "SELECT n.path, c.* FROM chunks c JOIN notes n ON n.id = c.note_id ORDER BY n.path, c.start_line",
    "links": "SELECT n.path, l.line, l.raw, l.target, l.fragment, l.embed, d.path FROM links l"
             " JOIN notes n ON n.id = l.src LEFT JOIN notes d ON d.id = l.dst ORDER BY n.path, l.line, l.raw",
    "facts": "SELECT n.path, f.section, f.key, f.value, f.line FROM facts f JOIN notes n ON n.id = f.note_id"
             " ORDER BY n.path, f.line",
}


def link_tree(tree: Path, into: Path) -> Path:
    """A folder whose `memd` package is `tree`'s: memd/* linked, with importers/ daemon/ exporters/
    linked in as its subpackages (as pyproject's package-dir maps them)."""
    pkg = into / "memd"
    pkg.mkdir(parents=True)
    for entry in (tree / "memd").iterdir():
        if entry.name != "__pycache__":
            (pkg / entry.name).symlink_to(entry)
    for name, where in PACKAGES.items():
        if name != "memd" and (tree / name).is_dir():
            (into / where).symlink_to(tree / name)
    return into


def _rows(db_path: Path, tables: dict[str, str]) -> dict[str, list]:
    db = sqlite3.connect(db_path)
    try:
        out = {}
        for name, sql in tables.items():
            cols = db.execute(sql).description
            # Row ids of chunks differ with nothing else (another insertion order): left out.
            keep = [i for i, c in enumerate(cols) if c[0] not in ("id", "note_id")] if name == "chunks" else None
            out[name] = [list(r) if keep is None else [r[i] for i in keep] for r in db.execute(sql)]
        return out
    finally:
        db.close()


def child(export: Path, root: Path) -> None:
    """In the child: import `export` into `root`/vault, then dump what it left as JSON."""
    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.importers.pipeline import ImportRequest, run_import

    vault = root / "vault"
    vault.mkdir(parents=True)
    app = Memd(config_from_dict({"vault": str(vault), "state_dir": str(root / "state")}))
    try:
        report = run_import(app, ImportRequest(str(export), "chatgpt")).to_json()
        state, index = _rows(app.config.state_db, STATE_TABLES), _rows(app.config.index_db, INDEX_TABLES)
    finally:
        app.close()
    files = {p.relative_to(vault).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(vault.rglob("*")) if p.is_file()}
    for volatile in ("seconds", "timings", "run_id"):
        report.pop(volatile, None)
    print(json.dumps({"memd": __import__("memd").__file__, "files": files, "report": report,
                      **{f"state {k}": v for k, v in state.items()}, **{f"index {k}": v for k, v in index.items()}},
                     default=str))


def run_tree(tree: Path, export: Path, work: Path) -> dict:
    linked = link_tree(tree.resolve(), work / "pkg")
    env = dict(os.environ, PYTHONPATH=str(linked), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-P", str(Path(__file__).resolve()), "--child", str(export), str(work)],
                          capture_output=True, text=True, env=env, cwd=work)
    if proc.returncode != 0:
        raise SystemExit(f"import with {tree} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if not out.pop("memd").startswith(str(linked)):
        raise SystemExit(f"the child did not import memd from {tree}")
    return out


def differences(a: dict, b: dict) -> list[str]:
    diffs = []
    for name in sorted(a.keys() | b.keys()):
        x, y = a.get(name), b.get(name)
        if x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            keys = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
            diffs.append(f"{name}: {len(keys)} differ, e.g. {keys[:3]}")
        elif isinstance(x, list) and isinstance(y, list):
            first = next((i for i, (r, s) in enumerate(zip(x, y)) if r != s), min(len(x), len(y)))
            diffs.append(f"{name}: {len(x)} vs {len(y)} rows, first difference at row {first}")
        else:
            diffs.append(f"{name}: differs")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path, nargs="?")
    ap.add_argument("after", type=Path, nargs="?")
    ap.add_argument("--size", type=int, default=300, help="Conversations in the generated export.")
    ap.add_argument("--json", action="store_true", help="Print the result as JSON.")
    ap.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.before is None or args.after is None:
        ap.error("two source trees are needed: BEFORE AFTER")
    sys.path.insert(0, str(HERE))
    from chatgpt_gen import generate_export

    with tempfile.TemporaryDirectory(prefix="memd-same-bytes-") as tmp:
        work = Path(tmp)
        export = work / "export.zip"
        info = generate_export(export, args.size)
        states = []
        for i, tree in enumerate((args.before, args.after)):
            (work / str(i)).mkdir()
            states.append(run_tree(tree, export, work / str(i)))
    diffs = differences(*states)
    result = {"conversations": info["conversations"], "files": len(states[1]["files"]),
              "facts_added": states[1]["report"].get("facts_added"), "identical": not diffs, "differences": diffs}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['conversations']} conversations, {result['files']} files, {result['facts_added']} facts: "
              + ("identical" if not diffs else "DIFFERENT"))
        for line in diffs:
            print("  " + line)
    sys.exit(0 if not diffs else 1)


if __name__ == "__main__":
    main()
