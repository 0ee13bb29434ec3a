"""Runs many `memd` command lines in one process and measures each: exit code, stderr, wall time
and peak RSS (VmHWM, reset between runs through /proc/self/clear_refs).

Used by test_hostile_corpus.py: starting Python and importing memd for each of 60 cases would
take most of a minute on a small machine. Each case still runs the real CLI entry point
(memd.cli.main) on real files, in a process of its own that the test does not share.

    python -P hostile_runner.py cases.json results.json
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import sqlite3
import sys
import time
from pathlib import Path


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak RSS to the current RSS
        return True
    except OSError:
        return False


def _digest(root: Path) -> str:
    """Every file's path and content under `root`, as one hash (the test compares it)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _rows(db_path: str, tables: list[str]) -> dict[str, int]:
    rows = {}
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        for table in tables:
            try:
                rows[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.OperationalError:
                rows[table] = 0  # no such table yet: nothing was written to it
    return rows


def main() -> int:
    cases = json.loads(Path(sys.argv[1]).read_text())
    from memd.cli import main as memd_main

    results = {}
    for case in cases:
        gc.collect()
        measured = _reset_peak()
        before = _status_kb("VmRSS")
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = memd_main(case["argv"])
            except SystemExit as exc:  # click may still exit on its own
                code = exc.code if isinstance(exc.code, int) else 1
        seconds = time.perf_counter() - start
        results[case["id"]] = {
            "code": code, "stderr": err.getvalue(), "stdout": out.getvalue()[-2000:], "seconds": seconds,
            "rss_before_kb": before, "peak_kb": _status_kb("VmHWM") if measured else None,
            "vault_digest": _digest(Path(case["vault"])), "state_rows": _rows(case["state_db"], case["tables"]),
        }
    Path(sys.argv[2]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
