"""kill -9 at any moment leaves every file old or new, never partial, and the journal consistent.

A real subprocess (crash_writer.py, run with this venv's python) writes through the real Memd app
and through memd.vault.atomic.atomic_write directly (notes of 4-16 MiB, so a kill lands inside a
write), logging the sha256 of every version before it writes it (fsynced). The tests kill it:

* test_random_kills: 36 kills at random moments (during start-up, between writes, inside large
  writes, inside memd operations) on one vault that lives on across the kills;
* test_kill_at_each_stage_*: the helper kills itself at each exact point of one write (before the
  journal entry, half-way through the temp file, before/after os.replace, before/inside/after the
  journal commit);
* the write-ahead journal's one gap — a write that landed but whose entry was never committed,
  followed by a hand edit before memd reopens — must leave memd's line unowned: the user's from
  then on, never overwritten;
* recovery run by a second process while the first is between journal and write.

After every kill: each file is byte-identical to the version last written or the one before it
(and to the last one whenever that write had returned); no non-dot stray file is visible to
Obsidian; a memd temp file exists only when the kill interrupted a write; after memd reopens
(write-ahead recovery) and scans, temp files older than STALE_TEMP_SECONDS are gone (mtimes are
aged with os.utime) while a fresh one is kept; both databases pass `PRAGMA integrity_check`; no
journal entry is left pending; per file the applied entries form an exact hash chain
(hash_after of one = hash_before of the next) ending at the file's current hash; every journaled
version is one the helper logged; and memd owns exactly the lines of files only memd wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from memd.app import Memd
from memd.config import config_from_dict
from memd.index.scanner import STALE_TEMP_SECONDS
from memd.state import Source, line_hash
from memd.vault import swap
from memd.vault.ignore import is_memd_temp

HELPER = Path(__file__).with_name("crash_writer.py")
REPO = Path(__file__).resolve().parents[2]
SRC = Source("test")
USER = "memory/user.md"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha(path: Path) -> str | None:
    try:
        return sha(path.read_bytes())
    except FileNotFoundError:
        return None


def config_for(root: Path):
    return config_from_dict(
        {"vault": str(root / "vault"), "state_dir": str(root / "state"),
         "writer": {"settle_seconds": 0, "fsync": False}, "index": {"max_note_mb": 1}},
        root / "config.toml",
    )


def spawn(root: Path, mode: str, seed: int = 0, stage: str | None = None, at: int = -1) -> subprocess.Popen:
    (root / "vault").mkdir(parents=True, exist_ok=True)
    args = [sys.executable, str(HELPER), str(root), mode, str(seed)] + ([stage, str(at)] if stage else [])
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_ready(proc: subprocess.Popen, timeout: float = 60.0) -> None:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "crash_writer did not start"
    line = proc.stdout.readline()
    assert line == b"READY\n", f"crash_writer failed to start: {line!r} {proc.stderr.read().decode()[-2000:]}"


def run_to_death(root: Path, mode: str, stage: str, at: int) -> None:
    proc = spawn(root, mode, 0, stage, at)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, f"expected to die at {stage}: rc={proc.returncode} {out!r} {err.decode()[-2000:]}"


def read_log(root: Path) -> list[dict]:
    try:
        raw = (root / "writes.log").read_bytes()
    except FileNotFoundError:
        return []
    records = []
    for line in raw.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass  # cut by the kill; the write it announced had not started
    return records


def vault_files(vault: Path) -> tuple[list[str], list[Path]]:
    """(visible notes, hidden files): what Obsidian shows, and the dot files beside them."""
    visible, hidden = [], []
    for dirpath, dirnames, filenames in os.walk(vault):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            p = Path(dirpath) / name
            if name.startswith("."):
                hidden.append(p)
            else:
                visible.append(p.relative_to(vault).as_posix())
    return sorted(visible), hidden


def integrity_ok(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{db} is corrupt"
    finally:
        conn.close()


def present(data: bytes | None) -> Counter:
    if data is None:
        return Counter()
    text = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    return Counter(line_hash(l) for l in text.split("\n") if l.strip())


def reopen_and_check(root: Path, logged: dict[str, set[str | None]]) -> dict:
    """Reopen memd after a kill and check what it finds; returns a few facts for the caller."""
    vault = root / "vault"
    config = config_for(root)
    _, hidden = vault_files(vault)
    temps = [p for p in hidden if is_memd_temp(p.name)]
    assert len(temps) == len(hidden), f"hidden files that are not memd temps: {hidden}"
    old = time.time() - STALE_TEMP_SECONDS - 60
    for p in temps:  # as if memd restarts long after the crash
        os.utime(p, (old, old))
    pending = pending_entries(config.state_db)
    decoy = vault / ".decoy.md.memd-fresh01.tmp"  # a write in progress elsewhere: too young to touch
    decoy.write_bytes(b"in flight")
    app = Memd(config)  # runs write-ahead recovery
    try:
        app.index.scan()
        left = [p for p in temps if p.exists()]
        assert not left, f"stale memd temp files not cleaned: {left}"
        assert decoy.exists(), "a fresh temp file (a write in progress) was removed"
        decoy.unlink()
        integrity_ok(config.state_db)
        integrity_ok(config.index_db)
        entries = app.state.journal(limit=10 ** 9, newest_first=False)
        assert not [e for e in entries if e["status"] == "pending"], "journal entries left pending after recovery"
        check_journal(vault, entries, logged)
        status = {e["id"]: e["status"] for e in entries}
        for p in pending:  # settled by what the file holds: the new version -> applied, else failed
            landed = file_sha(vault / p["path"]) == p["hash_after"]
            assert status[p["id"]] == ("applied" if landed else "failed"), f"entry #{p['id']} mis-recovered"
        for rel in {e["path"] for e in entries}:
            data = (vault / rel).read_bytes() if (vault / rel).exists() else None
            owned = +app.state.owned_counts(rel)
            assert owned == present(data), f"{rel}: memd's ownership does not match the lines it wrote"
        return {"entries": entries, "recovered": [status[p["id"]] for p in pending]}
    finally:
        app.close()


def pending_entries(db: Path) -> list[dict]:
    """Journal entries a kill left pending, read before memd opens (and recovers) the database."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, path, hash_after FROM journal WHERE status = 'pending'").fetchall()
    except sqlite3.OperationalError:
        return []  # killed before the schema existed
    finally:
        conn.close()
    return [{"id": r[0], "path": r[1], "hash_after": r[2]} for r in rows]


def check_journal(vault: Path, entries: list[dict], logged: dict[str, set[str | None]]) -> None:
    """Applied entries chain exactly per file and end at the file; each journaled version was written."""
    by_path: dict[str, list[dict]] = {}
    for e in entries:
        assert e["status"] in ("applied", "undone", "failed"), e["status"]
        by_path.setdefault(e["path"], []).append(e)
    for rel, mine in by_path.items():
        prev: str | None = None
        versions = {None}
        for e in mine:
            if e["status"] == "failed":  # its write never landed: it was planned on a real version
                assert e["hash_before"] in versions, f"{rel}: failed entry #{e['id']} planned on an unknown version"
                continue
            assert e["hash_before"] == prev, f"{rel}: journal gap before #{e['id']} ({e['op']})"
            assert e["hash_after"] in logged.get(rel, set()), f"{rel}: #{e['id']} journals a version never written"
            prev = e["hash_after"]
            versions.add(prev)
        assert file_sha(vault / rel) == prev, f"{rel}: the file is not what the journal says was last written"


def logged_versions(records: list[dict]) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for r in records:
        if r["e"] == "intent":
            out.setdefault(r["path"], set()).add(None if r["sha"] == "DELETED" else r["sha"])
    return out


# -- random kills -------------------------------------------------------------------------------

def test_random_kills(tmp_path):
    root = tmp_path
    vault = root / "vault"
    rng = random.Random(20240521)
    known: dict[str, str | None] = {}  # path -> sha of the version verified on disk
    seen = 0
    stats = Counter()
    kills = 36
    for i in range(kills):
        mode = ("app", "atomic", "mixed")[i % 3]
        proc = spawn(root, mode, seed=i)
        if i % 6 == 5:  # during start-up: imports, opening the databases, recovery
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            wait_ready(proc)
            time.sleep(rng.uniform(0.0, 0.35 if mode == "app" else 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, f"crash_writer exited by itself: {proc.returncode}"
        records = read_log(root)
        new, seen = records[seen:], len(records)
        intents = [r for r in new if r["e"] == "intent"]
        done = {r["n"] for r in new if r["e"] == "done"}
        last = intents[-1] if intents else None
        touched: dict[str, list[dict]] = {}
        for r in intents:
            touched.setdefault(r["path"], []).append(r)
        for rel, rs in touched.items():
            seq = [known.get(rel)] + [None if r["sha"] == "DELETED" else r["sha"] for r in rs]
            now = file_sha(vault / rel)
            if rs[-1] is last and last["n"] not in done:  # the kill may have cut this write
                assert now in (seq[-1], seq[-2]), f"kill {i}: {rel} is neither the old nor the new version (partial?)"
                stats["killed mid-write"] += 1
                stats["mid-write: new version landed" if now == seq[-1] else "mid-write: old version kept"] += 1
            else:
                assert now == seq[-1], f"kill {i}: {rel} is not the version last written completely"
            known[rel] = now
        visible, hidden = vault_files(vault)
        for rel in visible:
            assert rel in known and known[rel] is not None, f"kill {i}: stray file visible to Obsidian: {rel}"
        for rel, digest in known.items():
            assert file_sha(vault / rel) == digest, f"kill {i}: {rel} changed though nothing wrote it"
        temps = [p for p in hidden if is_memd_temp(p.name)]
        assert len(temps) <= 1, f"kill {i}: more than the one interrupted write left temp files: {temps}"
        if temps:
            assert last is not None and last["n"] not in done, f"kill {i}: temp file left by a completed write"
            stats["temp files left by the kill"] += 1
            if temps[0].stat().st_size < last["size"]:
                stats["partial temp files (never visible)"] += 1
        stats["writes"] += len(intents)
        for status in reopen_and_check(root, logged_versions(records))["recovered"]:
            stats[f"pending journal entry recovered as {status}"] += 1
    print("\n" + "\n".join(f"{n:6d}  {k}" for k, n in sorted(stats.items())))
    assert stats["writes"] > kills, "the helper barely wrote anything"
    assert stats["killed mid-write"] >= 1, "no kill landed inside a write"


# -- a kill at each exact point of one write ----------------------------------------------------

# Write #4 of the scenario: set_fact city=Berlin replaces memd's own `- city: Paris`.
LANDED = ["after-replace", "before-commit", "in-commit", "after-commit"]
NOT_LANDED = ["before-begin", "partial-temp", "before-replace"]


@pytest.mark.parametrize("stage", NOT_LANDED + LANDED)
def test_kill_at_each_stage_of_a_memd_write(tmp_path, stage):
    run_to_death(tmp_path, "scenario", stage, 4)
    vault = tmp_path / "vault"
    records = read_log(tmp_path)
    intents = [r for r in records if r["e"] == "intent"]
    user = [r for r in intents if r["path"] == USER]
    text = (vault / USER).read_bytes()
    if stage in LANDED:
        assert sha(text) == user[-1]["sha"] and user[-1]["n"] == 4
        assert b"- city: Berlin\n" in text and b"Paris" not in text
    else:
        expect = user[-2] if stage != "before-begin" else user[-1]
        assert sha(text) == expect["sha"] and b"- city: Paris\n" in text and b"Berlin" not in text
    _, hidden = vault_files(vault)
    if stage in ("partial-temp", "before-replace"):
        (temp,) = hidden
        assert is_memd_temp(temp.name) and temp.parent == vault / "memory"
        assert temp.stat().st_size == (user[-1]["size"] // 2 if stage == "partial-temp" else user[-1]["size"])
    elif stage == "after-replace" and swap.available():
        # The exchange leaves the version it replaced under the temp name until it is verified.
        (temp,) = hidden
        assert is_memd_temp(temp.name) and sha(temp.read_bytes()) == user[-2]["sha"]
    else:
        assert hidden == []
    facts = reopen_and_check(tmp_path, logged_versions(records))
    last = facts["entries"][-1]
    if stage == "before-begin":
        assert last["args"].get("value") != "Berlin"  # the operation never reached the journal
    else:
        assert last["args"].get("value") == "Berlin"
        assert last["status"] == ("applied" if stage in LANDED else "failed")
    with Memd(config_for(tmp_path)) as app:  # memd carries on: it owns its line, whichever it is
        (r,) = app.set_fact(None, "city", "Rome", SRC)
        assert r.status == "applied"
        after = (vault / USER).read_bytes()
        assert after == text.replace(b"Berlin" if stage in LANDED else b"Paris", b"Rome")
        app.undo(r.journal_id)
        assert (vault / USER).read_bytes() == text


@pytest.mark.parametrize("stage", ["after-replace", "before-commit", "in-commit"])
def test_landed_write_never_committed_then_hand_edit_is_the_users(tmp_path, stage):
    """The gap write-ahead journaling leaves: the file holds memd's new line, its entry was never
    committed, and the user edits the file before memd comes back. Recovery cannot prove memd
    wrote what is there, so the entry fails and the line is treated as hand-written."""
    run_to_death(tmp_path, "scenario", stage, 4)
    vault = tmp_path / "vault"
    with open(vault / USER, "ab") as fh:
        fh.write(b"- note: typed while memd was down\n")
    edited = (vault / USER).read_bytes()
    assert b"- city: Berlin\n" in edited
    with Memd(config_for(tmp_path)) as app:
        entry = app.state.journal(limit=1)[0]
        assert entry["args"]["value"] == "Berlin" and entry["status"] == "failed"
        assert line_hash("- city: Berlin") not in app.state.owned_counts(USER)
        assert [r.status for r in app.set_fact(None, "city", "Rome", SRC)] == ["review"]
        assert [r.status for r in app.remove_fact(None, "city", None, SRC)] == ["review"]
        assert (vault / USER).read_bytes() == edited
        item = app.review_list()[0]
        assert item["current"] == "- city: Berlin"  # shown to the user; replaced only if accepted
        app.review_resolve(item["id"], "accept")
        assert (vault / USER).read_bytes() == edited.replace(b"Berlin", b"Rome")


@pytest.mark.parametrize("stage", ["partial-temp", "before-replace", "after-replace"])
def test_kill_inside_a_large_atomic_write(tmp_path, stage):
    run_to_death(tmp_path, "big", stage, 1)
    vault = tmp_path / "vault"
    records = read_log(tmp_path)
    v0, v1 = [r for r in records if r["e"] == "intent"]
    now = file_sha(vault / v1["path"])
    assert now == (v1["sha"] if stage == "after-replace" else v0["sha"] if v0["path"] == v1["path"] else None)
    visible, hidden = vault_files(vault)
    assert set(visible) == {v0["path"], v1["path"]} - ({v1["path"]} if now is None else set())
    if stage == "after-replace":
        assert hidden == []
    else:
        (temp,) = hidden
        assert is_memd_temp(temp.name)
        assert temp.stat().st_size == (v1["size"] // 2 if stage == "partial-temp" else v1["size"])
    reopen_and_check(tmp_path, logged_versions(records))
    _, hidden = vault_files(vault)
    assert hidden == []


def test_stale_temp_cleanup_touches_only_old_memd_temps(tmp_path):
    vault = tmp_path / "vault"
    (vault / "memory").mkdir(parents=True)
    old = time.time() - STALE_TEMP_SECONDS - 60
    stale = vault / "memory" / ".user.md.memd-abc123_x.tmp"
    fresh = vault / "memory" / ".user.md.memd-def456.tmp"
    mine = [vault / "memory" / ".user.md.icloud", vault / "memory" / "user.md.memd-abc123.tmp",
            vault / ".hidden note.md", vault / "memory" / ".user.md.memd-.tmp"]
    for p in [stale, fresh, *mine]:
        p.write_bytes(b"x")
        os.utime(p, (old, old))
    os.utime(fresh, None)
    with Memd(config_for(tmp_path)) as app:
        app.index.scan()
    assert not stale.exists()
    assert fresh.exists()
    assert all(p.exists() for p in mine), "a file that is not a stale memd temp was removed"


def test_recovery_in_another_process_leaves_a_live_write_alone(tmp_path):
    """A second process (the CLI beside the daemon, or two CLI commands) opens the vault while
    the first is between its journal entry and its file write: recovery must not settle an
    entry whose writer is still running. (Regression: recovery used to run without the write
    lock and marked the live entry `failed`; the write then landed un-owned and un-undoable.)"""
    proc = spawn(tmp_path, "scenario", 0, "pause-after-begin", 4)
    second = None
    try:
        deadline = time.time() + 60
        while not (tmp_path / "paused").exists():
            assert proc.poll() is None and time.time() < deadline, proc.stderr.read().decode()[-2000:]
            time.sleep(0.01)
        code = ("import sys; from memd.app import Memd; from memd.config import config_from_dict; "
                "Memd(config_from_dict(dict(vault=sys.argv[1] + '/vault', state_dir=sys.argv[1] + '/state', "
                "writer=dict(settle_seconds=0)), None)).close()")
        second = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO)  # opening runs recovery
        try:
            second.wait(timeout=1.0)  # a recovery that ignores the live writer is done by now
        except subprocess.TimeoutExpired:
            pass  # waiting for the write lock, as it should
    finally:
        (tmp_path / "go").touch()
        out, err = proc.communicate(timeout=60)
        if second is not None:
            assert second.wait(timeout=60) == 0
    assert proc.returncode == 0 and b"SURVIVED" in out, err.decode()[-2000:]
    assert b"- city: Berlin\n" in (tmp_path / "vault" / USER).read_bytes()
    with Memd(config_for(tmp_path)) as app:
        entry = app.state.journal(limit=1)[0]
    assert entry["args"]["value"] == "Berlin"
    assert entry["status"] == "applied", f"the write landed but its journal entry is {entry['status']!r}"
    reopen_and_check(tmp_path, logged_versions(read_log(tmp_path)))


def test_an_entry_whose_write_never_landed_cannot_be_undone(tmp_path):
    """Regression: a `failed` entry (a crash before os.replace) could be undone, and RevertHunks
    then reverted whatever later operation had written the same line."""
    run_to_death(tmp_path, "scenario", "before-replace", 4)
    vault = tmp_path / "vault"
    with Memd(config_for(tmp_path)) as app:
        failed = app.state.journal(limit=1)[0]
        assert failed["args"]["value"] == "Berlin" and failed["status"] == "failed"
        (again,) = app.set_fact(None, "city", "Berlin", SRC)  # the user asks again; this one lands
        assert again.status == "applied"
        text = (vault / USER).read_bytes()
        try:
            app.undo(failed["id"])
        except Exception as exc:  # refusing is right (ConflictError or NotFoundError)
            assert type(exc).__name__ in ("ConflictError", "NotFoundError"), exc
        assert (vault / USER).read_bytes() == text, "undoing a write that never happened changed the file"
        assert app.state.journal_entry(again.journal_id)["status"] == "applied"
