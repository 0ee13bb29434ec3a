"""Probe benchmark: statements memd has never seen, each scored on its own.

    python bench/probe_bench.py [--probes bench/probes] [--only updates] [--show-fails]

Every probe (bench/probes/*.json) runs in a fresh vault (real files, real SQLite) with the rules
backend through the real extraction loop, as `memd remember` would run it, at a fixed moment
(2025-03-10 12:00 UTC, a Monday, so relative dates have one right answer). A probe:

    files     memory files written first, through the writer, in any layout
              ({"user.md": "# Ana\n- **Passion**: Sailing\n"}: a memory as mem-agent writes it)
    setup     statements remembered first (what memory already holds)
    me        names that are the user (config import.me)
    author    say the statement as this speaker of a chat log (role "other") instead of the user
    say       the statement under test
    present   facts that must be current afterwards: "[file|]key: value"; key "*" is any key;
              the value matches when it contains the given text ("~text": when it contains it,
              case-insensitively, anywhere; an exact value otherwise, case-insensitively)
    absent    facts that must not be current afterwards (same notation; a line under a
              "History" heading, or one marked "until", is not current)
    nothing   true: the statement changes no memory file at all
    no_files  memory files that must not exist afterwards (entities/thankfully.md)

"file" defaults to user.md; dated events read "DATE: text" with the date as their key.

Baseline beside memd in the same run: the same checks on the memory as it was before the
statement (what "ignore every statement" scores). Prints a table per file and writes
bench/results/probe_bench.json with every probe's outcome and, for failures, why.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
_LINE = re.compile(r"^\s*- (?:\*\*)?(?P<key>[^:*\n]+?)(?:\*\*)?:\s*(?P<value>.*?)\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")


def current_facts(text: str) -> list[tuple[str, str]]:
    """(key, value) of every current fact line: not under a History heading, not marked 'until'."""
    from memd.vault import provenance

    out = []
    in_history = False
    for line in text.splitlines():
        h = _HEADING.match(line)
        if h:
            in_history = "history" in h.group("title").lower()
            continue
        m = _LINE.match(provenance.strip(line))  # the trailing ↗ source link is not the value
        if not m or in_history or re.search(r"\buntil\b", m.group("value"), re.I):
            continue
        key = re.sub(r"\s+", "_", m.group("key").strip().lower())
        out.append((key, m.group("value").strip()))
    return out


def parse_check(spec: str) -> tuple[str, str, str]:
    """'entities/anna.md|living_location: Rome' -> (file, key, value)."""
    file, _, rest = spec.rpartition("|")
    key, _, value = rest.partition(":")
    return file or "user.md", key.strip().lower(), value.strip()


def matches(facts: list[tuple[str, str]], key: str, value: str) -> bool:
    loose = value.startswith("~")
    want = value[1:].lower() if loose else value.lower()
    for k, v in facts:
        if key != "*" and k != key:
            continue
        got = v.lower()
        if (want in got) if loose else (got == want or got.rstrip(".") == want):
            return True
    return False


def snapshot(memory: Path) -> dict[str, str]:
    if not memory.exists():
        return {}
    return {p.relative_to(memory).as_posix(): p.read_text(encoding="utf-8") for p in sorted(memory.rglob("*.md"))}


def judge(probe: dict, files: dict[str, str], before: dict[str, str]) -> list[str]:
    """Why the probe failed on `files` (empty: it passed)."""
    why = []
    for spec in probe.get("present", []):
        file, key, value = parse_check(spec)
        if not matches(current_facts(files.get(file, "")), key, value):
            why.append(f"missing {spec}")
    for spec in probe.get("absent", []):
        file, key, value = parse_check(spec)
        if matches(current_facts(files.get(file, "")), key, value):
            why.append(f"still there: {spec}")
    for name in probe.get("no_files", []):
        if name in files:
            why.append(f"file exists: {name}")
    if probe.get("nothing") and files != before:
        changed = sorted(k for k in set(files) | set(before) if files.get(k) != before.get(k))
        why.append("wrote to " + ", ".join(changed))
    return why


def run_probe(probe: dict) -> dict:
    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.extract.loop import ExtractionLoop
    from memd.extract.rules import RulesBackend
    from memd.extract.tools import Turn

    root = Path(tempfile.mkdtemp(prefix="memd-probe-"))
    try:
        (root / "vault").mkdir()
        cfg = config_from_dict({"vault": str(root / "vault"), "state_dir": str(root / "state"),
                                "writer": {"settle_seconds": 0, "fsync": False},
                                "import": {"me": list(probe.get("me", []))}})
        app = Memd(cfg)
        try:
            loop = ExtractionLoop(app, RulesBackend(), source_kind="remember", clock=lambda: NOW)
            memory = cfg.vault / app.memory_dir
            for rel, text in probe.get("files", {}).items():
                from memd.state import Source
                from memd.vault.operations import CreateFile

                res = app.writer.apply(CreateFile(f"{app.memory_dir}/{rel}", text), Source("probe-setup"))
                if res.status != "applied":
                    raise RuntimeError(f"probe {probe['id']}: could not write {rel}: {res.reason}")
            for text in probe.get("setup", []):
                loop.remember(text)
            before = snapshot(memory)
            if probe.get("author"):
                loop.process(Turn(stream="probe", role="other", author=probe["author"], text=probe["say"],
                                  time=NOW.isoformat(), turn_id="1"))
                decisions = [loop.end_stream("probe")]
            else:
                decisions = loop.remember(probe["say"])
            after = snapshot(memory)
            dropped = [w for d in decisions if d for w in d.warnings if w.startswith("dropped")]
        finally:
            app.close()
        why = judge(probe, after, before)
        base = judge(probe, before, before)
        return {"id": probe["id"], "say": probe["say"], "passed": not why, "why": why,
                "baseline_passed": not base, "dropped": dropped}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probes", type=Path, default=HERE / "probes")
    ap.add_argument("--only", help="only this probe file (its name without .json)")
    ap.add_argument("--show-fails", action="store_true", help="print every failed probe and why")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "probe_bench.json")
    args = ap.parse_args()
    files = sorted(args.probes.glob("*.json"))
    if args.only:
        files = [f for f in files if f.stem == args.only]
    if not files:
        sys.exit(f"probe_bench: no probe files in {args.probes}")
    from rich.console import Console
    from rich.table import Table

    sys.path.insert(0, str(HERE.parent))
    results: dict[str, list[dict]] = {}
    for f in files:
        try:
            probes = json.loads(f.read_text(encoding="utf-8"))["probes"]
        except (ValueError, KeyError) as exc:
            sys.exit(f"probe_bench: {f}: not a probe file ({exc})")
        results[f.stem] = [run_probe(p) for p in probes]

    console = Console(width=140)
    table = Table(title=f"memd probe benchmark — {sum(len(v) for v in results.values())} statements (rules backend)")
    for col, just in (("probe file", "left"), ("statements", "right"), ("memd passed", "right"),
                      ("memd share", "right"), ("ignore-all baseline", "right")):
        table.add_column(col, justify=just)
    total = passed = base = 0
    for name, rows in results.items():
        n, p, b = len(rows), sum(r["passed"] for r in rows), sum(r["baseline_passed"] for r in rows)
        total, passed, base = total + n, passed + p, base + b
        table.add_row(name, str(n), str(p), f"{p / n:.2f}", str(b))
    table.add_row("all", str(total), str(passed), f"{passed / total:.2f}", str(base), style="bold")
    console.print(table)
    fails = Table(title="failed probes", show_lines=False)
    fails.add_column("probe")
    fails.add_column("why")
    for name, rows in results.items():
        for r in rows:
            if not r["passed"]:
                fails.add_row(f"{name}/{r['id']}", "; ".join(r["why"])[:110])
    if args.show_fails:
        console.print(fails)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"now": NOW.isoformat(), "total": total, "passed": passed, "baseline_passed": base,
                                    "by_file": {k: {"statements": len(v), "passed": sum(r["passed"] for r in v)}
                                                for k, v in results.items()},
                                    "probes": results}, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
