"""`memd run` as a real process: a real watcher on a real vault, the real socket, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from memd.config import load_config
from memd.daemon.client import connect_for_config
from memd.daemon.paths import paths_for_config

MEMD = [sys.executable, "-m", "memd"]


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Running:
    """A `memd run` subprocess. Its output goes to a file, never to an unread pipe (a daemon that
    logs more than a pipe holds would block on its next log line)."""

    def __init__(self, cfg_path: Path, env: dict):
        self.cfg_path, self.env = cfg_path, env
        self.config = load_config(cfg_path)
        self.proc: subprocess.Popen | None = None
        self.log_path = cfg_path.parent / f"daemon-{time.monotonic_ns()}.log"

    def start(self):
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(MEMD + ["run"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.client, what="the daemon's socket")
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"daemon exited: {self.output()}")
        try:
            return connect_for_config(self.config)
        except Exception:
            return None

    def call(self, method, **params):
        with self.client() as c:
            return c.call(method, **params)

    def diagnose(self) -> str:
        """What to print when a wait times out: the daemon's own view and its log's tail."""
        try:
            status = self.call("status")
            view = json.dumps({"index": status["index"], "daemon": status["daemon"]}, indent=1)
        except Exception as exc:
            view = f"status failed: {exc!r}"
        return f"{view}\n--- daemon log (tail) ---\n{self.output()[-4000:]}"

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)
        return self.proc.returncode

    def searchable(self, word):
        return lambda: [r["path"] for r in self.call("search", query=word)["results"]]


@pytest.fixture
def setup(tmp_path, vault):
    cfg = tmp_path / "config.toml"
    env = dict(os.environ, MEMD_CONFIG=str(cfg), COLUMNS="200")
    (vault / "Notes").mkdir()
    (vault / "Notes/Existing.md").write_text("# Existing\nalpha words\n")
    r = subprocess.run(MEMD + ["init", str(vault)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\n\n[daemon]\ndebounce_ms = 50\n")
    return cfg, env, vault


@pytest.fixture
def daemon(setup):
    cfg, env, vault = setup
    d = Running(cfg, env).start()
    yield d, vault, env
    d.stop()


def test_edits_of_every_kind_become_searchable(daemon):
    d, vault, _ = daemon
    (vault / "Notes/New.md").write_text("# New\nfreshword here\n")
    assert wait_for(d.searchable("freshword"), what="create") == ["Notes/New.md"]
    with open(vault / "Notes/New.md", "a") as fh:  # edit in place
        fh.write("appendedword\n")
    wait_for(d.searchable("appendedword"), what="in-place edit")
    tmp = vault / "Notes/.New.md.tmp-editor"  # atomic save, as Obsidian and most editors do
    tmp.write_text("# New\nreplacedword only\n")
    os.replace(tmp, vault / "Notes/New.md")
    wait_for(lambda: d.searchable("replacedword")() and not d.searchable("appendedword")(), what="atomic save")
    (vault / "Archive").mkdir()
    os.rename(vault / "Notes/New.md", vault / "Archive/Moved.md")  # move
    assert wait_for(lambda: d.searchable("replacedword")() == ["Archive/Moved.md"], what="move")
    (vault / "Archive/Moved.md").unlink()  # delete
    wait_for(lambda: d.searchable("replacedword")() == [], what="delete")
    os.rename(vault / "Notes", vault / "Renamed")  # a whole folder moves
    assert wait_for(lambda: d.searchable("alpha")() == ["Renamed/Existing.md"], what="folder move")


def test_reading_a_note_triggers_nothing(daemon):
    d, vault, _ = daemon
    before = d.call("status")["daemon"]["index_batches"]
    for _ in range(20):
        (vault / "Notes/Existing.md").read_text()
    time.sleep(0.5)
    assert d.call("status")["daemon"]["index_batches"] == before


def test_a_burst_of_5000_changes_is_all_indexed(daemon):
    d, vault, _ = daemon
    burst = vault / "Burst"
    burst.mkdir()
    for i in range(5000):
        (burst / f"n{i}.md").write_text(f"burstword number{i}\n")
    try:
        wait_for(lambda: d.call("status")["index"]["by_kind"].get("note", 0) >= 5001, timeout=120, interval=0.5,
                 what="5,000 notes indexed")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{d.diagnose()}") from None
    assert d.searchable("number4999")() == ["Burst/n4999.md"]


def test_edits_while_down_are_picked_up_at_start(setup):
    cfg, env, vault = setup
    d = Running(cfg, env).start()
    d.stop()
    (vault / "Notes/Offline.md").write_text("offlineword\n")
    (vault / "Notes/Existing.md").unlink()
    d = Running(cfg, env).start()
    try:
        assert d.searchable("offlineword")() == ["Notes/Offline.md"]
        assert d.searchable("alpha")() == []
    finally:
        d.stop()


def test_cli_talks_to_the_daemon_with_the_same_output(setup):
    cfg, env, vault = setup
    local = subprocess.run(MEMD + ["search", "alpha", "--json"], env=env, capture_output=True, text=True)
    d = Running(cfg, env).start()
    try:
        remote = subprocess.run(MEMD + ["search", "alpha", "--json"], env=env, capture_output=True, text=True)
        assert json.loads(remote.stdout) == json.loads(local.stdout)
        r = subprocess.run(MEMD + ["fact", "set", "user", "city", "Oslo"], env=env, capture_output=True, text=True)
        assert r.returncode == 0 and "applied" in r.stdout
        status = json.loads(subprocess.run(MEMD + ["status", "--json"], env=env, capture_output=True, text=True).stdout)
        assert status["daemon"]["pid"] == d.proc.pid
        r = subprocess.run(MEMD + ["entity", "show", "Nobody"], env=env, capture_output=True, text=True)
        assert r.returncode == 1 and r.stderr.strip() == "memd: error: no entity called 'Nobody' (`memd search` finds notes by any word)"
    finally:
        d.stop()


def test_mistyped_params_are_refused_over_the_socket_as_in_process(daemon):
    from memd.errors import ParamsError

    d, _, _ = daemon
    for params, word in (({"query": "x", "limit": "ten"}, "search: limit must be int"),
                         ({"query": "x", "nope": 1}, "nope")):
        with pytest.raises(ParamsError, match=word):  # the error class the API raises in process
            d.call("search", **params)


def test_second_instance_is_refused_clearly(daemon):
    d, vault, env = daemon
    r = subprocess.run(MEMD + ["run"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert f"already running for this vault (pid {d.proc.pid})" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_stale_socket_from_a_crash_is_cleaned_up(setup):
    cfg, env, vault = setup
    sock_path = paths_for_config(load_config(cfg)).socket
    sock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))  # bound and abandoned: what a kill -9 leaves behind
    s.close()
    d = Running(cfg, env).start()
    try:
        assert d.call("status")["daemon"]["pid"] == d.proc.pid
    finally:
        d.stop()


def test_sigterm_during_writes_exits_quickly_and_leaves_files_whole(daemon):
    d, vault, _ = daemon
    stop = threading.Event()
    errors: list[Exception] = []

    def writer():
        n = 0
        while not stop.is_set():
            try:
                d.call("fact.set", entity="user", key=f"k{n % 50}", value=f"value {n}", multi=True)
            except Exception as exc:  # the daemon going away mid-call is expected
                errors.append(exc)
                return
            n += 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    d.proc.wait(10)
    elapsed = time.monotonic() - t0
    stop.set()
    for t in threads:
        t.join(10)
    assert d.proc.returncode == 0
    assert elapsed < 2.0, f"took {elapsed:.2f}s to stop"
    text = (vault / "memory/user.md").read_text()
    assert text.startswith("# User Information\n") and "- k0: value 0" in text
    assert not [p for p in vault.rglob("*.tmp")]


def test_import_runs_in_the_background_over_the_socket(daemon, tmp_path):
    d, vault, env = daemon
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([_chatgpt_conversation("c1", "Hello", "I live in Lisbon and I love fado.")]))
    started = d.call("import.start", path=str(export), format="chatgpt")
    assert started["started"] is True
    run = wait_for(lambda: (r := d.call("import.status")["run"]) and r["status"] != "running" and r,
                   what="the import to finish")
    assert run["status"] == "done"
    wait_for(lambda: "living_location" in (vault / "memory/user.md").read_text(), what="the fact")


def _chatgpt_conversation(cid, title, text):
    node = lambda nid, parent, children, role, body, t: {
        "id": nid, "parent": parent, "children": children,
        "message": None if role is None else {
            "id": nid, "author": {"role": role}, "create_time": t, "content": {"content_type": "text", "parts": [body]},
            "status": "finished_successfully", "weight": 1.0, "metadata": {}, "recipient": "all"}}
    return {"id": cid, "conversation_id": cid, "title": title, "create_time": 1700000000.0, "update_time": 1700000100.0,
            "current_node": "a1", "mapping": {
                "root": node("root", None, ["u1"], None, "", None),
                "u1": node("u1", "root", ["a1"], "user", text, 1700000000.0),
                "a1": node("a1", "u1", [], "assistant", "Lovely!", 1700000050.0)}}


def test_sigterm_during_an_import_stops_quickly_and_the_import_resumes(setup, tmp_path):
    cfg, env, vault = setup
    export = tmp_path / "big.json"
    export.write_text(json.dumps([_chatgpt_conversation(f"c{i}", f"Chat {i}", f"I like topic number {i}.")
                                  for i in range(400)]))
    d = Running(cfg, env).start()
    d.call("import.start", path=str(export), format="chatgpt")
    # "done" counts conversations read while the phase is "reading": wait until notes are being written.
    wait_for(lambda: (r := d.call("import.status")["run"]) and r.get("phase") == "writing" and (r.get("done") or 0) > 5,
             what="the import to be writing notes")
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    d.proc.wait(10)
    assert time.monotonic() - t0 < 2.0 and d.proc.returncode == 0
    written_before = len(list((vault / "memory-sources").rglob("*.md")))
    assert 0 < written_before < 400
    r = subprocess.run(MEMD + ["import", "chatgpt", str(export), "--json"], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert len(list((vault / "memory-sources").rglob("*.md"))) == 400  # completed, no duplicates


def test_an_argument_that_is_not_utf8_gets_one_clear_error_from_the_daemon(daemon):
    # A command-line argument with undecodable bytes arrives as lone surrogates: the client must
    # still send it (escaped), and the daemon must refuse it as a bad parameter, not crash on it.
    d, _, env = daemon
    r = subprocess.run(MEMD + ["search", "alpha", "--path", os.fsdecode(b"\xff")], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip() == "memd: error: search: path is not valid UTF-8"
