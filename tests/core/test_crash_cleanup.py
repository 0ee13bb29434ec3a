"""Clean after a crash (issue 12): any command that opens the vault removes memd's stale temp files
(only its own names, only old ones, never while another process holds the write lock), and an
import killed with kill -9 leaves no transcript that `memd search` cannot find. Real processes,
real kills, real files."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from memd.index.scanner import STALE_TEMP_SECONDS

REPO = Path(__file__).resolve().parents[2]
MEMD = [sys.executable, "-m", "memd"]
HELPER = Path(__file__).with_name("crash_writer.py")
T0 = 1714550400.0


def run(env, *args, timeout=180):
    return subprocess.run(MEMD + [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout)


def write_config(root: Path) -> dict[str, str]:
    """A config file for the layout crash_writer.py uses (ROOT/vault, ROOT/state)."""
    cfg = root / "config.toml"
    cfg.write_text(f'vault = "{root / "vault"}"\nstate_dir = "{root / "state"}"\n'
                   "[writer]\nsettle_seconds = 0.0\nfsync = false\n")
    return dict(os.environ, MEMD_CONFIG=str(cfg), COLUMNS="200", TZ="UTC")


def age(path: Path, seconds: float) -> None:
    """Make `path` look `seconds` old."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def hidden_files(vault: Path) -> list[Path]:
    return sorted(p for p in vault.rglob(".*") if p.is_file() and ".obsidian" not in p.parts)


def test_kill_9_mid_write_then_any_command_removes_the_temp(tmp_path):
    """crash_writer dies with its temp file half-written (a copy of memory/user.md in the
    making); `memd status`, which opens the vault and scans nothing, removes it once it is stale."""
    proc = subprocess.Popen([sys.executable, str(HELPER), str(tmp_path), "scenario", "0", "partial-temp", "4"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
    vault = tmp_path / "vault"
    (temp,) = hidden_files(vault)
    assert temp.parent == vault / "memory" and temp.name.startswith(".user.md.memd-")
    user_before = (vault / "memory" / "user.md").read_bytes()
    env = write_config(tmp_path)

    r = run(env, "status", "--json")  # young: a write could still own it
    assert r.returncode == 0, r.stderr
    assert temp.exists()

    age(temp, STALE_TEMP_SECONDS + 60)  # as if memd is next used long after the crash
    r = run(env, "status", "--json")
    assert r.returncode == 0, r.stderr
    assert not temp.exists()
    assert hidden_files(vault) == []
    assert (vault / "memory" / "user.md").read_bytes() == user_before  # the note itself untouched


def test_only_stale_memd_temps_go_and_never_under_a_held_lock(tmp_path):
    from memd.crash_cleanup import remove_stale_temps

    vault = tmp_path / "vault"
    (vault / "memory" / "entities").mkdir(parents=True)
    (vault / "memory-sources" / "chatgpt").mkdir(parents=True)
    (vault / "Notes").mkdir()
    (vault / "memory" / ".obsidian").mkdir()
    stale = [vault / "memory" / ".user.md.memd-ab12cd34.tmp",
             vault / "memory" / "entities" / ".jane_doe.md.memd-0f9e8d7c6b5a.tmp",
             vault / "memory-sources" / "chatgpt" / ".2024-05-01 Trip.md.memd-x_y_z123.tmp"]
    kept = [vault / "memory" / ".user.md.memd-fresh001.tmp",  # young: a write may own it
            vault / "memory" / "user.md.memd-ab12.tmp",  # not hidden: not a name memd writes
            vault / "memory" / ".user.md.icloud", vault / "memory" / ".notes.tmp",
            vault / "memory" / ".obsidian" / ".x.md.memd-ab12cd34.tmp",  # inside a dot-folder
            vault / "Notes" / ".n.md.memd-ab12cd34.tmp"]  # outside the folders memd writes to
    for p in stale + kept:
        p.write_bytes(b"partial")
    for p in stale + kept[1:]:
        age(p, 10_000)
    lock = tmp_path / "state" / "write.lock"
    lock.parent.mkdir()

    # Another process holds the write lock (a memd write in progress): nothing is touched.
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
                               " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
                               str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert remove_stale_temps(vault, ["memory", "memory-sources"], lock, older_than=60) == []
        assert all(p.exists() for p in stale + kept)
    finally:
        holder.kill()
        holder.wait()

    removed = remove_stale_temps(vault, ["memory", "memory-sources"], lock, older_than=60)
    assert sorted(removed) == sorted(p.relative_to(vault).as_posix() for p in stale)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)

    # Held by this very process (another thread's write): nothing is touched either.
    again = vault / "memory" / ".user.md.memd-again001.tmp"
    again.write_bytes(b"x")
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert remove_stale_temps(vault, ["memory"], lock, older_than=-1) == []
    finally:
        os.close(fd)
    assert again.exists()


def test_young_temp_is_kept_by_age(tmp_path):
    from memd.crash_cleanup import remove_stale_temps

    vault = tmp_path / "vault"
    (vault / "memory").mkdir(parents=True)
    young = vault / "memory" / ".user.md.memd-young001.tmp"
    young.write_bytes(b"x")
    assert remove_stale_temps(vault, ["memory"], tmp_path / "write.lock", older_than=60) == []
    assert young.exists()


# --- an import killed mid-way -----------------------------------------------------------------------
def conversation(i: int) -> dict:
    cid = f"conv-{i:04d}"
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"
    for k, (role, text) in enumerate([("user", f"Tell me about quokka{i:04d} please."), ("assistant", "Sure.")]):
        nid = f"{cid}-n{k}"
        mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
            "id": nid, "author": {"role": role}, "create_time": T0 + i * 3600 + k,
            "content": {"content_type": "text", "parts": [text]}, "metadata": {}}}
        mapping[parent]["children"].append(nid)
        parent = nid
    return {"id": cid, "title": f"Question {i}", "create_time": T0 + i * 3600, "update_time": T0 + i * 3600 + 1,
            "mapping": mapping, "current_node": parent}


def indexed_sources(index_db: Path) -> set[str]:
    conn = sqlite3.connect(index_db)
    try:
        return {r[0] for r in conn.execute("SELECT path FROM notes WHERE path LIKE 'memory-sources/%'")}
    finally:
        conn.close()


def on_disk(vault: Path) -> set[str]:
    root = vault / "memory-sources"
    return {p.relative_to(vault).as_posix() for p in root.rglob("*.md")} if root.exists() else set()


def test_kill_9_mid_import_then_search_finds_every_written_note(tmp_path):
    vault = tmp_path / "vault"
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"), COLUMNS="200", TZ="UTC")
    assert run(env, "init", vault, "--create").returncode == 0
    cfg = Path(env["MEMD_CONFIG"])
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\nfsync = false\n")
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr("conversations.json", json.dumps([conversation(i) for i in range(400)]))
    proc = subprocess.Popen(MEMD + ["import", "chatgpt", str(export), "--no-extract"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(on_disk(vault)) < 60:
            if proc.poll() is not None:
                pytest.fail(f"the import ended before it could be killed: {proc.stderr.read()!r}")
            assert time.monotonic() < deadline, "the import did not get going"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    written = on_disk(vault)
    state_dir = Path(json.loads(run(env, "status", "--json").stdout)["state_dir"])
    missing = written - indexed_sources(state_dir / "index.db")
    assert missing, "the kill left every note indexed: nothing to prove"

    newest = max(written, key=lambda p: (vault / p).stat().st_mtime_ns)
    word = f"quokka{int(Path(newest).stem.split()[-1]):04d}"
    r = run(env, "search", word, "--json")
    assert r.returncode == 0, r.stderr
    assert [h["path"] for h in json.loads(r.stdout)["results"]][:1] == [newest]
    assert written <= indexed_sources(state_dir / "index.db")  # every note on disk is searchable
