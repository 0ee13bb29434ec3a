"""The journal side of a Memd: its log, undo, why a line is there, and the review queue.

A mixin of memd.app.Memd (kept apart so app.py stays about reading and writing memory); it uses
the app's state, writer, config and find_entity.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from memd.config import Config
from memd.errors import ConflictError, NotFoundError, VaultError
from memd.state import Source, StateDB, added_lines, line_hash
from memd.vault.memfile import MemoryDoc, normalize_key
from memd.vault.operations import CreateFile, Operation, RevertHunks, operation_from_args
from memd.vault.writer import VaultWriter, WriteResult, decode


class HistoryMixin:
    # Provided by memd.app.Memd.
    config: Config
    state: StateDB
    writer: VaultWriter
    find_entity: Callable[[str | None], Any]

    # -- journal, undo, why --------------------------------------------------------------------
    def log(self, *, entity: str | None = None, since: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        path = None
        if entity is not None:
            ref = self.find_entity(entity)
            if ref is None:
                raise NotFoundError(f"no entity called {entity!r}")
            path = ref.path
        return self.state.journal(path=path, since=since, limit=limit)

    def undo(self, entry_id: int) -> WriteResult:
        entry = self.state.journal_entry(entry_id)
        if entry is None:
            raise NotFoundError(f"no journal entry #{entry_id}")
        if entry["status"] == "undone":
            raise ConflictError(f"#{entry_id} is already undone")
        if entry["status"] != "applied":
            raise ConflictError(f"#{entry_id} never took effect (its write was interrupted); there is nothing to undo")
        change = entry["change"]
        if change.get("file"):
            raise ConflictError(f"#{entry_id} wrote a whole note ({entry['path']}); delete or edit the note instead")
        if entry["op"] == "undo":
            raise ConflictError(f"#{entry_id} is itself an undo; apply the original again instead")
        if entry["op"] == "removed_by_edit":
            raise ConflictError(f"#{entry_id} records memd lines a hand edit removed; memd wrote nothing to undo"
                                " (set the fact again to bring it back)")
        if change.get("created"):
            current = self._read_text(entry["path"])
            if current is None:
                raise ConflictError(f"cannot undo #{entry_id}: {entry['path']} no longer exists")
            if current != change["content"]:
                later = [e for e in self.state.later_entries(entry["path"], entry_id) if e["undo_of"] is None]
                if later:
                    raise ConflictError(f"cannot undo #{entry_id}: later operations changed {entry['path']}"
                                        f" (undo #{later[-1]['id']} first)")
                raise ConflictError(f"cannot undo #{entry_id}: {entry['path']} has been edited by hand since")
            # The check above is repeated by the plan under the write lock (compare-and-swap).
            op: Operation = RevertHunks(entry["path"], [], undo_of=entry_id, created_file=True,
                                        expected_content=change["content"])
        elif change.get("deleted"):
            op = CreateFile(entry["path"], change["content"])
        else:
            op = RevertHunks(entry["path"], change["hunks"], undo_of=entry_id, hand_lines=change.get("hand", []))
        result = self.writer.apply(op, Source("undo", ref=str(entry_id)), undo_of=entry_id)
        if result.status == "conflict":
            raise ConflictError(f"cannot undo #{entry_id}: {result.reason}")
        if result.status != "applied":
            raise ConflictError(f"cannot undo #{entry_id}: {result.reason or result.status}")
        self.state.reopen_review(entry_id)  # an accepted review item it applied is pending again
        return result

    def _read_text(self, path: str) -> str | None:
        try:
            return decode((self.config.vault / path).read_bytes())[0]
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise VaultError(f"cannot read {path}: {exc.strerror}") from None

    def why(self, entity: str | None, key: str | None = None) -> dict[str, Any]:
        """For each current fact line: which journal entry (and source) wrote it, or 'by hand'."""
        ref = self.find_entity(entity)
        if ref is None:
            raise NotFoundError(f"no entity called {entity!r}")
        text = self._read_text(ref.path)
        if text is None:
            raise NotFoundError(f"{ref.path} does not exist")
        doc = MemoryDoc.parse(text)
        want = normalize_key(key) if key else None
        entries = self.state.journal(path=ref.path, limit=100000)
        owned = self.state.owned_counts(ref.path)
        # Which applied entry last wrote each line: one pass over the journal (newest first),
        # not one per fact line (that was quadratic in a long-lived user.md's history).
        wrote: dict[str, dict[str, Any]] = {}
        for e in entries:
            if e["status"] != "applied":
                continue
            for l in added_lines(e["change"]):
                wrote.setdefault(l, e)
        lines = []
        for f in doc.facts:
            if want and f.norm_key != want:
                continue
            line = doc.lines[f.index]
            writer = wrote.get(line) if owned.get(line_hash(line), 0) > 0 else None
            lines.append({
                "line": f.index + 1, "key": f.key, "value": f.value, "section": f.section, "text": line,
                "written_by": "memd" if writer else "hand",
                "journal_id": writer["id"] if writer else None,
                "ts": writer["ts"] if writer else None,
                "op": writer["op"] if writer else None,
                "source": writer["source"] if writer else None,
            })
        if want and not lines:
            raise NotFoundError(f"{ref.name} has no {want}")
        history = [e for e in entries if not want or e["key"] == want]
        return {"entity": ref.name, "path": ref.path, "facts": lines, "history": history[:20]}

    # -- review --------------------------------------------------------------------------------
    def review_list(self, status: str | None = "pending") -> list[dict[str, Any]]:
        return self.state.review_items(status)

    def review_resolve(self, item_id: int, decision: str, value: str | None = None) -> dict[str, Any]:
        """Accept or reject review item `item_id`; `value`: accept this value instead of the
        proposed one (memd/review_edit.py)."""
        item = self.state.review_item(item_id)
        if item is None:
            raise NotFoundError(f"no review item #{item_id}")
        if item["status"] != "pending":
            raise ConflictError(f"review item #{item_id} is already {item['status']}")
        if decision == "reject":
            self.state.resolve_review(item_id, "rejected")
            return {"id": item_id, "status": "rejected"}
        if decision != "accept":
            raise VaultError(f"unknown decision {decision!r}; use accept or reject")
        op = operation_from_args(item["op"], item["args"])
        source = Source.from_json(item["source"])
        source = Source("review", ref=str(item_id), detail=source.detail, link=source.link)
        if value is not None:
            from memd.review_edit import edited_operation

            op = edited_operation(self, op, value, source)
        # Accepting lets memd replace exactly the lines the item showed — nothing the user has
        # written or changed since. If those lines are gone, the item is stale.
        granted = Counter(line_hash(l) for l in item["granted"])
        self.state.resolve_review(item_id, "stale")
        try:
            result = self.writer.apply(op, source, granted=granted)
        except BaseException:
            self.state.resolve_review(item_id, "pending")  # an I/O error must not lose the item
            raise
        if result.status == "review":
            raise ConflictError(f"review item #{item_id} is out of date: the file changed since it was queued"
                                f" (see #{result.review_id})")
        if result.status not in ("applied", "noop"):
            self.state.resolve_review(item_id, "pending")
            raise ConflictError(f"cannot apply review item #{item_id}: {result.reason or result.status}")
        self.state.resolve_review(item_id, "accepted", result.journal_id)
        return {"id": item_id, "status": "accepted", "result": result.to_json()}
