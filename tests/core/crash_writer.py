"""Writes into a vault through memd until it is killed; driven by tests/core/test_crash.py.

Every file write is logged before it starts — path, sha256 and size of the exact bytes about to
be written, fsynced — and again when it has returned, so after a kill -9 the test can tell
whether each file holds a complete version, and which one.

usage: crash_writer.py ROOT MODE SEED [STAGE WRITE]

  ROOT   folder holding vault/, state/ and writes.log (JSON lines, appended)
  MODE   app       random memory operations through the real Memd app, forever
         atomic    large notes replaced with memd.vault.atomic.atomic_write, forever
         mixed     both, interleaved, forever
         scenario  four fixed operations, then set_fact city=Berlin (write #4), then exit
         big       two versions of a large note (writes #0 and #1), then exit
  STAGE  the process SIGKILLs itself at this point of write number WRITE (0-based):
         before-begin   before the journal entry is begun
         partial-temp   after half the bytes went into the temp file
         before-replace temp complete and fsynced, before os.replace (or the atomic exchange)
         after-replace  right after os.replace or the exchange (before the verify, the folder
                        fsync and the journal commit)
         before-commit  file replaced, journal commit not started
         in-commit      inside the journal commit transaction
         after-commit   journal committed, before the index hears of it
         pause-after-begin  not a kill: writes ROOT/paused, waits for ROOT/go, then carries on
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

ENTITIES = [None, None, "Jane Doe", "Acme Corp"]
KEYS = ["city", "job", "likes"]
VALUES = ["Paris", "Berlin", "Lyon", "nurse", "pilot", "jazz", "hiking", "Zürich 🇨🇭", "תל אביב"]
DATES = ["2024-01-05", "2023-12-31", "2024-06", "2025"]
TEXTS = ["moved to Berlin", "started at Acme", "trip to Lisbon ✈️"]
BIG = ["big/a.md", "big/b.md"]


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)  # never reached


def main() -> int:
    root, mode, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    stage = sys.argv[4] if len(sys.argv) > 4 else None
    at = int(sys.argv[5]) if len(sys.argv) > 5 else -1
    rng = random.Random(seed)

    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.errors import MemdError
    from memd.state import Source, StateDB
    from memd.vault import atomic, swap
    from memd.vault import writer as writer_mod

    vault = root / "vault"
    log = os.open(root / "writes.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def record(event: str, rel: str, data: bytes | None, n: int, sync: bool) -> None:
        digest = hashlib.sha256(data).hexdigest() if data is not None else "DELETED"
        line = json.dumps({"e": event, "path": rel, "sha": digest, "size": len(data) if data is not None else 0,
                           "n": n, "pid": os.getpid()}) + "\n"
        os.write(log, line.encode())
        if sync:
            os.fsync(log)

    count = {"writes": 0, "begins": 0}

    def arm(n: int) -> None:
        """Install the hook that kills this process at `stage` of the write about to start."""
        if n != at or stage is None:
            return
        if stage == "partial-temp":
            real_fdopen = os.fdopen

            class HalfWriter:
                def __init__(self, fh):
                    self.fh = fh

                def write(self, data):
                    self.fh.write(data[: len(data) // 2])
                    self.fh.flush()
                    os.fsync(self.fh.fileno())
                    die()

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    return False

                def __getattr__(self, name):
                    return getattr(self.fh, name)

            os.fdopen = lambda *a, **k: HalfWriter(real_fdopen(*a, **k))  # type: ignore[assignment]
        elif stage in ("before-replace", "after-replace"):
            def killing(real):
                def swap_in(src, dst, *a, **k):
                    if stage == "before-replace":
                        die()
                    real(src, dst, *a, **k)
                    die()
                return swap_in

            os.replace = killing(os.replace)  # type: ignore[assignment]
            # Where the writer swaps atomically, the exchange (or no-replace rename) is the moment.
            swap.exchange = killing(swap.exchange)  # type: ignore[assignment]
            swap.rename_noreplace = killing(swap.rename_noreplace)  # type: ignore[assignment]
        elif stage == "before-commit":
            StateDB.commit = lambda self, entry_id: die()  # type: ignore[method-assign]
        elif stage == "in-commit":
            StateDB._adjust_owned = staticmethod(lambda *a, **k: die())  # type: ignore[method-assign]
        elif stage == "after-commit":
            app.writer.on_written = lambda path: die()

    def logged(real):
        def write(target: Path, data: bytes, *, fsync: bool = True, **kw) -> None:
            n = count["writes"]
            count["writes"] += 1
            rel = Path(target).relative_to(vault).as_posix()
            record("intent", rel, data, n, sync=True)
            arm(n)
            real(target, data, fsync=fsync, **kw)
            record("done", rel, data, n, sync=False)
        return write

    real_remove = writer_mod.remove_file

    def logged_remove(path: Path, *, fsync: bool = True, **kw) -> None:
        n = count["writes"]
        count["writes"] += 1
        rel = Path(path).relative_to(vault).as_posix()
        record("intent", rel, None, n, sync=True)
        real_remove(path, fsync=fsync, **kw)
        record("done", rel, None, n, sync=False)

    writer_mod.atomic_write = logged(writer_mod.atomic_write)  # every write the VaultWriter makes
    writer_mod.remove_file = logged_remove
    big_write = logged(atomic.atomic_write)

    real_begin = StateDB.begin

    def begin(self, **kwargs):
        n = count["begins"]
        count["begins"] += 1
        if stage == "before-begin" and n == at:
            die()
        entry = real_begin(self, **kwargs)
        if stage == "pause-after-begin" and n == at:
            (root / "paused").write_text(str(entry))
            while not (root / "go").exists():
                time.sleep(0.01)
        return entry

    StateDB.begin = begin  # type: ignore[method-assign]

    config = config_from_dict(
        {"vault": str(vault), "state_dir": str(root / "state"), "writer": {"settle_seconds": 0, "fsync": True},
         "index": {"max_note_mb": 1}},
        root / "config.toml",
    )
    app = Memd(config)
    src = Source("crash-test")
    filler = base64.b64encode(rng.randbytes(12 << 20))  # 16 MiB of text to cut versions from

    def big_version() -> None:
        rel = rng.choice(BIG)
        size = rng.randint(4 << 20, 16 << 20)
        start = rng.randint(0, len(filler) - size)
        data = f"# big note {time.time_ns()}\n".encode() + filler[start:start + size]
        (vault / rel).parent.mkdir(parents=True, exist_ok=True)
        big_write(vault / rel, data)

    def app_op() -> None:
        r = rng.random()
        entity = rng.choice(ENTITIES)
        try:
            if r < 0.45:
                key = rng.choice(KEYS)
                app.set_fact(entity, key, rng.choice(VALUES), src, multi=key == "likes")
            elif r < 0.6:
                app.add_relation(None, rng.choice(["mother", "friend", "employer"]),
                                 rng.choice(["Jane Doe", "Acme Corp", "Bob Stone"]), src)
            elif r < 0.75:
                app.add_event(entity, rng.choice(DATES), rng.choice(TEXTS), src)
            elif r < 0.88:
                app.remove_fact(entity, rng.choice(KEYS), None, src)
            else:
                entries = app.state.journal(limit=15)
                if entries:
                    app.undo(rng.choice(entries)["id"])
        except MemdError:
            pass

    print("READY", flush=True)
    if mode == "scenario":
        app.set_fact(None, "city", "Paris", src)
        app.set_fact(None, "likes", "jazz", src, multi=True)
        app.add_relation(None, "mother", "Jane Doe", src)
        app.set_fact(None, "city", "Berlin", src)
    elif mode == "big":
        for _ in range(2):
            big_version()
    else:
        while True:
            if mode == "app" or (mode == "mixed" and rng.random() < 0.5):
                app_op()
            else:
                big_version()
    app.close()
    print("SURVIVED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
