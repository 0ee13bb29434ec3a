"""The one writer: every change memd makes to the vault goes through here.

For each operation: wait until the file has settled (the user may be typing), read it, plan the
operation on what is there, then compare-and-swap. The slow steps come first (the journal entry
is begun, the temp file written and fsynced); the final check is the swap itself: atomic.py
exchanges the new file with the old one and compares what it replaced with what the plan was
made on. If a person saved in between, their file goes back in place, the entry is marked
failed, and the operation is re-planned on their bytes (text is never merged). Then the journal
entry and the ownership of the new lines are committed in one transaction, and the index is
told the hash the file now holds, so the watcher recognises memd's own write. A crash between
the write and the journal leaves memd's new lines unowned, which only makes memd more careful
with them (they count as hand-written).

A memd line that disappears from a file (a hand edit, sometimes one saved by an editor that had
not yet seen memd's write) is journalled as `removed_by_edit`, so `memd log` shows it; its
ownership is then forgotten (hand_edits.py).
"""

from __future__ import annotations

import fcntl
import os
import posixpath
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from memd.errors import VaultError
from memd.state import Source, StateDB, line_hash
from memd.vault import provenance
from memd.vault.atomic import HandSave, atomic_write, read_quiet, remove_file, sha256
from memd.vault.hand_edits import journal_removed
from memd.vault.ignore import is_ignored_path
from memd.vault.memfile import MemoryDoc, split_lines
from memd.vault.operations import Operation, Plan, PlanContext, render_new_text

MAX_CAS_ATTEMPTS = 8


@dataclass
class WriteResult:
    status: str  # applied | noop | review | deferred | conflict
    path: str
    op: str
    reason: str = ""
    journal_id: int | None = None
    review_id: int | None = None
    hash_after: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}


def decode(data: bytes) -> tuple[str, bool]:
    """Text and whether it had a BOM. Undecodable bytes survive a round trip (surrogateescape)."""
    bom = data.startswith(b"\xef\xbb\xbf")
    return data[3:].decode("utf-8", "surrogateescape") if bom else data.decode("utf-8", "surrogateescape"), bom


def encode(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogateescape")


def _not_owned(lines: list[str], owned: Counter) -> list[str]:
    left = Counter(owned)
    out = []
    for line in lines:
        h = line_hash(line)
        if left.get(h, 0) > 0:
            left[h] -= 1
        elif line.strip():
            out.append(line)
    return out


def _minus(lines: list[str], remove: list[str]) -> list[str]:
    drop = Counter(remove)
    out = []
    for line in lines:
        if drop.get(line, 0) > 0:
            drop[line] -= 1
        else:
            out.append(line)
    return out


def safe_relpath(rel: str) -> str:
    """A normalised vault-relative path, refusing anything that escapes the vault or is ignored."""
    norm = posixpath.normpath(rel.replace("\\", "/"))
    if norm.startswith("/") or norm == ".." or norm.startswith("../") or norm in (".", ""):
        raise VaultError(f"refusing to write outside the vault: {rel}")
    if is_ignored_path(norm):
        raise VaultError(f"refusing to write an ignored path (dot-folder, conflict copy): {rel}")
    return norm


class VaultWriter:
    def __init__(
        self,
        vault: Path,
        state: StateDB,
        *,
        lock_path: Path,
        settle_seconds: float = 3.0,
        fsync: bool = True,
        resolve: Callable[[str, str], str | None] = lambda target, source: None,
        on_written: Callable[[str], None] = lambda path: None,
        max_settle_wait: float = 30.0,
        provenance: bool = False,
    ):
        self.vault = vault
        self.state = state
        self.settle_seconds = settle_seconds
        self.fsync = fsync
        self.resolve = resolve
        self.on_written = on_written
        self.max_settle_wait = max_settle_wait
        self.provenance = provenance  # end fact lines with a link to their source turn
        self._lock_path = lock_path
        self._thread_lock = threading.RLock()
        self._held = threading.local()
        self._own: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) of memd's last write
        self._docs: dict[str, tuple[tuple[int, int, int, int], bytes, MemoryDoc, bool]] = {}

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time: across threads, and across processes (daemon and CLI).

        Re-entrant within a thread (a write's own re-index prunes ownership under the same lock):
        only the outermost holder takes the file lock, since a second flock on a new descriptor
        would wait for the first one forever.
        """
        with self._thread_lock:
            depth = getattr(self._held, "depth", 0)
            self._held.depth = depth + 1
            try:
                if depth:
                    yield
                    return
                self._lock_path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
            finally:
                self._held.depth = depth

    def locked(self) -> Any:
        """The write lock, for work that must not interleave with a write."""
        return self._locked()

    def _abs(self, rel: str) -> Path:
        return self.vault / rel

    def _wait_settled(self, path: str) -> bool:
        """False if the file kept changing for `max_settle_wait` seconds (someone is typing)."""
        if self.settle_seconds <= 0:
            return True
        deadline = time.monotonic() + self.max_settle_wait
        while True:
            try:
                st = os.stat(self._abs(path))
            except FileNotFoundError:
                return True
            if self._own.get(path) == (st.st_size, st.st_mtime_ns):
                return True  # our own last write: nothing to wait for
            age = time.time() - st.st_mtime
            if age >= self.settle_seconds or age < -60:  # a clock far in the future is not "typing"
                return True
            if time.monotonic() + (self.settle_seconds - age) > deadline:
                return False
            time.sleep(min(self.settle_seconds - age + 0.05, 1.0))

    def _load(self, path: str) -> tuple[bytes | None, MemoryDoc | None, bool]:
        """The file's bytes and parsed document. An import sets many facts on the same user.md:
        while its stat is what memd last saw, the parse is reused (the compare-and-swap before a
        write still compares real bytes, and drops this cache when they differ)."""
        try:
            st = os.stat(self._abs(path))
        except FileNotFoundError:
            self._docs.pop(path, None)
            return None, None, False
        except OSError:
            st = None
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if st else None
        cached = self._docs.get(path)
        if key is not None and cached is not None and cached[0] == key:
            return cached[1], cached[2], cached[3]
        data = self._read(path)
        if data is None:
            return None, None, False
        text, bom = decode(data)
        doc = MemoryDoc.parse(text)
        # Lines memd wrote that are gone now were edited by hand: journal that, forget them.
        self.prune_owned(path, doc.lines, sha256(data))
        if key is not None:
            self._remember(path, key, data, doc, bom)
        return data, doc, bom

    def _remember(self, path: str, key: tuple[int, int, int, int], data: bytes, doc: MemoryDoc, bom: bool) -> None:
        if path in self._docs or len(self._docs) < 4096:
            self._docs[path] = (key, data, doc, bom)

    def document(self, path: str) -> MemoryDoc | None:
        """The parsed memory file as the writer sees it now (None: no such file), from the parse
        cache while the file's stat is the one memd last saw: a reader planning a write (the
        extraction's supersede step) reads the file the way the write will."""
        with self._locked():
            return self._load(safe_relpath(path))[1]

    def prune_file(self, path: str) -> int | None:
        """After a change someone else made (the watcher saw it): `prune_owned` on the file as it
        is now, read once no editor holds it open for writing (a half-saved file would make every
        memd line look removed). Call under the write lock."""
        try:
            data = self._read(path)
        except VaultError:
            return None
        if data is None:
            return None
        text, _ = decode(data)
        return self.prune_owned(path, text.replace("\r\n", "\n").split("\n"), sha256(data))

    def prune_owned(self, path: str, lines: list[str], hash_now: str | None = None) -> int | None:
        """Journal memd lines no longer in `path` as removed by an edit, and forget them
        (hand_edits.py). Call under the write lock, with the file's current content."""
        return journal_removed(self.state, path, lines, hash_now)

    def _read(self, path: str) -> bytes | None:
        try:
            return read_quiet(self._abs(path))
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise VaultError(f"{path} is a folder, not a note") from None
        except OSError as exc:
            raise VaultError(f"cannot read {path}: {exc.strerror}") from None

    def _replace(self, path: str, data: bytes, before: bytes | None) -> os.stat_result:
        """Write `data` if the file still holds `before` (HandSave if a person saved meanwhile);
        the file's stat after the write."""
        target = self._abs(path)
        atomic_write(target, data, fsync=self.fsync, expected=before)
        st = os.stat(target)
        self._own[path] = (st.st_size, st.st_mtime_ns)
        return st

    def apply(
        self,
        op: Operation,
        source: Source,
        *,
        granted: Counter | None = None,
        batch: str | None = None,
        undo_of: int | None = None,
    ) -> WriteResult:
        """Plan and apply `op` on the file's current content (see the module docstring)."""
        path = safe_relpath(op.path)
        op.path = path
        if self.provenance and getattr(op, "source_link", "") is None:
            op.source_link = provenance.compact(source.link)  # type: ignore[attr-defined]
        with self._locked():
            for _ in range(MAX_CAS_ATTEMPTS):
                if not self._wait_settled(path):
                    return WriteResult("deferred", path, op.name, "the file is being edited; try again later")
                before, doc, bom = self._load(path)
                owned = self.state.owned_counts(path)
                ctx = PlanContext(owned, self.resolve, granted=granted or Counter())
                plan = op.plan(doc, ctx)
                if plan.status == "noop":
                    return WriteResult("noop", path, op.name, plan.reason)
                if plan.status == "conflict":
                    return self._park(op, source, plan, path)
                if self._read(path) != before:
                    self._docs.pop(path, None)
                    continue  # changed under us: re-read and re-plan
                result = self._commit(op, source, plan, path, before, doc, bom, batch, undo_of, owned)
                if result is not None:
                    return result
                self._docs.pop(path, None)  # a person saved while memd wrote: their save stays; re-plan
            return WriteResult("deferred", path, op.name, "the file kept changing; try again later")

    def _commit(self, op: Operation, source: Source, plan: Plan, path: str, before: bytes | None,
                doc: MemoryDoc | None, bom: bool, batch: str | None, undo_of: int | None,
                owned: Counter) -> WriteResult | None:
        """Journal, write, commit. None if a person saved the file meanwhile (re-plan)."""
        hash_before = sha256(before) if before is not None else None
        data: bytes | None
        new_text: str | None = None
        if plan.status == "create":
            assert plan.content is not None
            new_text = plan.content
            data = encode(plan.content, False)
            change: dict[str, Any] = {"created": True, "content": plan.content}
            added, removed = split_lines(plan.content)[0], []
        elif plan.status == "delete":
            assert doc is not None
            data = None
            change = {"deleted": True, "content": doc.render()}
            added, removed = [], list(doc.lines)
        else:
            assert doc is not None
            new_text, hunks = render_new_text(doc, plan)
            data = encode(new_text, bom)
            removed = [l for h in hunks for l in h.old]
            added = [l for h in hunks for l in h.new]
            change = {"hunks": [h.to_json() for h in hunks]}
            # Removed lines memd did not own were the user's (granted in review): an undo must
            # give them back as the user's, not as memd's.
            hand = _not_owned(removed, owned)
            if hand:
                change["hand"] = hand
        owned_added = _minus(added, plan.unowned)
        hash_after = sha256(data) if data is not None else None  # once: the journal and the result
        entry = self.state.begin(
            op=op.name, args=op.args(), path=path, source=source, change=change,
            hash_before=hash_before, hash_after=hash_after,
            added=owned_added, removed=removed, entity=op.entity, key=op.key, batch=batch, undo_of=undo_of,
        )
        try:
            st = None
            if data is None:
                remove_file(self._abs(path), fsync=self.fsync, expected=before)
                self._own.pop(path, None)
            else:
                st = self._replace(path, data, before)
        except HandSave as exc:
            self.state.fail(entry)
            if exc.busy:
                return WriteResult("deferred", path, op.name, "the file is open in an editor; try again later")
            return None
        except OSError as exc:
            self.state.fail(entry)
            raise VaultError(f"cannot write {path}: {exc.strerror}") from None
        except BaseException:
            self.state.fail(entry)
            raise
        self.state.commit(entry)
        self._docs.pop(path, None)
        if st is not None and data is not None and new_text is not None:
            # What memd just wrote is what the next write to this file starts from (an import
            # sets many facts on one user.md): parsed here, it is not read and parsed again.
            self._remember(path, (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino), data,
                           MemoryDoc.parse(new_text), bom if plan.status != "create" else False)
        if data is None:
            self.state.forget_file(path)
        self.on_written(path)
        return WriteResult("applied", path, op.name, plan.reason, journal_id=entry, hash_after=hash_after)

    def recover(self) -> list[dict[str, Any]]:
        """Settle journal entries left `pending` by a crash between journal and file write.

        Under the write lock: a live writer holds it from `begin` to `commit`, so an entry still
        pending once we hold the lock belongs to a process that died.
        """
        if not self.state.pending():
            return []
        with self._locked():
            return self._settle_pending()

    def _settle_pending(self) -> list[dict[str, Any]]:
        settled = []
        for entry in self.state.pending():
            try:
                data = self._abs(entry["path"]).read_bytes()
                current = sha256(data)
            except FileNotFoundError:
                current = None
            except OSError:
                continue  # cannot tell yet; try again next time
            if current == entry["hash_after"]:
                self.state.commit(entry["id"])
                entry["status"] = "applied"
            else:
                self.state.fail(entry["id"])
                entry["status"] = "failed"
            settled.append(entry)
        return settled

    def _park(self, op: Operation, source: Source, plan: Plan, path: str) -> WriteResult:
        if op.name == "undo":
            return WriteResult("conflict", path, op.name, plan.reason)
        review_id, _ = self.state.park(
            path=path, op=op.name, args=op.args(), source=source, reason=plan.reason,
            current=plan.current, proposed=plan.proposed, entity=op.entity, key=op.key,
        )
        return WriteResult("review", path, op.name, plan.reason, review_id=review_id)

    def write_whole(self, rel: str, content: str, *, expected_hash: str | None, source: Source,
                    op_name: str = "write_note", index: bool = True) -> WriteResult:
        """Create or replace a file memd owns as a whole (a transcript note).

        Replaces only when the file still holds exactly what memd last wrote (`expected_hash`);
        a file the user has edited is left alone and reported as a conflict. `index=False`: the
        caller indexes a batch of such notes itself (an import does, many at a time).
        """
        path = safe_relpath(rel)
        data = content.encode("utf-8")
        with self._locked():
            for _ in range(MAX_CAS_ATTEMPTS):
                if not self._wait_settled(path):
                    return WriteResult("deferred", path, op_name, "the file is being edited; try again later")
                before = self._read(path)
                if before == data:
                    return WriteResult("noop", path, op_name, "unchanged", hash_after=sha256(data))
                hash_before = sha256(before) if before is not None else None  # each side hashed once
                if before is not None and hash_before != expected_hash:
                    return WriteResult("conflict", path, op_name, "the note was edited by hand; kept as it is")
                if self._read(path) != before:
                    continue
                hash_after = sha256(data)
                journal_id = self.state.begin(
                    op=op_name, args={"path": path, "bytes": len(data)}, path=path, source=source,
                    change={"file": True, "created": before is None}, hash_before=hash_before if before else None,
                    hash_after=hash_after, added=[], removed=[],
                )
                try:
                    self._replace(path, data, before)
                except HandSave as exc:
                    self.state.fail(journal_id)
                    if exc.busy:
                        return WriteResult("deferred", path, op_name, "the file is open in an editor; try again later")
                    continue  # re-check against what the person saved
                except BaseException as exc:
                    self.state.fail(journal_id)
                    if isinstance(exc, OSError):
                        raise VaultError(f"cannot write {path}: {exc.strerror}") from None
                    raise
                self.state.commit(journal_id)
                if index:
                    self.on_written(path)
                return WriteResult("applied", path, op_name, "written", journal_id=journal_id, hash_after=hash_after)
            return WriteResult("deferred", path, op_name, "the file kept changing; try again later")
