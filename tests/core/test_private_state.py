"""Private state (issue 12): the state folder 0700, index.db and state.db with their -wal and -shm
files 0600, whatever the umask; a folder made before is repaired by any command that opens the
vault, and `memd doctor` reports what is still readable by others. Real processes, real files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

MEMD = [sys.executable, "-m", "memd"]


def run(env, *args, timeout=120):
    return subprocess.run(MEMD + [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=lambda: os.umask(0o022))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def setup(tmp_path: Path) -> tuple[dict[str, str], Path]:
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"), COLUMNS="200")
    r = run(env, "init", tmp_path / "vault", "--create", "--json")
    assert r.returncode == 0, r.stderr
    r = run(env, "status", "--json")
    assert r.returncode == 0, r.stderr
    return env, Path(json.loads(r.stdout)["state_dir"])


def databases(state_dir: Path) -> list[Path]:
    return sorted(p for p in state_dir.iterdir() if ".db" in p.name)


def private_check(env) -> dict:
    r = run(env, "doctor", "--json")
    [check] = [c for c in json.loads(r.stdout)["checks"] if c["name"] == "private state"]
    return check


def test_new_state_is_private_under_a_permissive_umask(tmp_path):
    env, state_dir = setup(tmp_path)
    (tmp_path / "vault" / "note.md").write_text("# Note\nsome words\n")
    assert run(env, "fact", "set", "user", "favorite_color", "green").returncode == 0
    assert run(env, "search", "words", "--json").returncode == 0
    assert mode(state_dir) == 0o700
    dbs = databases(state_dir)
    names = {p.name for p in dbs}
    assert {"index.db", "state.db"} <= names
    for p in dbs:
        assert mode(p) == 0o600, (p, oct(mode(p)))
    # -wal and -shm exist while a connection is open; SQLite gives them the database's mode.
    from memd.db import connect

    conn = connect(state_dir / "state.db")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS probe (x)")
        conn.execute("INSERT INTO probe VALUES (1)")
        wal = [p for p in state_dir.iterdir() if p.name.startswith("state.db-")]
        assert {p.name for p in wal} == {"state.db-wal", "state.db-shm"}
        for p in wal:
            assert mode(p) == 0o600, (p, oct(mode(p)))
    finally:
        conn.close()
    assert private_check(env)["status"] == "ok"


def test_old_state_is_repaired_and_doctor_reports_it(tmp_path):
    env, state_dir = setup(tmp_path)
    # As an older memd left it: 0755 folder, 0644 databases and sidecar files.
    os.chmod(state_dir, 0o755)
    for p in databases(state_dir):
        os.chmod(p, 0o644)
    (state_dir / "index.db-wal").write_bytes(b"")
    os.chmod(state_dir / "index.db-wal", 0o664)
    mine = state_dir / "README.txt"  # not memd's: never changed
    mine.write_text("a note of the user's")
    os.chmod(mine, 0o644)

    check = private_check(env)
    assert check["status"] == "fail" and "index.db" in check["detail"] and "0644" in check["detail"], check
    assert check["fix"]
    # doctor only looks: nothing repaired yet
    assert mode(state_dir) == 0o755

    r = run(env, "search", "anything", "--json")  # any command that opens the vault
    assert r.returncode == 0, r.stderr
    assert mode(state_dir) == 0o700
    for p in databases(state_dir):
        assert mode(p) == 0o600, (p, oct(mode(p)))
    assert mode(mine) == 0o644
    assert private_check(env)["status"] == "ok"


def test_secure_state_leaves_symlinks_and_other_files_alone(tmp_path):
    from memd.private_state import secure_state, state_problems

    state_dir = tmp_path / "state"
    secure_state(state_dir)
    assert mode(state_dir) == 0o700
    outside = tmp_path / "outside.db"
    outside.write_text("x")
    os.chmod(outside, 0o644)
    (state_dir / "link.db").symlink_to(outside)
    (state_dir / "state.db").write_text("")
    os.chmod(state_dir / "state.db", 0o640)
    assert state_problems(state_dir) == [f"{state_dir / 'state.db'} (mode 0640, want 0600)"]
    assert secure_state(state_dir) == [str(state_dir / "state.db")]
    assert mode(outside) == 0o644  # a symlink is not followed
    assert state_problems(state_dir) == []
