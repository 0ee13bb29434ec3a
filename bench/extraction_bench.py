"""Extraction benchmark: LoCoMo conversations through the real loop into a fresh vault.

    python bench/extraction_bench.py [--data ../shared/data/locomo_dev.json] [--window 6]

Every session of every conversation is one stream; each turn goes through ExtractionLoop
(rules backend) with its speaker as author, and the stream is ended after its last turn (the
buffer's final pass). Then, against LoCoMo's `observation` facts and the turns they cite:

  turn selection  a turn counts as selected when something was written to the vault from it
                  (the journal's source points at the turn); precision / recall / F1
  value token F1  token F1 between the values written from a turn and the observation facts
                  citing it: over turns both selected and gold, and over all gold turns
  written         facts, entities and links in the vault afterwards, and the items the value
                  gate refused (with examples in the JSON)
  loop overhead   ms per turn with an instant scripted backend (ignore, and replayed adds):
                  the loop's own cost, without the backend's (target <= 2 ms per turn)

Targets (issue 9): turn selection F1 >= 0.65, value token F1 >= 0.50, precision >= 0.80.
Prints a table and writes bench/results/extraction_bench.json. These numbers are the floor every
later version must beat.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rules_eval import gold_facts, normalise_ids, sessions, token_f1  # noqa: E402

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "locomo_dev.json"
_FACT_LINE = re.compile(r"^- [^:]+: (.*)$")
_DATE_PREFIX = re.compile(r"^\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?: ")


def make_app(root: Path, window: int):
    from memd.app import Memd
    from memd.config import config_from_dict

    (root / "vault").mkdir(parents=True)
    cfg = config_from_dict({"vault": str(root / "vault"), "state_dir": str(root / "state"),
                            "writer": {"settle_seconds": 0}, "extract": {"window_turns": window}})
    return Memd(cfg)


def turns_of(sample: dict):
    """(stream, [Turn...]) per session, speakers as named others."""
    from memd.extract.tools import Turn

    sid = sample.get("sample_id", "conv")
    for name, when, dialog in sessions(sample["conversation"]):
        stream = f"{sid}/{name}"
        turns = [Turn(stream=stream, role="other", author=t["speaker"], text=t["text"],
                      time=when, turn_id=normalise_ids(t["dia_id"])[0])
                 for t in dialog if t.get("text")]
        yield stream, turns


def written_by_turn(app) -> dict[str, list[str]]:
    """'<sample>:<dia_id>' -> the values memd wrote from that turn (read from the journal's
    sources, so only what reached the vault counts; a turn that only added links has [])."""
    from memd.vault import provenance

    out: dict[str, list[str]] = {}
    for e in app.state.journal(limit=10_000_000, newest_first=False):
        ref = e["source"].get("ref") or ""
        if "#" not in ref or e["status"] != "applied":
            continue
        stream, turn = ref.rsplit("#", 1)
        values = out.setdefault(f"{stream.split('/')[0]}:{turn}", [])
        ch = e["change"]
        lines = ch["content"].split("\n")[1:] if ch.get("created") else [l for h in ch.get("hunks", []) for l in h["new"]]
        for line in lines:
            m = _FACT_LINE.match(provenance.strip(line))  # the trailing ↗ source link is not the value
            if m and "[[" not in m.group(1):
                values.append(_DATE_PREFIX.sub("", m.group(1)))
    return out


def quality(data: list[dict], window: int) -> dict:
    from memd.extract.loop import ExtractionLoop
    from memd.extract.rules import RulesBackend

    root = Path(tempfile.mkdtemp(prefix="memd-extract-bench-"))
    try:
        app = make_app(root, window)
        loop = ExtractionLoop(app, RulesBackend(), source_kind="bench")
        gold: dict[str, list[str]] = {}
        n_turns, t0 = 0, time.perf_counter()
        for sample in data:
            sid = sample.get("sample_id", "conv")
            for turn_id, facts in gold_facts(sample).items():
                gold.setdefault(f"{sid}:{turn_id}", []).extend(facts)
            for stream, turns in turns_of(sample):
                for t in turns:
                    loop.process(t)
                    n_turns += 1
                loop.end_stream(stream)
        seconds = time.perf_counter() - t0
        written = written_by_turn(app)
        selected = set(written)
        tp = len(selected & set(gold))
        precision = tp / len(selected) if selected else 0.0
        recall = tp / len(gold) if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        best = {k: max(token_f1(" ; ".join(written.get(k, [])), g) for g in gold[k]) for k in gold}
        matched = [best[k] for k in selected & set(gold)]
        # What the value gate refused (memd/extract/value_gate.py), from the decisions' warnings.
        refused = [w for d in loop.streams.decisions(limit=10_000_000) for w in d["warnings"] if w.startswith("dropped")]
        stats = app.index.stats()
        counts = app.state.counts()
        result = {
            "conversations": len(data), "turns": n_turns, "gold_turns": len(gold), "selected_turns": len(selected),
            "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "value_f1_matched": round(statistics.mean(matched), 3) if matched else 0.0,
            "value_f1_all_gold": round(statistics.mean(best[k] if k in selected else 0.0 for k in gold), 3),
            "facts": stats["facts"], "links": stats["links"],
            "entities": len([n for n in app.index.memory_notes() if n["path"] != app.user_path]),
            "journal_entries": counts["journal"], "review_items": counts["review_pending"],
            "refused_by_value_gate": len(refused), "refused_examples": refused[:30],
            "ms_per_turn_rules_end_to_end": round(seconds / n_turns * 1000, 3),
        }
        app.close()
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Instant:
    """A backend that answers at once: ignore, or a replayed add of one fact."""

    name = "instant"

    def __init__(self, add_every: int = 0):
        self.n = 0
        self.add_every = add_every

    def decide(self, request):
        from memd.extract.tools import ToolCall

        self.n += 1
        if self.add_every and self.n % self.add_every == 0:
            who = request.new_turn.author or "user"
            return ToolCall("add_memory", {"memory_list": [{"key": "mentioned", "value": f"topic {self.n % 50}",
                                                            "memory_type": "LongTermMemory", "tags": [],
                                                            "entity": who}], "summary": "s"})
        return ToolCall("ignore_memory", {"reason": "instant"})


def overhead(data: list[dict], window: int, add_every: int) -> float:
    from memd.extract.loop import ExtractionLoop

    root = Path(tempfile.mkdtemp(prefix="memd-extract-overhead-"))
    try:
        app = make_app(root, window)
        loop = ExtractionLoop(app, Instant(add_every), source_kind="bench")
        n, t0 = 0, time.perf_counter()
        for sample in data[:4]:
            for stream, turns in turns_of(sample):
                for t in turns:
                    loop.process(t)
                    n += 1
                loop.end_stream(stream)
        ms = (time.perf_counter() - t0) / n * 1000
        app.close()
        return round(ms, 3)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--window", type=int, default=6)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "extraction_bench.json")
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"extraction_bench: no LoCoMo data at {args.data}")
    from rich.console import Console
    from rich.table import Table

    data = json.loads(args.data.read_text())
    result = quality(data, args.window)
    result["overhead_ms_per_turn_ignore"] = overhead(data, args.window, 0)
    result["overhead_ms_per_turn_with_adds"] = overhead(data, args.window, 5)
    table = Table(title=f"memd extraction benchmark — LoCoMo, {result['conversations']} conversations, "
                        f"{result['turns']:,} turns (rules backend)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for label, value in [
        ("gold turns (cited by observations)", f"{result['gold_turns']:,}"),
        ("turns something was written from", f"{result['selected_turns']:,}"),
        ("turn selection precision", result["precision"]),
        ("turn selection recall", result["recall"]),
        ("turn selection F1", result["f1"]),
        ("value token F1 (selected ∩ gold)", result["value_f1_matched"]),
        ("value token F1 (all gold turns)", result["value_f1_all_gold"]),
        ("facts in the vault", f"{result['facts']:,}"),
        ("entities", result["entities"]),
        ("links", f"{result['links']:,}"),
        ("journal entries / review items", f"{result['journal_entries']:,} / {result['review_items']}"),
        ("items refused by the value gate", result["refused_by_value_gate"]),
        ("rules end to end, ms per turn", result["ms_per_turn_rules_end_to_end"]),
        ("loop overhead, instant ignore, ms/turn (<= 2)", result["overhead_ms_per_turn_ignore"]),
        ("loop overhead, instant + 1 add in 5, ms/turn", result["overhead_ms_per_turn_with_adds"]),
    ]:
        table.add_row(label, str(value))
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
