"""The application: one vault's writer, index and state, and the operations on its memory.

Everything that reads or changes memory goes through a Memd object, whether the call comes from
the CLI in-process, from the daemon's socket, from the extraction loop or from an importer. The
functions in memd/api.py expose these methods under the socket's method names.
"""

from __future__ import annotations

import threading
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from memd.app_history import HistoryMixin
from memd.config import Config, load_config
from memd.crash_cleanup import catch_up_index, remove_stale_temps
from memd.errors import NotFoundError, VaultError
from memd.extract.privacy import secret_kinds
from memd.index.index import Index, ScanReport
from memd.private_state import secure_state
from memd.state import Source, StateDB
from memd.vault import provenance
from memd.vault.links import RANK_TITLE, name_key, parse_links
from memd.vault.memfile import MemoryDoc, fact_line, normalize_key
from memd.vault.operations import (
    ENTITY_RELATIONS, EVENTS, USER_RELATIONS, USER_TITLE, AddEvent, AddRelation, CreateFile, RemoveFact, SetFact,
)
from memd.vault.slugs import unique_slug
from memd.vault.review_note_format import review_note_path
from memd.vault.writer import VaultWriter, WriteResult

USER_NAMES = {"user", "me", "myself", "i", "self"}
# Relations a person has one of at a time: a new value replaces the old one (the journal keeps
# it). Everything else (friend, colleague, child...) accumulates.
EXCLUSIVE_RELATIONS = {"mother", "father", "spouse", "husband", "wife", "partner", "boyfriend", "girlfriend",
                       "fiance", "fiancee", "employer", "company", "manager", "landlord"}


def fold(name: str) -> str:
    """Two entity names are the same entity when they fold equal (case, accents, spacing)."""
    text = unicodedata.normalize("NFKD", name)
    return name_key("".join(ch for ch in text if not unicodedata.combining(ch)))


@dataclass
class EntityRef:
    path: str  # vault-relative
    name: str  # display name (the file's `# Title`)
    is_user: bool = False


class Memd(HistoryMixin):
    """One vault's memory. Journal, undo, why and review live in memd/app_history.py."""

    def __init__(self, config: Config):
        self.config = config
        self.review_note_path = review_note_path(config)
        secure_state(config.state_dir)  # 0700, databases 0600: they hold whole transcripts
        self.state = StateDB(config.state_db)
        # The review note is memd's view of the review queue, not memory: never indexed, never
        # read for facts or entities (the watcher still reports its saves: they are answers).
        self.index = Index(config, on_memory_note=self._prune_owned,
                           skip=(self.review_note_path,) if self.review_note_path else ())
        self.writer = VaultWriter(
            config.vault,
            self.state,
            lock_path=config.state_dir / "write.lock",
            settle_seconds=config.writer.settle_seconds,
            fsync=config.writer.fsync,
            resolve=lambda target, source: self.index.resolve(target, source),
            on_written=self._after_write,
            provenance=config.memory.provenance_links,
        )
        self._memory_scanned = False
        # Set to stop a running import between two conversations (the daemon does at shutdown).
        self.import_cancel = threading.Event()
        self.writer.recover()  # settle operations a crash left half-journaled
        # ... and remove the temp files such a crash left (only memd's, only stale, only unlocked).
        remove_stale_temps(config.vault, [config.memory.dir, config.memory.sources_dir], config.state_dir / "write.lock")
        self._imports_indexed = False  # see _catch_up_imports
        self._catch_up_lock = threading.Lock()
        self.memory_dir = config.memory.dir.strip("/")
        self.user_path = f"{self.memory_dir}/{config.memory.user_file}"
        self.entities_dir = f"{self.memory_dir}/{config.memory.entities_dir}"

    @classmethod
    def open(cls, config_path: str | Path | None = None) -> "Memd":
        return cls(load_config(config_path))

    def close(self) -> None:
        self.index.close()
        self.state.close()

    def __enter__(self) -> "Memd":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prune_owned(self, path: str, text: str) -> None:
        """After the index saw a memory file change: forget ownership of memd lines the user
        removed. Under the write lock, on the file as it is now — never on a read that a memd
        write has overtaken (that would drop ownership of lines memd just wrote)."""
        with self.writer.locked():
            self.writer.prune_file(path)  # reads it once no editor is writing it; journals what a hand edit removed

    def _after_write(self, path: str) -> None:
        # Index memd's own write at once: the watcher then finds the hash already indexed.
        self.index.index_paths([path])

    def ensure_memory_indexed(self) -> None:
        """Entity lookup reads the index; make sure the memory folder is current (cheap: stat only)."""
        if not self._memory_scanned:
            if (self.config.vault / self.memory_dir).is_dir():
                self.index.scan(prefix=self.memory_dir)
            self._memory_scanned = True

    # -- entities ------------------------------------------------------------------------------
    def find_entity(self, name: str | None) -> EntityRef | None:
        if name is None or name.strip().lower() in USER_NAMES:
            return EntityRef(self.user_path, "user", True)
        name = name.strip()
        self.ensure_memory_indexed()
        if name.endswith(".md") or "/" in name:
            path = self.index.resolve(name, self.user_path)
            if path and path.startswith(self.memory_dir + "/"):
                return self._ref(path)
        want = fold(name)
        as_file = "_" in name or name.endswith(".md")  # written as a file name: jane_doe
        best: tuple[int, str] | None = None
        names = self.index.names()
        found: list[tuple[str, int]] = []
        with self.index.db.lock:  # the indexer thread changes the name table while a scan runs
            for key in {name_key(name), name_key(name.replace(" ", "_"))}:
                found += list(names.candidates(key).items())
        for path, rank in found:
            if not (path.startswith(self.memory_dir + "/") and path.endswith(".md")):
                continue
            if rank < RANK_TITLE and not as_file:
                # A file-name match only counts when the file's title agrees: "C" is not c.md
                # if that file is "# C++".
                note = self.index.note(path)
                if note and fold(note["title"]) != want and fold(Path(path).stem) != fold(note["title"]):
                    continue
            if best is None or (rank, path) < best:
                best = (rank, path)
        if best:
            return self._ref(best[1])
        # Accent-insensitive match on titles ("Jose" finds "# José").
        for note in self.index.memory_notes():
            if fold(note["title"]) == want or any(fold(a) == want for a in note["aliases"]):
                return self._ref(note["path"])
        return None

    def _ref(self, path: str) -> EntityRef:
        if path == self.user_path:
            return EntityRef(path, "user", True)
        note = self.index.note(path)
        return EntityRef(path, note["title"] if note else Path(path).stem)

    def _slug_taken(self, name: str) -> Callable[[str], bool]:
        want = fold(name)

        def taken(slug: str) -> bool:
            path = f"{self.entities_dir}/{slug}.md"
            if not (self.config.vault / path).exists():
                return False
            note = self.index.note(path)
            title = note["title"] if note else slug
            return fold(title) != want

        return taken

    def ensure_entity(self, name: str, source: Source, *, batch: str | None = None,
                      facts: list[tuple[str, str]] | None = None,
                      linked: bool = True) -> tuple[EntityRef, WriteResult | None]:
        """The entity called `name`, created (with `facts`) when memory has no such entity yet.
        `linked`: the caller links the new file from another (a relation's subject)."""
        found = self.find_entity(name)
        if found:
            return found, None
        clean = " ".join(name.split())
        slug = unique_slug(clean, self._slug_taken(clean))
        path = f"{self.entities_dir}/{slug}.md"
        link = provenance.compact(source.link) if self.config.memory.provenance_links else None
        body = [f"# {clean}"] + [provenance.with_link(fact_line(normalize_key(k), v), link)
                                 for k, v in (facts or []) if normalize_key(k) and v.strip()]
        if not linked and link is None:
            # No relation links it and no source turn will be linked from its lines: without this
            # line the file would be an orphan in Obsidian's graph. It says who told memd.
            body.append(fact_line("mentioned_by", f"[[{self.config.memory.user_file}]]"))
        result = self.writer.apply(CreateFile(path, "\n".join(body) + "\n", clean), source, batch=batch)
        return EntityRef(path, clean), result

    # -- memory operations ---------------------------------------------------------------------
    def _refuse_secrets(self, *texts: str | None) -> None:
        """[privacy] redact_secrets: nothing shaped like a secret goes into memory, whoever asks.
        The extraction loop redacts turns before it decides; this is `fact set`, the socket and
        MCP. A ValueError: the loop drops the item, `fact.set` answers one clear line."""
        if self.config.privacy.redact_secrets:
            kinds = secret_kinds(*texts)
            if kinds:
                raise ValueError(f"refused: this looks like a secret ({kinds[0]}), and memd does not store"
                                 " secrets ([privacy] redact_secrets)")

    def _subject(self, entity: str | None, source: Source, batch: str | None) -> tuple[EntityRef, list[WriteResult]]:
        ref = self.find_entity(entity)
        if ref is not None:
            return ref, []
        ref, created = self.ensure_entity(entity or "", source, batch=batch, linked=False)
        return ref, [created] if created else []

    def set_fact(self, entity: str | None, key: str, value: str, source: Source, *, multi: bool = False,
                 section: str | None = None, batch: str | None = None) -> list[WriteResult]:
        self._refuse_secrets(entity, key, value, f"{key.replace('_', ' ')}: {value}")  # `pin` `1234` too
        batch = batch or _batch()
        ref, results = self._subject(entity, source, batch)
        op = SetFact(ref.path, key, value, section=section, multi=multi, entity_name=ref.name,
                     title=USER_TITLE if ref.is_user else ref.name)
        return results + [self.writer.apply(op, source, batch=batch)]

    def add_relation(self, subject: str | None, relation: str, target: str, source: Source, *,
                     exclusive: bool | None = None, batch: str | None = None) -> list[WriteResult]:
        """`- relation: [[entities/<target>.md]]` in the subject's file; the target entity is
        created if needed and learns how it relates (`- relationship: mother`)."""
        self._refuse_secrets(subject, relation, target)
        batch = batch or _batch()
        subj, results = self._subject(subject, source, batch)
        rel_key = normalize_key(relation)
        tgt, created = self.ensure_entity(target, source, batch=batch,
                                          facts=[("relationship", relation)] if subj.is_user else None)
        if created:
            results.append(created)
        if tgt.path == subj.path:
            raise VaultError(f"{target!r} is the subject itself; a relation needs two entities")
        # Links in memory files are relative to the memory folder: [[entities/<slug>.md]].
        link = f"[[{tgt.path[len(self.memory_dir) + 1:]}]]"
        op = AddRelation(
            subj.path, rel_key, tgt.path, link,
            exclusive=rel_key in EXCLUSIVE_RELATIONS if exclusive is None else exclusive,
            section=USER_RELATIONS if subj.is_user else ENTITY_RELATIONS,
            entity_name=subj.name, title=USER_TITLE if subj.is_user else subj.name,
        )
        results.append(self.writer.apply(op, source, batch=batch))
        if subj.is_user and not created:
            results.append(self.writer.apply(
                SetFact(tgt.path, "relationship", relation, entity_name=tgt.name), source, batch=batch))
        return results

    def add_event(self, entity: str | None, date: str, text: str, source: Source, *,
                  batch: str | None = None) -> list[WriteResult]:
        self._refuse_secrets(entity, text)
        batch = batch or _batch()
        ref, results = self._subject(entity, source, batch)
        op = AddEvent(ref.path, date, text, section=EVENTS, entity_name=ref.name,
                      title=USER_TITLE if ref.is_user else ref.name)
        return results + [self.writer.apply(op, source, batch=batch)]

    def remove_fact(self, entity: str | None, key: str, value: str | None, source: Source, *,
                    batch: str | None = None) -> list[WriteResult]:
        ref = self.find_entity(entity)
        if ref is None:
            return [WriteResult("noop", "", "remove_fact", f"no entity {entity!r}")]
        # A value that names an entity matches the lines that link to that entity's own file
        # ("Tom" is [[entities/tom.md]]; "Jo Ann" is jo_ann_2.md when jo_ann.md is Jo-Ann's).
        named = self.find_entity(value) if value and value.strip() else None
        link_file = named.path.rsplit("/", 1)[-1] if named is not None and not named.is_user else None
        return [self.writer.apply(RemoveFact(ref.path, key, value, entity_name=ref.name, link_file=link_file),
                                  source, batch=batch)]

    # -- reading -------------------------------------------------------------------------------
    def search(self, query: str, *, limit: int = 10, kind: str | None = None,
               path_prefix: str | None = None, group: bool = False, expand: bool = False) -> list[dict[str, Any]]:
        """`expand`: read the query as a person means it (memd.query.expand): "my sister" adds her
        name, an alias adds its entity's title, "in May 2023" favours turns from then."""
        self._catch_up_imports()
        period = None
        if expand:
            from memd.query.expand import expand as expand_query

            e = expand_query(self, query)
            query, period = e.text, e.period
        return self.index.search(query, limit=limit, kind=kind, path_prefix=path_prefix, group=group, period=period)

    def _catch_up_imports(self) -> None:
        """Before the first search: index the transcripts an interrupted import left unindexed
        (memd.crash_cleanup); again at the next search if an import was running."""
        if self._imports_indexed:
            return
        with self._catch_up_lock:
            if not self._imports_indexed:
                self._imports_indexed = catch_up_index(self.state, self.index,
                                                       self.config.state_dir / "import.lock") >= 0

    def get_entity(self, name: str | None) -> dict[str, Any]:
        ref = self.find_entity(name)
        if ref is None:
            raise NotFoundError(f"no entity called {name!r}", hint="`memd search` finds notes by any word")
        text = self._read_text(ref.path)
        if text is None:
            raise NotFoundError(f"{ref.path} does not exist")
        doc = MemoryDoc.parse(text)
        facts, relations = [], []
        for f in doc.facts:
            block = doc.lines[f.index:f.end]
            block = [provenance.strip(block[0])] + block[1:]  # the source link is not a relation
            targets = [self.index.resolve(l.target, ref.path) for l in parse_links("\n".join(block))]
            item = {"key": f.key, "value": f.value, "section": f.section, "line": f.index + 1}
            if f.end - f.index > 1:
                item["nested"] = [l.strip() for l in block[1:]]
            if targets:
                item["targets"] = targets
                relations.append(item)
            else:
                facts.append(item)
        return {
            "name": doc.title or ref.name, "path": ref.path, "is_user": ref.is_user,
            "facts": facts, "relations": relations,
            "backlinks": self.index.backlinks(ref.path), "text": text,
        }

    def status(self) -> dict[str, Any]:
        return {
            "vault": str(self.config.vault),
            "config": str(self.config.path) if self.config.path else None,
            "state_dir": str(self.config.state_dir),
            "memory_dir": self.memory_dir,
            "backend": self.config.extract.backend,
            "index": self.index.stats(),
            "journal": self.state.counts()["journal"],
            "review": self.state.review_counts(),
        }

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> ScanReport:
        """Empty the rebuildable index and build it again (the state database is untouched)."""
        self.index.reset()
        return self.index.scan(progress=progress)


def _batch() -> str:
    return uuid.uuid4().hex[:12]


def result_summary(results: list[WriteResult]) -> dict[str, Any]:
    """Counts by status plus every result, for CLI and socket output."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {"counts": counts, "results": [r.to_json() for r in results]}

