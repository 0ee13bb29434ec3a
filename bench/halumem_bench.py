"""HaluMem benchmark: one HaluMem user's sessions imported through the real ChatGPT importer.

    python bench/halumem_bench.py [--data ../shared/data/halumem_dev_user0.jsonl]

Each session becomes one conversation of a ChatGPT export (conversations.json, every message with
its own `create_time` from the session's timestamps), imported with `run_import` into a fresh
vault with `--me <the persona's name>` and the rules backend. Then the memory files are read back
(user.md and entities/*.md, every `- key: value` line that is not a link) and compared with the
gold `memory_points` of all sessions:

  capture  share of gold memory points whose best single written fact reaches token F1 >= 0.5.
           A fact reads as a sentence: "<subject> <key words> <value>" (the subject is the
           persona's name for user.md, the entity's title otherwise; a dated value loses its
           date), as the gold points name the user ("Martin Mark's job title is ...").
  junk     share of written facts that match no gold point: fewer than half of the value's
           content words (stop words left out) occur in the gold point that holds most of them.
           A fact with no content word at all is junk.

A baseline beside memd in the same run: every sentence the user wrote, stored as it stands
("store everything"), scored the same way. Prints a table and writes bench/results/halumem_bench.json
(with the junk facts and the missed gold points, for reading).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rules_eval import token_f1, tokens  # noqa: E402

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "halumem_dev_user0.jsonl"
CAPTURE_F1 = 0.5
JUNK_SUPPORT = 0.5
_FACT = re.compile(r"^\s*- (?:\*\*)?(?P<key>[^:*]+?)(?:\*\*)?: (?P<value>.+)$")
_DATE_PREFIX = re.compile(r"^\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?: ")
_TITLE = re.compile(r"^# (.+)$", re.M)
# Words that carry no content of their own: a fact is supported by a gold point through the
# other words. Closed-class English plus the generic verbs every memory point uses.
STOP = frozenset("""a an the and or but of to in on at for with from by as into about over after before
is are was were be been being am has have had do does did will would can could should may might must
i me my mine you your he him his she her it its we us our they them their this that these those
not no so very just also too than then there here what which who whom when where why how all any
some more most other such only own same s t""".split())
_SENT = re.compile(r"(?<=[.!?])\s+")


def persona_name(persona: str) -> str:
    m = re.search(r"Name:\s*([^;]+);", persona)
    return m.group(1).strip() if m else "User"


def epoch(stamp: str) -> float:
    """'Jan 15, 2029, 15:12:20' -> seconds since the epoch (the data gives no zone: UTC)."""
    return datetime.strptime(stamp, "%b %d, %Y, %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


def chatgpt_export(user: dict) -> list[dict]:
    """The sessions as ChatGPT export conversations, one message node per dialogue message."""
    convs = []
    for n, session in enumerate(user["sessions"]):
        cid = f"halumem-{n:02d}"
        mapping: dict[str, dict] = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
        parent = "root"
        start = epoch(session["start_time"])
        for i, msg in enumerate(session["dialogue"]):
            nid = f"{cid}-m{i}"
            when = epoch(msg["timestamp"]) if msg.get("timestamp") else start
            mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
                "id": nid, "author": {"role": msg["role"]}, "create_time": when,
                "content": {"content_type": "text", "parts": [msg["content"]]}, "metadata": {}, "weight": 1.0,
                "recipient": "all"}}
            mapping[parent]["children"].append(nid)
            parent = nid
        convs.append({"id": cid, "conversation_id": cid, "title": f"HaluMem session {n + 1}", "create_time": start,
                      "update_time": epoch(session["end_time"]), "mapping": mapping, "current_node": parent})
    return convs


def read_facts(memory: Path, user_name: str) -> list[dict]:
    """Every `- key: value` fact line of the memory folder that is not a link."""
    from memd.vault import provenance

    out = []
    files = [memory / "user.md", *sorted((memory / "entities").glob("*.md"))]
    for path in files:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        m = _TITLE.search(text)
        subject = user_name if path.name == "user.md" else (m.group(1).strip() if m else path.stem)
        for line in text.splitlines():
            f = _FACT.match(provenance.strip(line))  # the trailing ↗ source link is not the value
            if not f or "[[" in f.group("value"):
                continue
            value = _DATE_PREFIX.sub("", f.group("value").strip())
            out.append({"file": path.relative_to(memory).as_posix(), "subject": subject,
                        "key": f.group("key").strip(), "value": value})
    return out


def fact_sentence(f: dict) -> str:
    return f"{f['subject']} {f['key'].replace('_', ' ')} {f['value']}"


def content(text: str) -> list[str]:
    return [t for t in tokens(text.replace("_", " ")) if t not in STOP]


def support(value: str, golds: list[set[str]]) -> float:
    words = set(content(value))
    if not words:
        return 0.0
    return max((len(words & g) / len(words) for g in golds), default=0.0)


def score(facts: list[dict], gold: list[str]) -> dict:
    sentences = [fact_sentence(f) for f in facts]
    gold_norm = [g.replace("_", " ") for g in gold]
    best = [max((token_f1(s, g) for s in sentences), default=0.0) for g in gold_norm]
    captured = sum(b >= CAPTURE_F1 for b in best)
    gold_words = [set(content(g)) for g in gold_norm]
    sup = [support(f["value"], gold_words) for f in facts]
    junk = [f for f, s in zip(facts, sup) if s < JUNK_SUPPORT]
    by_key: dict[str, list[int]] = {}  # key -> [facts, junk]: where the junk is
    for f, s in zip(facts, sup):
        k = "DATE (event)" if re.match(r"\d{4}", f["key"]) else f["key"]
        row = by_key.setdefault(k, [0, 0])
        row[0] += 1
        row[1] += s < JUNK_SUPPORT
    return {
        "by_key": {k: {"facts": n, "junk": j} for k, (n, j) in sorted(by_key.items(), key=lambda kv: -kv[1][0])},
        "facts": len(facts), "gold": len(gold), "captured": captured,
        "capture": round(captured / len(gold), 3) if gold else 0.0,
        "junk": round(len(junk) / len(facts), 3) if facts else 0.0, "junk_facts": len(junk),
        "junk_examples": [f"{f['file']}: {f['key']}: {f['value']}" for f in junk[:60]],
        "missed_examples": [g for g, b in zip(gold, best) if b < CAPTURE_F1][:40],
    }


def baseline_facts(user: dict, name: str) -> list[dict]:
    """'Store everything': each sentence the user wrote is a fact."""
    out = []
    for session in user["sessions"]:
        for msg in session["dialogue"]:
            if msg["role"] == "user":
                for s in _SENT.split(msg["content"].strip()):
                    if s.strip():
                        out.append({"file": "baseline", "subject": name, "key": "said", "value": s.strip()})
    return out


def run_memd(user: dict, name: str) -> tuple[list[dict], dict]:
    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.importers.pipeline import ImportRequest, run_import

    root = Path(tempfile.mkdtemp(prefix="memd-halumem-"))
    try:
        (root / "vault").mkdir()
        export = root / "export"
        export.mkdir()
        (export / "conversations.json").write_text(json.dumps(chatgpt_export(user)), encoding="utf-8")
        cfg = config_from_dict({"vault": str(root / "vault"), "state_dir": str(root / "state"),
                                "writer": {"settle_seconds": 0, "fsync": False}})
        app = Memd(cfg)
        t0 = time.perf_counter()
        report = run_import(app, ImportRequest(path=str(export), format="chatgpt", me=[name]), parallel=False)
        seconds = time.perf_counter() - t0
        facts = read_facts(root / "vault" / "memory", name)
        with app.state.read() as c:  # what the value gate refused, from the decisions' warnings
            refused = [w for (ws,) in c.execute("SELECT warnings FROM decisions") for w in json.loads(ws)
                       if w.startswith("dropped")]
        entities = sorted(p.name for p in (root / "vault" / "memory" / "entities").glob("*.md"))
        info = {"seconds": round(seconds, 2), "decisions": dict(report.decisions), "facts_added": report.facts_added,
                "entities": entities, "failed": [p.message for p in report.failed],
                "refused_by_value_gate": len(refused), "refused_examples": refused[:40]}
        app.close()
        return facts, info
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "halumem_bench.json")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"halumem_bench: no HaluMem data at {args.data}")
    from rich.console import Console
    from rich.table import Table

    user = json.loads(args.data.read_text(encoding="utf-8").splitlines()[0])
    name = persona_name(user.get("persona_info", ""))
    gold = [p["memory_content"] for s in user["sessions"] for p in s["memory_points"]]
    facts, info = run_memd(user, name)
    memd = score(facts, gold)
    base = score(baseline_facts(user, name), gold)
    result = {"written": [f"{f['file']}: {f['key']}: {f['value']}" for f in facts], "user": name, "sessions": len(user["sessions"]),
              "messages": sum(len(s["dialogue"]) for s in user["sessions"]),
              "targets": {"junk_max": 0.15, "capture_min": 0.40}, "memd": {**memd, **info}, "baseline": base}
    table = Table(title=f"HaluMem — {name}: {result['sessions']} sessions, {result['messages']} messages, "
                        f"{len(gold)} gold memory points (rules backend, ChatGPT importer)")
    table.add_column("metric")
    table.add_column("memd", justify="right")
    table.add_column("store everything", justify="right")
    table.add_column("target", justify="right")
    for label, key, target in [("facts written", "facts", ""), ("gold points captured", "captured", ""),
                               ("capture (F1 >= 0.5)", "capture", ">= 0.40"), ("junk facts", "junk_facts", ""),
                               ("junk share", "junk", "<= 0.15")]:
        table.add_row(label, str(memd[key]), str(base[key]), target)
    table.add_row("entity files", str(len(info["entities"])), "", "")
    table.add_row("items refused by the value gate", str(info["refused_by_value_gate"]), "", "")
    table.add_row("import seconds", str(info["seconds"]), "", "")
    console = Console(width=120)
    console.print(table)
    keys = Table(title="memd's facts by key: how many match no gold point")
    for col in ("key", "facts", "junk", "junk share"):
        keys.add_column(col, justify="left" if col == "key" else "right")
    for k, row in memd["by_key"].items():
        keys.add_row(k, str(row["facts"]), str(row["junk"]), f"{row['junk'] / row['facts']:.2f}")
    console.print(keys)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
