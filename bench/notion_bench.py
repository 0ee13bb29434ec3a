"""Notion export import: pages per second and peak memory, against a plain baseline.

    .venv/bin/python bench/notion_bench.py                 # 5,000 pages + a 1,000-row database
    .venv/bin/python bench/notion_bench.py --pages 1000 --rows 200 --sizes 1000,5000
    .venv/bin/python bench/notion_bench.py --pages 1000 --rows 200 --sizes 1000 --extract \
        --out bench/results/notion_bench_extract.json

A generated HTML export (bench/notion_gen.py: a page tree, every page with links, a database of
`--rows` rows with typed properties) is zipped as Notion does, then imported into a fresh vault
by `memd import notion` (import_export: unpack, convert with bs4, write through the writer and
the ledger, index), each run in its own process so its peak RSS is its own. The baseline, in the
same run: unzip the same zip, `BeautifulSoup(...).get_text()` per page, write one .md per page.
A second memd run over the same export measures the re-run (everything unchanged). Peak RSS at
several export sizes shows whether memory grows with the export (target: flat, <= 300 MB).
Extraction is off by default (--extract turns it on): its cost is the extraction bench's.

Targets (issue 10): >= 300 pages/s, RSS <= 300 MB, flat in the export's size. Each run's CPU
seconds are reported beside the wall clock: on a shared machine the latter includes waiting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import notion_gen  # noqa: E402

RESULTS = HERE / "results" / "notion_bench.json"


def _child(mode: str, zip_path: str, work: str, extract: bool) -> None:
    """One measured run, in its own process; prints a JSON line."""
    t0 = time.perf_counter()
    if mode == "baseline":
        import zipfile

        from bs4 import BeautifulSoup

        out = Path(work) / "baseline"
        out.mkdir(parents=True, exist_ok=True)
        n = 0
        unzipped = Path(work) / "unzipped"
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(unzipped)
        for part in list(unzipped.glob("*.zip")):  # the Part-N shards
            with zipfile.ZipFile(part) as zf:
                zf.extractall(unzipped)
        for p in (Path(work) / "unzipped").rglob("*.html"):
            text = BeautifulSoup(p.read_text("utf-8"), "html.parser").get_text("\n")
            (out / f"{n}.md").write_text(text, "utf-8")
            n += 1
        result = {"pages": n}
    else:
        from memd.app import Memd
        from memd.config import config_from_dict
        from memd.importers.notion.run import import_export

        vault = Path(work) / "vault"
        vault.mkdir(parents=True, exist_ok=True)
        cfg = config_from_dict({"vault": str(vault), "state_dir": str(Path(work) / "state"),
                                "writer": {"settle_seconds": 0, "fsync": False}}, Path(work) / "config.toml")
        app = Memd(cfg)
        try:
            report = import_export(app, zip_path, extract=extract)
        finally:
            app.close()
        c = report.counts
        result = {"pages": sum(c.values()), "written": c["written"], "unchanged": c["unchanged"],
                  "failed": c["failed"], "facts": report.facts_added}
    result["seconds"] = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(mode: str, zip_path: Path, work: Path, extract: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(zip_path), str(work)]
                         + (["--extract"] if extract else []), capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(f"{mode} run failed: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["pages_per_s"] = data["pages"] / data["seconds"] if data["seconds"] else 0.0
    # CPU time too: on a shared machine the wall clock measures the neighbours as well.
    data["pages_per_cpu_s"] = data["pages"] / data["cpu_s"] if data.get("cpu_s") else 0.0
    return data


def bench_size(pages: int, rows: int, extract: bool, tmp: Path) -> dict:
    export = tmp / f"export-{pages}"
    t0 = time.perf_counter()
    notion_gen.html_export(export, pages=pages, rows=rows, fanout=20, rich=False)
    zip_path = notion_gen.zip_folder(export, tmp / f"export-{pages}.zip", parts=2)
    gen_s = time.perf_counter() - t0
    work = tmp / f"work-{pages}"
    memd_first = measure("memd", zip_path, work, extract)
    memd_again = measure("memd", zip_path, work, extract)
    baseline = measure("baseline", zip_path, tmp / f"base-{pages}", extract)
    return {"pages": pages, "rows": rows, "zip_mb": zip_path.stat().st_size / 1e6, "generate_s": gen_s,
            "memd": memd_first, "memd_rerun": memd_again, "baseline": baseline}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--sizes", help="comma-separated page counts for the memory-flatness check (default: "
                                    "a fifth of --pages, and --pages)")
    ap.add_argument("--extract", action="store_true", help="also run extraction on first-person text")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes (default %(default)s)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "ZIP", "WORK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.child[2], args.extract)
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else sorted({max(args.pages // 5, 100), args.pages})
    results = []
    with tempfile.TemporaryDirectory(prefix="memd-notion-bench-") as tmp:
        for size in sizes:
            rows = args.rows * size // args.pages
            results.append(bench_size(size, rows, args.extract, Path(tmp)))
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Notion export import (HTML, Part zips)")
    for col in ("pages", "rows", "run", "seconds", "pages/s", "CPU s", "pages/CPU s", "peak RSS MB", "written",
                "unchanged", "failed"):
        table.add_column(col, justify="right" if col != "run" else "left")
    for r in results:
        for name in ("memd", "memd_rerun", "baseline"):
            d = r[name]
            table.add_row(str(r["pages"]), str(r["rows"]), name.replace("_", " "), f"{d['seconds']:.1f}",
                          f"{d['pages_per_s']:.0f}", f"{d['cpu_s']:.1f}", f"{d['pages_per_cpu_s']:.0f}",
                          f"{d['rss_mb']:.0f}", str(d.get("written", "")),
                          str(d.get("unchanged", "")), str(d.get("failed", "")))
    Console(width=140).print(table)
    biggest = results[-1]
    summary = {
        "pages_per_s": round(biggest["memd"]["pages_per_s"], 1),
        "pages_per_cpu_s": round(biggest["memd"]["pages_per_cpu_s"], 1),
        "baseline_pages_per_cpu_s": round(biggest["baseline"]["pages_per_cpu_s"], 1),
        "rerun_pages_per_s": round(biggest["memd_rerun"]["pages_per_s"], 1),
        "baseline_pages_per_s": round(biggest["baseline"]["pages_per_s"], 1),
        "peak_rss_mb": round(max(r["memd"]["rss_mb"] for r in results), 1),
        "rss_by_size_mb": {r["pages"]: round(r["memd"]["rss_mb"], 1) for r in results},
        "targets": {"pages_per_s": 300, "rss_mb": 300},
    }
    print(json.dumps(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "runs": results, "extract": args.extract,
                                   "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                               "platform": platform.platform()},
                                   "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=2) + "\n")


if __name__ == "__main__":
    main()
