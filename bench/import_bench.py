"""Import benchmark: generated ChatGPT exports with long messages, imported with rules extraction.

    python bench/import_bench.py [--sizes 2000,8000] [--phases parse,extract,again] [--keep DIR]
                                 [--profile PHASE] [--out FILE] [--before TREE]

For each size, generates a ChatGPT export (a zip in the 2026 sharded layout, newest first, with
regenerated answers, edited prompts, custom instructions, every content type ChatGPT writes;
answers of several kilobytes and now and then a long pasted log in a prompt: "long messages"),
then measures each phase in a fresh child process, which reports its own peak RSS (VmHWM):

    parse    the parser alone (stream the zip, build Conversations): the floor any import stands on
    extract  the import with rules extraction into an empty vault (memd's defaults, fsync on)
    again    the same export imported again (must write nothing)

With --before TREE (a source tree of memd, e.g. `git archive REV | tar -x -C DIR`), the extract
phase is also run with that code, right after this code's, on the same export and machine: the
"extract (before)" rows, and the speed-up and CPU ratio in the summary. (Run the whole bench with
PYTHONPATH set to such a tree's link folder to measure other code as "this" one: the children
inherit it; bench/import_same_bytes.py builds the folder.)

Prints a table and writes bench/results/import_bench.json (or --out), with the pipeline's own time
breakdown per step. `linear` compares the seconds per conversation of the largest size with the
smallest's. Targets (issue 14): >= 250 conversations/s with extraction, linear from 2k to 8k
(per-conversation time grows <= 25 %), peak RSS <= 200 MiB (the import and any worker process).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from chatgpt_gen import generate_export  # noqa: E402  (the generator; imported from here by others too)

PHASES = ("parse", "extract", "again")
TARGETS = {"rss_mib": 200.0, "conv_per_s": 250.0, "linear": 1.25}

# --- phases (each in a fresh child) ------------------------------------------------------------
def _vm_hwm_mib() -> float:
    """This process's peak resident set (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(phase: str, export: Path, vault: Path, state: Path, profile: bool) -> dict:
    prof = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    if phase == "parse":
        from memd.importers import registry

        convs = turns = 0
        for conv in registry.parse("chatgpt", export):
            convs += 1
            turns += len(conv.turns)
        out: dict = {"conversations": convs, "turns": turns}
    else:
        from memd.app import Memd
        from memd.config import config_from_dict
        from memd.importers.pipeline import ImportRequest, run_import

        vault.mkdir(parents=True, exist_ok=True)
        app = Memd(config_from_dict({"vault": str(vault), "state_dir": str(state)}))  # memd's defaults: fsync on
        report = run_import(app, ImportRequest(str(export), "chatgpt"))
        d = report.to_json()
        out = {k: d[k] for k in ("written", "unchanged", "failed", "facts_added", "review_items", "turns_extracted",
                                 "decisions", "timings")}
        out["conversations"] = d["survey"]["conversations"]
        out["turns"] = d["survey"]["turns"]
        app.close()
    if prof:
        prof.disable()
        if os.environ.get("MEMD_BENCH_PSTATS"):  # the raw profile, for pstats or snakeviz
            prof.dump_stats(os.environ["MEMD_BENCH_PSTATS"])
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(50)
        out["profile"] = buf.getvalue()
    out["memd"] = __import__("memd").__file__
    out["seconds"] = time.perf_counter() - t0
    out["cpu_seconds"] = time.process_time() - c0
    out["rss_mib"] = _vm_hwm_mib()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, ended by now
    out["worker_cpu_seconds"] = workers.ru_utime + workers.ru_stime
    out["worker_rss_mib"] = workers.ru_maxrss / 1024
    return out


def run_child(phase: str, export: Path, vault: Path, state: Path, profile: bool, code: Path | None = None) -> dict:
    """Run `phase` in a fresh child; `code`: a folder whose `memd` package the child imports
    (import_same_bytes.link_tree) instead of the installed one."""
    cmd = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", phase, str(export), str(vault), str(state)]
    if profile:
        cmd.append("--profile-child")
    env = dict(os.environ, PYTHONPATH=str(code)) if code is not None else None
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if code is not None and not out.get("memd", "").startswith(str(code)):
        raise SystemExit(f"phase {phase} did not import memd from {code}")
    return out


def export_for(work: Path, size: int, console) -> tuple[Path, dict]:
    export = work / f"chatgpt-export-{size}-long.zip"
    meta = work / (export.name + ".json")
    if export.exists() and meta.exists():
        return export, json.loads(meta.read_text())
    t0 = time.perf_counter()
    info = generate_export(export, size)
    meta.write_text(json.dumps(info))
    console.print(f"generated {export.name}: {info['conversations']} conversations, {info['messages']} messages,"
                  f" {info['bytes'] / 1e6:.1f} MB zipped ({time.perf_counter() - t0:.1f}s)")
    return export, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,8000", help="Conversations per export, comma-separated.")
    ap.add_argument("--phases", default="parse,extract,again")
    ap.add_argument("--profile", choices=PHASES, help="Print a cProfile of this phase (largest size).")
    ap.add_argument("--keep", type=Path, help="Work in this folder and keep it (exports are reused).")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "import_bench.json")
    ap.add_argument("--label", default="", help="A note stored with the results (what code was measured).")
    ap.add_argument("--before", type=Path, help="A source tree of memd (e.g. `git archive REV | tar -x -C DIR`):"
                                                " its import is run right after this one's, for each size.")
    ap.add_argument("--child", nargs=4, metavar=("PHASE", "EXPORT", "VAULT", "STATE"), help=argparse.SUPPRESS)
    ap.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        phase, export, vault, state = args.child
        print(json.dumps(child(phase, Path(export), Path(vault), Path(state), args.profile_child)))
        return

    from rich.console import Console
    from rich.table import Table

    console = Console(width=150)  # many columns; a pipe would cut the table at 80
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    phases = [p for p in args.phases.split(",") if p]
    work = args.keep or Path(tempfile.mkdtemp(prefix="memd-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    before_code = None
    if args.before is not None:
        sys.path.insert(0, str(HERE))
        from import_same_bytes import link_tree

        shutil.rmtree(work / "before-code", ignore_errors=True)
        before_code = link_tree(args.before.resolve(), work / "before-code")
    try:
        for size in sizes:
            export, info = export_for(work, size, console)
            todo = [(phase, None) for phase in phases]
            if before_code is not None:
                todo.insert(todo.index(("extract", None)) + 1 if ("extract", None) in todo else len(todo),
                            ("extract", before_code))
            for phase, code in todo:
                name = phase if code is None else f"{phase} (before)"
                vault, state = work / f"vault-{size}", work / f"state-{size}"
                if code is not None:
                    vault, state = work / f"vault-{size}-before", work / f"state-{size}-before"
                if phase == "extract":
                    shutil.rmtree(vault, ignore_errors=True)
                    shutil.rmtree(state, ignore_errors=True)
                elif phase == "again" and not state.exists():
                    raise SystemExit("phase `again` needs phase `extract` first")
                console.print(f"[dim]{size}: running {name}…[/dim]")
                r = run_child(phase, export, vault, state, args.profile == phase and size == sizes[-1] and code is None,
                              code)
                r.update(size=size, phase=name, messages=info["messages"], zip_bytes=info["bytes"],
                         conv_per_s=r["conversations"] / r["seconds"])
                if "profile" in r:
                    console.print(r.pop("profile"))
                runs.append(r)
                if code is not None:
                    shutil.rmtree(vault, ignore_errors=True)
                    shutil.rmtree(state, ignore_errors=True)
            if args.keep is None:
                shutil.rmtree(work / f"vault-{size}", ignore_errors=True)
                shutil.rmtree(work / f"state-{size}", ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    table = Table(title="memd import (ChatGPT, long messages, rules extraction); parse = the parser alone, the floor")
    for col in ("size", "phase", "conv/s", "seconds", "ms/conv", "cpu s", "worker cpu s", "peak RSS MiB",
                "worker RSS MiB", "written", "facts", "apply s"):
        table.add_column(col, justify="left" if col == "phase" else "right")
    for r in runs:
        worker = r.get("worker_cpu_seconds", 0.0) > 0
        table.add_row(str(r["size"]), r["phase"], f"{r['conv_per_s']:.0f}", f"{r['seconds']:.1f}",
                      f"{1000 * r['seconds'] / max(1, r['conversations']):.2f}", f"{r['cpu_seconds']:.1f}",
                      f"{r['worker_cpu_seconds']:.1f}" if worker else "—", f"{r['rss_mib']:.0f}",
                      f"{r['worker_rss_mib']:.0f}" if worker else "—", str(r.get("written", "—")),
                      str(r.get("facts_added", "—")), f"{r.get('timings', {}).get('extract: apply', 0.0):.1f}")
    console.print(table)
    for r in runs:
        if r.get("timings"):
            console.print(f"[bold]{r['size']} {r['phase']}[/bold] time by step (s): "
                          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(r["timings"].items(), key=lambda kv: -kv[1])))
    extract = {r["size"]: r for r in runs if r["phase"] == "extract"}
    met: dict[str, bool] = {}
    summary: dict[str, float] = {}
    mine = [r for r in runs if not r["phase"].endswith("(before)")]
    rss = max(max(r["rss_mib"], r.get("worker_rss_mib", 0.0)) for r in mine)
    summary["peak_rss_mib"] = rss
    met["rss"] = rss <= TARGETS["rss_mib"]
    if extract:
        slowest = min(r["conv_per_s"] for r in extract.values())
        summary["min_conv_per_s"] = slowest
        met["conv_per_s"] = slowest >= TARGETS["conv_per_s"]
        if len(extract) > 1:
            small, large = extract[min(extract)], extract[max(extract)]
            growth = (large["seconds"] / large["conversations"]) / (small["seconds"] / small["conversations"])
            apply_small = small["timings"].get("extract: apply", 0.0) / small["conversations"]
            apply_large = large["timings"].get("extract: apply", 0.0) / large["conversations"]
            summary["per_conv_growth"] = growth
            summary["apply_per_conv_growth"] = apply_large / apply_small if apply_small else 0.0
            met["linear"] = growth <= TARGETS["linear"]
    before = {r["size"]: r for r in runs if r["phase"] == "extract (before)"}
    for size, b in sorted(before.items()):
        if size in extract:
            a = extract[size]
            summary[f"speedup_vs_before_{size}"] = b["seconds"] / a["seconds"]
            summary[f"cpu_ratio_vs_before_{size}"] = ((a["cpu_seconds"] + a["worker_cpu_seconds"])
                                                      / (b["cpu_seconds"] + b["worker_cpu_seconds"]))
    console.print("summary: " + ", ".join(f"{k} {v:.2f}" for k, v in summary.items()))
    console.print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    out = {"label": args.label, "before": str(args.before) if args.before else None, "sizes": sizes, "runs": runs,
           "summary": summary, "targets": TARGETS, "targets_met": met,
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
