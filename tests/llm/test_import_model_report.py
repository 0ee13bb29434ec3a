"""What a model-backed import tells the person running it: failed turns listed in the report,
tokens and requests in the report, decisions/s in the progress events, a dry run's estimate,
and `memd import --resume` finishing an import that did not end. Real imports against the
MemReader stub server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent / "bench"))
from memreader_stub import MemReaderStub  # noqa: E402
from model_bench import generate_export  # noqa: E402
from test_concurrent_import import make_app  # noqa: E402

from memd.importers.pipeline import ImportRequest, run_import  # noqa: E402


def _export(tmp_path: Path, n: int = 20) -> Path:
    export = tmp_path / "conversations.json"
    generate_export(export, n, seed=5)
    return export


def test_report_lists_failed_turns_and_counts_tokens_and_progress_has_rates(tmp_path):
    export = _export(tmp_path)
    stub = MemReaderStub(faults=[(lambda text: "I live in" in text or "I joined" in text, "malformed")])
    app = make_app(tmp_path / "a", stub.url, 4)
    events = []
    try:
        report = run_import(app, ImportRequest(str(export), "chatgpt"), progress=events.append)
    finally:
        app.close()
        stub.close()
    data = report.to_json()
    assert data["failed_turns"] == len(data["failed_turn_list"]) > 0
    assert all("#" in f["where"] and "no usable answer" in f["message"] for f in data["failed_turn_list"])
    assert data["model"]["requests"] > 0 and data["model"]["prompt_tokens"] > 0
    assert data["model"]["concurrency"] == 4
    writing = [e for e in events if e.phase == "writing" and e.model is not None]
    assert writing and all("decisions_per_s" in e.model for e in writing)
    json.dumps(data)  # the whole report stays JSON


def test_dry_run_with_a_model_backend_estimates_and_writes_nothing(tmp_path):
    export = _export(tmp_path)
    stub = MemReaderStub(latency_s=0.01)
    app = make_app(tmp_path / "b", stub.url, 8)
    vault = tmp_path / "b" / "vault"
    try:
        report = run_import(app, ImportRequest(str(export), "chatgpt", dry_run=True))
    finally:
        app.close()
        stub.close()
    est = report.to_json()["model_estimate"]
    assert est["turns_to_decide"] > 0 and est["sample"] > 0 and est["requests"] > 0
    assert set(est["seconds"]) >= {"1"} and est["latency_s"] > 0
    assert not any(p.is_file() for p in vault.rglob("*"))  # nothing written


def test_dry_run_says_when_the_server_cannot_be_reached(tmp_path):
    export = _export(tmp_path, 3)
    app = make_app(tmp_path / "c", "http://127.0.0.1:9", 1)  # nothing listens on port 9
    try:
        report = run_import(app, ImportRequest(str(export), "chatgpt", dry_run=True))
    finally:
        app.close()
    est = report.to_json()["model_estimate"]
    assert est["turns_to_decide"] > 0  # the exact counts stand without the server
    assert "cannot connect" in est["error"] and "sample" not in est
    assert not report.failed  # a dry run is not failed by a server that is down


def test_import_resume_reruns_the_last_unfinished_import(tmp_path):
    from memd.importers.ledger import Ledger

    export = _export(tmp_path, 6)
    stub = MemReaderStub(latency_s=0.0)
    root = tmp_path / "d"
    app = make_app(root, stub.url, 2)
    try:
        # An import that was killed: its run row says running, for a process that is gone.
        ledger = Ledger(app.state)
        run_id = ledger.start_run(fmt="chatgpt", path=str(export), options=ImportRequest(str(export)).options(),
                                  dry_run=False)
        with app.state.tx() as c:
            c.execute("UPDATE import_runs SET pid = ? WHERE id = ?", (2 ** 22 + 12345, run_id))
    finally:
        app.close()
    cfg = root / "config.toml"
    cfg.write_text(f"""vault = "{root / 'vault'}"
state_dir = "{root / 'state'}"
[writer]
settle_seconds = 0
fsync = false
[extract]
backend = "openai"
[llm]
base_url = "{stub.url}"
model = "MemReader-4B-thinking"
concurrency = 2
server_kind = "vllm"
""", encoding="utf-8")
    memd = [sys.executable, "-m", "memd", "--config", str(cfg), "import", "--resume"]
    try:
        done = subprocess.run([*memd, "--json"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["path"] == str(export) and data["new"] == 6 and data["model"]["requests"] > 0
        # Finished now: a second --resume has nothing to do, and says so.
        again = subprocess.run(memd, capture_output=True, text=True, timeout=60)
        assert again.returncode != 0 and "nothing to resume" in again.stderr
    finally:
        stub.close()
