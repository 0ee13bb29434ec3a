"""Dump everything the rules backend extracts from a fixed body of text, to compare two versions.

    python bench/patterns_equivalence.py OUT.json [--data ../shared/data] [--limit N]

Written for moving the predicate rules from memd/extract/rules_patterns.py into the package
memd/extract/patterns/: run it once with the old code on sys.path and once with the new, and the
two files must be byte-identical. Which memd is read is whatever `import memd` finds, so a copy of
an older tree can be put in front with PYTHONPATH.

The text: every probe statement (bench/probes/*.json, setup and say), every turn of the LoCoMo
dev conversations and every user turn of the HaluMem dev user (../shared/data). Each text is read
at three levels, each under a plain and a profile ("about me") Env, at a fixed reference date:
  - every sentence through rules_clauses.analyse_sentence (facts and mentions),
  - then through rules_merge.merge_updates (what the backend keeps of them),
  - and the whole text as one user turn through RulesBackend.decide (the tool call it makes).
Prints how many texts, facts and calls were dumped, and the time spent.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"
REF = date(2025, 3, 10)


def corpus(data_dir: Path, limit: int | None) -> list[str]:
    """Probe statements, LoCoMo turns and HaluMem user turns, in a fixed order, deduplicated."""
    texts: list[str] = []
    for path in sorted(glob.glob(str(HERE / "probes" / "*.json"))):
        for probe in json.loads(Path(path).read_text(encoding="utf-8"))["probes"]:
            texts.extend(probe.get("setup", []))
            texts.append(probe["say"])
    locomo = data_dir / "locomo_dev.json"
    if locomo.exists():
        for sample in json.loads(locomo.read_text(encoding="utf-8")):
            conv = sample["conversation"]
            for key in sorted((k for k in conv if k.startswith("session_") and k[8:].isdigit()), key=lambda k: int(k[8:])):
                texts.extend(t["text"] for t in conv[key] if t.get("text"))
    else:
        print(f"note: {locomo} absent, LoCoMo turns left out", file=sys.stderr)
    halumem = data_dir / "halumem_dev_user0.jsonl"
    if halumem.exists():
        for line in halumem.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for session in json.loads(line).get("sessions", []):
                texts.extend(d["content"] for d in session.get("dialogue", []) if d.get("role") == "user" and d.get("content"))
    else:
        print(f"note: {halumem} absent, HaluMem turns left out", file=sys.stderr)
    seen: set[str] = set()
    out = [t for t in texts if not (t in seen or seen.add(t))]
    return out[:limit] if limit else out


def fact_row(f) -> list:
    s = f.subject
    return [s.kind, s.name, s.relation, s.pronoun, s.plural, f.key, f.value, list(f.tags), f.negated, f.needs_object]


def mention_row(m) -> list:
    return [m.name, m.relation, m.gender, m.species, m.position]


def dump_text(text: str) -> dict:
    """What every level of the rules backend makes of one text."""
    from memd.extract.rules import RulesBackend
    from memd.extract.rules_clauses import analyse_sentence, sentences_of
    from memd.extract.rules_merge import merge_updates
    from memd.extract.tools import DecisionRequest, Turn

    # Env is imported from wherever rules_clauses takes it, so the same script reads both trees.
    import memd.extract.rules_clauses as rc

    out: dict = {"text": text}
    sentences = sentences_of(text)
    for label, strong in (("plain", False), ("profile", True)):
        env = rc.Env(ref=REF, strong=strong, intro=strong, known_names=frozenset())
        rows = []
        offset = 0
        for i, sentence in enumerate(sentences[:40]):
            res = analyse_sentence(sentence, env, offset)
            following = sentences[i + 1] if i + 1 < len(sentences) else ""
            kept = merge_updates(sentence, env, res.facts, following)
            rows.append({
                "facts": [fact_row(f) for f in res.facts],
                "mentions": [mention_row(m) for m in res.mentions],
                "merged": [fact_row(f) for f in kept],
            })
            offset += len(sentence) + 1
        out[label] = rows
        turn = Turn(stream="eq", role="user", text=text, time="2025-03-10T12:00:00+00:00", turn_id="t1", strong=strong)
        call = RulesBackend().decide(DecisionRequest(new_turn=turn, user_names=["Sam"], today=REF.isoformat()))
        out[f"decide_{label}"] = [call.name, call.arguments]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    texts = corpus(args.data, args.limit)
    t0 = time.perf_counter()
    rows = [dump_text(t) for t in texts]
    spent = time.perf_counter() - t0
    facts = sum(len(s["facts"]) for r in rows for k in ("plain", "profile") for s in r[k])
    calls = sum(1 for r in rows for k in ("decide_plain", "decide_profile") if r[k][0] == "add_memory")
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    import memd.extract.rules_clauses as rc

    print(f"{len(texts)} texts, {facts} sentence facts, {calls} add calls, {spent:.1f} s -> {args.out}"
          f" (memd read from {Path(rc.__file__).parent.parent})")


if __name__ == "__main__":
    main()
