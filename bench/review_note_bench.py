"""The review note: how long from a tick in memory/Review.md to the fact changed on disk.

    python bench/review_note_bench.py [--items 200] [--ticks 5] [--settle 3.0] [--out FILE]

Queues `--items` review items (memd lines changed by hand, then a new value for each), starts
`memd run` as a real process, and ticks one task at a time in the note the way an editor saves
(temp file + rename): the time until the entity file holds the accepted value, and until the
task sits under Done. `--settle` is [writer] settle_seconds (memd waits that long after a save
before it reads the note: the person may still be typing); the default is memd's own.

Beside it, in the same run and on the same daemon, the baseline a terminal user has:
`memd review accept ID` as a process, timed the same way (start to the fact on disk). And the
cost of one sync in process (read the note, render, compare-and-swap write) with every item
pending, beside `review.list` on the same queue.

Prints a table and writes bench/results/review_note_bench.json. Issue 13 sets no number beyond
"within seconds".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
MEMD = [sys.executable, "-P", "-m", "memd"]


def _queue(vault: Path, cfg_path: Path, items: int) -> list[tuple[int, str, str]]:
    """(review id, entity file, proposed value) for `items` people whose employer line was
    changed by hand after memd wrote it."""
    from memd import api
    from memd.app import Memd
    from memd.config import load_config
    from memd.state import Source

    out = []
    with Memd(load_config(cfg_path)) as app:
        for i in range(items):
            app.set_fact(f"Person {i}", "employer", f"Old Co {i}", Source("bench"))
        for path in (vault / "memory/entities").glob("person_*.md"):
            path.write_text(path.read_text().replace("Old Co", "Hand Co"))
        app.index.scan()
        for i in range(items):
            r = api.call(app, "fact.set", {"entity": f"Person {i}", "key": "employer", "value": f"New Co {i}"})
            res = r["results"][-1]
            out.append((res["review_id"], res["path"], f"New Co {i}"))
    return out


def _wait(predicate, timeout: float = 60.0) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if predicate():
            return time.perf_counter() - t0
        time.sleep(0.005)
    return None


def _tick(note: Path, item_id: int) -> None:
    text = note.read_text()
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{item_id}"))
    tmp = note.parent / f".{note.name}.bench-tmp"
    tmp.write_text(text.replace(line, line.replace("- [ ]", "- [x]", 1)))
    os.replace(tmp, note)


def _in_done(note: Path, item_id: int) -> bool:
    parts = note.read_text().split("## Done")
    return len(parts) == 2 and f"^memd-{item_id}" in parts[1]


def _holds(vault: Path, path: str, value: str) -> bool:
    try:
        return f"- employer: {value}" in (vault / path).read_text()
    except FileNotFoundError:
        return False


def _sync_cost(cfg_path: Path, repeats: int = 5) -> tuple[float, float, int]:
    """(median ms of a full sync that rewrites the note, median ms of review.list, pending items)."""
    from memd import api
    from memd.app import Memd
    from memd.config import load_config
    from memd.review_note import sync

    syncs, lists = [], []
    with Memd(load_config(cfg_path)) as app:
        note = app.config.vault / app.review_note_path
        pending = len(app.state.review_items("pending", limit=10**6))
        for _ in range(repeats):
            # A task deleted by hand: the sync reads, renders and writes the whole note again.
            lines = note.read_text().split("\n")
            note.write_text("\n".join(l for l in lines if "^memd-" not in l or l != next(
                x for x in lines if "^memd-" in x)))
            os.utime(note, (time.time() - 60, time.time() - 60))  # settled
            t0 = time.perf_counter()
            report = sync(app, wait=False)
            syncs.append((time.perf_counter() - t0) * 1000)
            assert report.written, report
            t0 = time.perf_counter()
            api.METHODS["review.list"](app)
            lists.append((time.perf_counter() - t0) * 1000)
    return statistics.median(syncs), statistics.median(lists), pending


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--ticks", type=int, default=5)
    ap.add_argument("--settle", type=float, default=None, help="[writer] settle_seconds (default: memd's)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "review_note_bench.json")
    args = ap.parse_args()
    from memd.config import WriterSection

    settle = WriterSection().settle_seconds if args.settle is None else args.settle
    work = Path(tempfile.mkdtemp(prefix="memd-review-bench-"))
    vault = work / "vault"
    vault.mkdir()
    cfg_path = work / "config.toml"
    cfg_path.write_text(f'vault = "{vault}"\nstate_dir = "{work / "state"}"\n'
                        f'[writer]\nsettle_seconds = {settle}\n[daemon]\nsocket_path = "{work / "s.sock"}"\n'
                        f'debounce_ms = 50\n')
    env = dict(os.environ, MEMD_CONFIG=str(cfg_path))
    t0 = time.perf_counter()
    queued = _queue(vault, cfg_path, args.items)
    queue_s = time.perf_counter() - t0
    sync_ms, list_ms, pending = _sync_cost(cfg_path)
    note = vault / "memory/Review.md"

    log = open(work / "daemon.log", "wb")
    daemon = subprocess.Popen(MEMD + ["run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    tick_applied, tick_done, cli_applied = [], [], []
    try:
        assert _wait(lambda: (work / "s.sock").exists(), 60) is not None, "the daemon did not start"
        time.sleep(max(settle, 0.5) + 0.5)  # the daemon's own start-up sync has settled
        for item_id, path, value in queued[:args.ticks]:
            _tick(note, item_id)
            t0 = time.perf_counter()
            applied = _wait(lambda: _holds(vault, path, value))
            done = _wait(lambda: _in_done(note, item_id))
            tick_applied.append(applied if applied is not None else float("nan"))
            tick_done.append((time.perf_counter() - t0) if done is not None else float("nan"))
        for item_id, path, value in queued[args.ticks:2 * args.ticks]:
            t0 = time.perf_counter()
            r = subprocess.run(MEMD + ["review", "accept", str(item_id)], env=env, capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            _wait(lambda: _holds(vault, path, value))
            cli_applied.append(time.perf_counter() - t0)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
        log.close()

    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 3) if xs else float("nan")

    result = {
        "items_queued": args.items, "pending_at_sync": pending, "settle_seconds": settle, "ticks": args.ticks,
        "queue_s": round(queue_s, 2),
        "tick_to_fact_s_median": med(tick_applied), "tick_to_fact_s_max": round(max(tick_applied), 3),
        "tick_to_done_s_median": med(tick_done),
        "baseline_cli_accept_s_median": med(cli_applied),
        "sync_ms_median": round(sync_ms, 2), "baseline_review_list_ms_median": round(list_ms, 2),
    }
    table = Table(title=f"review note: {args.items} items queued, settle {settle}s, {args.ticks} ticks")
    for col in ("measure", "memd review note", "baseline"):
        table.add_column(col)
    table.add_row("tick saved → fact on disk (median)", f"{result['tick_to_fact_s_median']} s",
                  f"{result['baseline_cli_accept_s_median']} s (memd review accept, via the daemon)")
    table.add_row("tick saved → fact on disk (max)", f"{result['tick_to_fact_s_max']} s", "")
    table.add_row("tick saved → task under Done (median)", f"{result['tick_to_done_s_median']} s", "")
    table.add_row(f"one sync, {pending} pending (median)", f"{result['sync_ms_median']} ms",
                  f"{result['baseline_review_list_ms_median']} ms (review.list in process)")
    Console(width=140).print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
