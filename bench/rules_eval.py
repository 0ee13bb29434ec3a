"""Evaluate the `rules` extraction backend on LoCoMo conversations.

Streams every turn of every session through RulesBackend the way the extraction loop does
(a window of recent turns, a buffer of parked turns, a final pass over the buffer at the end of
each session) and scores two things against LoCoMo's per-session observations:

  turn selection   a turn is "selected" when the backend adds memories for it (directly, or
                   later from the buffer); gold turns are those cited as evidence (dia_id) by
                   an observation fact. Precision / recall / F1 over turns.
  value token F1   SQuAD-style token F1 between the values the backend produced for a turn
                   (date prefixes removed) and the observation facts citing that turn, averaged
                   over turns both selected and gold ("matched"), and over all gold turns
                   with 0 for the ones missed ("all gold").

Two readings of the same logs: both speakers as named others (user_names empty), and
speaker_a as the user. Prints a table and writes bench/results/rules_eval.json.

    .venv/bin/python bench/rules_eval.py [--data PATH] [--window 6] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import string
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from memd.extract.rules import (
    FROM_BUFFER_TAG,
    TURN_TAG_PREFIX,
    RulesBackend,
    split_dated,
)
from memd.extract.tools import ADD, BUFFER, DecisionRequest, Turn, validate_call

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "locomo_dev.json"
DEFAULT_OUT = ROOT / "bench" / "results" / "rules_eval.json"


def normalise_ids(raw: object) -> list[str]:
    """Evidence ids as 'D<session>:<turn>': splits 'D8:6; D9:17', repairs 'D:11:26', 'D30:05'."""
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        for part in re.split(r"[;,\s]+", str(item)):
            m = re.fullmatch(r"D:?(\d+):0*(\d+)", part.strip())
            if m:
                out.append(f"D{int(m.group(1))}:{int(m.group(2))}")
    return out


def session_time(text: str) -> str | None:
    """'1:56 pm on 8 May, 2023' -> '2023-05-08T13:56:00'."""
    for fmt in ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y"):
        try:
            return datetime.strptime(text.strip(), fmt).isoformat()
        except ValueError:
            continue
    return None


_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def tokens(text: str) -> list[str]:
    return _ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split()


def token_f1(pred: str, gold: str) -> float:
    p, g = tokens(pred), tokens(gold)
    if not p or not g:
        return 0.0
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def gold_facts(sample: dict) -> dict[str, list[str]]:
    facts: dict[str, list[str]] = {}
    for obs in sample.get("observation", {}).values():
        for speaker_facts in obs.values():
            for fact, evidence in speaker_facts:
                for dia in normalise_ids(evidence):
                    facts.setdefault(dia, []).append(fact)
    return facts


def sessions(conv: dict) -> list[tuple[str, str | None, list[dict]]]:
    keys = sorted((k for k in conv if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1]))
    return [(k, session_time(conv.get(f"{k}_date_time", "")), conv[k]) for k in keys]


def run_sample(backend: RulesBackend, sample: dict, user_names: list[str], window: int, timings: list[float]) -> dict:
    """Stream one conversation; returns {dia_id: [values]} for the turns the backend added for."""
    produced: dict[str, list[str]] = {}
    keys: Counter[str] = Counter()
    invalid = 0
    conv = sample["conversation"]

    def record(call, default_turn: Turn, buffer: list[Turn]) -> None:
        for item in call.arguments["memory_list"]:
            target = default_turn.turn_id
            if FROM_BUFFER_TAG in item["tags"]:
                ids = [t[len(TURN_TAG_PREFIX):] for t in item["tags"] if t.startswith(TURN_TAG_PREFIX)]
                if ids:
                    target = ids[0]
            produced.setdefault(target, []).append(split_dated(item["value"])[1])
            keys[item["key"]] += 1
        done = {t[len(TURN_TAG_PREFIX):] for it in call.arguments["memory_list"] for t in it["tags"] if t.startswith(TURN_TAG_PREFIX)}
        buffer[:] = [t for t in buffer if t.turn_id not in done]

    for name, when, turns in sessions(conv):
        stream = f"{sample['sample_id']}/{name}"
        today = when[:10] if when else None
        recent: list[Turn] = []
        buffer: list[Turn] = []
        for raw in turns:
            turn = Turn(stream=stream, role="other", text=raw.get("text", ""), author=raw["speaker"], time=when, turn_id=raw["dia_id"])
            req = DecisionRequest(new_turn=turn, recent=recent[-window:], buffered=list(buffer), user_names=user_names, today=today)
            t0 = time.perf_counter()
            call = backend.decide(req)
            timings.append(time.perf_counter() - t0)
            if validate_call(call, final=False):
                invalid += 1
                continue
            if call.name == ADD:
                record(call, turn, buffer)
            elif call.name == BUFFER:
                buffer.append(turn)
            recent.append(turn)
        # End of the stream: every buffered turn gets a final decision.
        while buffer:
            head = buffer.pop(0)
            req = DecisionRequest(new_turn=head, recent=recent[-window:], buffered=list(buffer), user_names=user_names, today=today, final=True)
            t0 = time.perf_counter()
            call = backend.decide(req)
            timings.append(time.perf_counter() - t0)
            if validate_call(call, final=True):
                invalid += 1
                continue
            if call.name == ADD:
                record(call, head, buffer)
    return {"produced": produced, "keys": keys, "invalid": invalid}


def evaluate(data: list[dict], mode: str, window: int) -> dict:
    backend = RulesBackend()
    timings: list[float] = []
    tp = fp = fn = 0
    matched_f1: list[float] = []
    all_gold_f1: list[float] = []
    keys: Counter[str] = Counter()
    invalid = 0
    n_turns = 0
    items = 0
    for sample in data:
        conv = sample["conversation"]
        user_names = [conv["speaker_a"]] if mode == "speaker_a_user" else []
        gold = gold_facts(sample)
        res = run_sample(backend, sample, user_names, window, timings)
        produced = res["produced"]
        keys.update(res["keys"])
        invalid += res["invalid"]
        turn_ids = {t["dia_id"] for _, _, turns in sessions(conv) for t in turns}
        n_turns += len(turn_ids)
        gold_ids = set(gold) & turn_ids
        selected = set(produced) & turn_ids
        items += sum(len(v) for v in produced.values())
        tp += len(selected & gold_ids)
        fp += len(selected - gold_ids)
        fn += len(gold_ids - selected)
        for dia in gold_ids:
            if dia in selected:
                f = token_f1(" ".join(produced[dia]), " ".join(gold[dia]))
                matched_f1.append(f)
                all_gold_f1.append(f)
            else:
                all_gold_f1.append(0.0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ms = [t * 1000 for t in timings]
    return {
        "mode": mode,
        "turns": n_turns,
        "gold_turns": tp + fn,
        "selected_turns": tp + fp,
        "items": items,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "token_f1_matched": round(statistics.fmean(matched_f1), 4) if matched_f1 else 0.0,
        "token_f1_all_gold": round(statistics.fmean(all_gold_f1), 4) if all_gold_f1 else 0.0,
        "invalid_calls": invalid,
        "ms_per_call_mean": round(statistics.fmean(ms), 4) if ms else 0.0,
        "ms_per_call_median": round(statistics.median(ms), 4) if ms else 0.0,
        "ms_per_call_p99": round(sorted(ms)[int(len(ms) * 0.99)] if ms else 0.0, 4),
        "calls": len(ms),
        "top_keys": dict(keys.most_common(25)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--window", type=int, default=6, help="recent turns passed with each new turn")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"rules_eval: data file not found: {args.data}", file=sys.stderr)
        return 2
    data = json.loads(args.data.read_text(encoding="utf-8"))
    results = [evaluate(data, mode, args.window) for mode in ("others", "speaker_a_user")]

    header = (
        f"{'mode':<16}{'turns':>7}{'gold':>7}{'sel':>7}{'P':>8}{'R':>8}{'F1':>8}{'tokF1 m':>9}{'tokF1 g':>9}"
        f"{'ms mean':>9}{'ms med':>8}{'ms p99':>8}"
    )
    print(f"rules backend on {args.data.name}: {len(data)} conversations, window {args.window}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['mode']:<16}{r['turns']:>7}{r['gold_turns']:>7}{r['selected_turns']:>7}"
            f"{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}"
            f"{r['token_f1_matched']:>9.3f}{r['token_f1_all_gold']:>9.3f}"
            f"{r['ms_per_call_mean']:>9.3f}{r['ms_per_call_median']:>8.3f}{r['ms_per_call_p99']:>8.3f}"
        )
    print("tokF1 m: over turns selected and gold; tokF1 g: over all gold turns (missed = 0)")
    print(f"ms: wall time of one decide() call, {results[0]['calls']} calls a mode (first mode includes warm-up)")
    print("keys:", ", ".join(f"{k} {v}" for k, v in list(results[0]["top_keys"].items())[:15]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"data": str(args.data.name), "window": args.window, "results": results}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
