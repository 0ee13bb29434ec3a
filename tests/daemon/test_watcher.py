"""The vault watcher on real folders with a real watchdog observer."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import pwd
import subprocess
import sys
import threading
import time

import pytest

from memd.vault.ignore import is_ignored_path as is_ignored
from memd.daemon.watcher import Changes, Watcher

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to another uid")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify behaviour")
WAIT = 30.0  # generous: only a failure ever waits this long


class Collector:
    """Receives batches from the watcher thread; tests wait on what they expect to see."""

    def __init__(self):
        self.batches: list[Changes] = []
        self.statuses: list[str] = []
        self._cond = threading.Condition()

    def __call__(self, changes: Changes) -> None:
        with self._cond:
            self.batches.append(changes)
            self._cond.notify_all()

    def status(self, message: str) -> None:
        with self._cond:
            self.statuses.append(message)
            self._cond.notify_all()

    @property
    def paths(self) -> set[str]:
        with self._cond:
            return set().union(*(b.paths for b in self.batches))

    def wait_for(self, predicate, timeout=WAIT):
        with self._cond:
            assert self._cond.wait_for(predicate, timeout), f"timed out; batches: {self.batches[-5:]}"

    def wait_paths(self, *paths):
        self.wait_for(lambda: set(paths) <= set().union(*(b.paths for b in self.batches)))

    def clear(self):
        with self._cond:
            self.batches.clear()


@pytest.fixture
def watch(vault):
    watchers = []

    def start(**options):
        collector = Collector()
        options.setdefault("debounce", 0.1)
        options.setdefault("supervise_interval", 0.1)
        watcher = Watcher(vault, collector, on_status=collector.status, **options)
        watcher.start()
        watchers.append(watcher)
        return watcher, collector

    yield start
    for watcher in watchers:
        watcher.stop(flush=False)


def sentinel(vault, collector, name="zz-sentinel.md"):
    """Write a file and wait for it: every event caused before it has been delivered by then."""
    (vault / name).write_text(str(time.monotonic()))
    collector.wait_paths(name)


def test_create_edit_atomic_save_move_delete(vault, watch):
    watcher, seen = watch()
    assert watcher.mode not in (None, "polling") and watcher.fallback_reason is None
    note = vault / "note.md"
    note.write_text("- a: 1\n")
    seen.wait_paths("note.md")

    seen.clear()
    with open(note, "a") as handle:  # edit in place
        handle.write("- b: 2\n")
    seen.wait_paths("note.md")

    seen.clear()
    # Atomic save as Obsidian plugins and memd's writer do it: hidden temp file, then rename.
    temp = vault / ".note.md.memd-ab12.tmp"
    temp.write_text("- a: 3\n")
    os.replace(temp, note)
    seen.wait_paths("note.md")
    sentinel(vault, seen)
    assert not any(".memd-" in path for path in seen.paths)

    seen.clear()
    (vault / "sub").mkdir()
    os.rename(note, vault / "sub" / "moved.md")
    seen.wait_paths("note.md", "sub/moved.md")  # source: maybe deleted; destination: changed

    seen.clear()
    (vault / "sub" / "moved.md").unlink()
    seen.wait_paths("sub/moved.md")


def test_reading_a_note_triggers_nothing(vault, watch):
    note = vault / "read-me.md"
    note.write_text("- a: 1\n")
    watcher, seen = watch()
    with open(note) as handle:
        handle.read()
    with open(note, "rb") as handle:
        handle.read(1)
    os.stat(note)
    sentinel(vault, seen)
    assert "read-me.md" not in seen.paths


def test_ignored_paths_never_arrive(vault, watch):
    for folder in (".obsidian", ".trash", ".git/objects", ".my-config"):
        (vault / folder).mkdir(parents=True)
    watcher, seen = watch()
    (vault / ".obsidian" / "workspace.json").write_text("{}")
    (vault / ".trash" / "old.md").write_text("x")
    (vault / ".git" / "objects" / "ab").write_text("x")
    (vault / ".my-config" / "x.md").write_text("x")
    (vault / "note.sync-conflict-20240101-120000-ABCDEFG.md").write_text("x")
    (vault / "note (conflicted copy).md").write_text("x")
    (vault / "note (Ann's conflicted copy 2024-01-02).md").write_text("x")
    (vault / ".note.md.icloud").write_text("x")
    (vault / ".note.md.memd-x1y2.tmp").write_text("x")
    sentinel(vault, seen)
    assert seen.paths == {"zz-sentinel.md"}
    assert all(not batch.folders for batch in seen.batches)


def test_index_exclude_globs_never_arrive(vault, watch):
    (vault / "Archive").mkdir()
    watcher, seen = watch(exclude=["Archive/*", "*.tmp.md"])
    (vault / "Archive" / "old.md").write_text("x")
    (vault / "draft.tmp.md").write_text("x")
    (vault / "kept.md").write_text("x")
    sentinel(vault, seen)
    assert seen.paths == {"kept.md", "zz-sentinel.md"}


@linux_only
def test_a_complete_save_arrives_before_the_debounce(vault, watch):
    """Closed after writing (or renamed into place): the save is whole, so it is reported after
    a short settle instead of a whole debounce window."""
    watcher, seen = watch(debounce=3.0)
    t0 = time.monotonic()
    (vault / "edited.md").write_text("x")  # open, write, close
    seen.wait_paths("edited.md")
    assert time.monotonic() - t0 < 2.0
    tmp = vault / "renamed.md.part"
    tmp.write_text("y")
    seen.clear()
    t0 = time.monotonic()
    os.replace(tmp, vault / "renamed.md")
    seen.wait_paths("renamed.md")
    assert time.monotonic() - t0 < 2.0


def test_ignore_rules():
    assert is_ignored(".obsidian/app.json")
    assert is_ignored("notes/.hidden/x.md")
    assert is_ignored("a/.b.md.icloud")
    assert is_ignored("Daily/2024-01-01.sync-conflict-20240101-101010-XYZ.md")
    assert is_ignored("Daily/plan (conflicted copy).md")
    assert not is_ignored("Daily/2024-01-01.md")
    assert not is_ignored("memory/entities/jane_doe.md")
    assert not is_ignored("copy of plan.md")


def test_a_burst_of_5000_changes_arrives_batched_and_complete(vault, watch):
    watcher, seen = watch(debounce=0.2)
    expected = set()
    for folder in range(50):
        (vault / f"f{folder:02d}").mkdir()
        for n in range(100):
            relative = f"f{folder:02d}/note-{n:03d}.md"
            (vault / relative).write_text(f"- n: {n}\n")
            expected.add(relative)
    folders = {f"f{folder:02d}" for folder in range(50)}
    # A finished save is reported at once, a new folder after the debounce: wait for both.
    seen.wait_for(lambda: expected <= set().union(*(b.paths for b in seen.batches))
                  and folders <= set().union(*(b.folders for b in seen.batches)), timeout=60)
    assert not any(batch.full_rescan for batch in seen.batches), "events were dropped"
    assert 1 < len(seen.batches) < len(expected)


def test_repeated_writes_to_one_path_are_debounced(vault, watch):
    watcher, seen = watch(debounce=0.3)
    note = vault / "typing.md"
    for n in range(30):
        note.write_text("x" * n)
    seen.wait_paths("typing.md")
    sentinel(vault, seen)
    assert sum("typing.md" in batch.paths for batch in seen.batches) < 30


def test_vault_briefly_missing(vault, watch, tmp_path):
    watcher, seen = watch()
    aside = tmp_path / "vault-aside"
    os.rename(vault, aside)
    seen.wait_for(lambda: any("missing" in s for s in seen.statuses))
    assert watcher.mode is None
    (aside / "written-while-away.md").write_text("x")
    os.rename(aside, vault)
    # Events made while unwatched are lost, so the watcher asks for a full reconcile ...
    seen.wait_for(lambda: any(batch.full_rescan for batch in seen.batches))
    assert watcher.mode not in (None, "polling")
    # ... and watches the returned folder again.
    (vault / "after.md").write_text("x")
    seen.wait_paths("after.md")


def test_vault_missing_at_start(vault, watch, tmp_path):
    aside = tmp_path / "later"
    os.rename(vault, aside)
    watcher, seen = watch()
    assert watcher.mode is None and any("missing" in s for s in seen.statuses)
    os.rename(aside, vault)
    seen.wait_for(lambda: any(batch.full_rescan for batch in seen.batches))
    (vault / "now.md").write_text("x")
    seen.wait_paths("now.md")


def test_polling_mode_on_request(vault, watch):
    (vault / ".git").mkdir()
    watcher, seen = watch(observer="polling", polling_interval=0.1)
    assert watcher.mode == "polling"
    (vault / "a.md").write_text("x")
    (vault / ".git" / "index").write_text("x")
    seen.wait_paths("a.md")
    os.rename(vault / "a.md", vault / "b.md")
    seen.wait_paths("b.md")
    sentinel(vault, seen)
    assert not any(path.startswith(".git") for path in seen.paths)


@linux_only
def test_kernel_queue_overflow_asks_for_a_full_rescan(vault, watch):
    watcher, seen = watch()
    for name in ("a.md", "b.md"):
        (vault / name).write_text("x")
    # Alternating files defeat the kernel's merging of identical events, so this outruns the
    # watcher's reader and overflows the inotify queue (max_queued_events) for real.
    hammer = (
        "import os, sys\n"
        "a, b = sys.argv[1:]\n"
        "for _ in range(150000):\n"
        "    os.utime(a); os.utime(b)\n"
    )
    for _ in range(5):
        subprocess.run([sys.executable, "-c", hammer, str(vault / "a.md"), str(vault / "b.md")], check=True)
        with seen._cond:
            if seen._cond.wait_for(lambda: any(b.full_rescan for b in seen.batches), 5):
                break
    else:
        pytest.skip("could not outrun the inotify reader on this machine")
    # Still watching once the backlog is drained. A file written while overflows are still being
    # read may itself be lost, and then a later batch asks for a full rescan, which covers it.
    for attempt in range(10):
        name = f"after-{attempt}.md"
        written_at = len(seen.batches)
        (vault / name).write_text("x")
        with seen._cond:
            seen._cond.wait_for(lambda: any(name in b.paths or b.full_rescan for b in seen.batches[written_at:]), WAIT)
            if any(name in b.paths for b in seen.batches[written_at:]):
                break
    else:
        pytest.fail("the watcher stopped reporting changes after an overflow")




@needs_root
@linux_only
def test_falls_back_to_polling_when_inotify_instances_run_out(tmp_path):
    """As 'nobody' (so no other process's instances count), use up every inotify instance."""
    import shutil
    import tempfile


    nobody = pwd.getpwnam("nobody")
    base = tempfile.mkdtemp(prefix="memdw-", dir="/tmp")
    os.chmod(base, 0o711)
    vault = os.path.join(base, "vault")
    os.mkdir(vault)
    os.chown(vault, nobody.pw_uid, nobody.pw_gid)
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        result = {}
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            held = []
            while True:
                fd = libc.inotify_init1(os.O_CLOEXEC)
                if fd < 0:
                    result["exhausted_errno"] = ctypes.get_errno()
                    break
                held.append(fd)
            batches: list[Changes] = []
            got = threading.Event()

            def on_changes(changes):
                batches.append(changes)
                if "new.md" in changes.paths:
                    got.set()

            watcher = Watcher(vault, on_changes, debounce=0.05, polling_interval=0.1)
            watcher.start()
            result["mode"] = watcher.mode
            result["reason"] = watcher.fallback_reason
            with open(os.path.join(vault, "new.md"), "w") as handle:
                handle.write("x")
            result["seen"] = got.wait(WAIT)
            watcher.stop(flush=False)
        except BaseException as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as report:
        result = json.loads(report.read() or "{}")
    os.waitpid(pid, 0)
    shutil.rmtree(base, ignore_errors=True)
    assert "error" not in result, result
    assert result["exhausted_errno"] == 24  # EMFILE: the per-user instance limit
    assert result["mode"] == "polling"
    assert "kernel limit" in result["reason"]
    assert result["seen"] is True


def test_vault_reached_through_a_symlink(vault, tmp_path):
    link = tmp_path / "vault-link"
    link.symlink_to(vault)
    seen = Collector()
    with Watcher(link, seen, debounce=0.05, supervise_interval=0.1):
        (vault / "real.md").write_text("x")
        seen.wait_paths("real.md")
