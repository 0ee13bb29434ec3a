"""memd never loses or alters a line the user wrote by hand.

A hypothesis state machine interleaves what a user does to the memory files in Obsidian (insert,
append, modify, delete lines anywhere — under frontmatter, inside sections, in memd's own lines —
add odd frontmatter, switch to CRLF, drop the final newline, add a BOM, type a line identical to
one memd wrote) with memd operations through the real Memd app (set_fact, add_relation,
add_event, remove_fact, undo of random journal entries, review accept/reject).

The model keeps, per file, the multiset of hand-written lines still expected on disk (`hand`).
Identical lines cannot be told apart, so every check is on multisets of line texts. After every
memd call it checks, independently of memd's planner:

* each journal entry describes exactly what changed: replaying its hunks on the previous
  content (the lines they name as removed really were there) reproduces the new file, every
  line outside the hunks keeps its bytes and its line ending, the hash chain holds, and files
  without an entry are byte-identical;
* no edit lands inside (or above) a frontmatter block;
* memd removed only copies of lines it owned (forced review accepts: only lines the review
  item showed the user);
* every hand-written line is still there, and memd's ownership never covers a hand line
  (hand[t] + min(owned[t], present[t]) <= present[t]) — so no later operation can take it;
* no temp file is left, and every file parses and renders back to its exact text.

Bugs this file found are fixed; their regression tests are at the bottom. KNOWN_BUGS gates the
random walk away from a newly found bug until it is fixed (empty when there is none).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import note as hypothesis_note
from hypothesis.errors import InvalidArgument
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)

from memd.app import Memd
from memd.config import config_from_dict
from memd.errors import ConflictError, MemdError
from memd.state import Source, line_hash
from memd.vault.memfile import MemoryDoc
from memd.vault.operations import PlanContext, RemoveFact, RevertHunks, operation_from_args
from memd.vault.writer import decode

SRC = Source("test")
BOM = b"\xef\xbb\xbf"
TEMP_RE = re.compile(r"^\..+\.memd-.+\.tmp$")
NEW = object()  # a line memd wrote in this operation: its ending is memd's choice
STATS: Counter = Counter()  # what the random walk exercised (printed with -s)


def tally(what: str) -> None:
    STATS[what] += 1
    try:
        event(what)
    except InvalidArgument:  # used outside hypothesis by the example tests
        pass


def note(text: str) -> None:
    try:
        hypothesis_note(text)
    except InvalidArgument:
        pass

# A newly found bug goes here (with a strict xfail test below) so the random walk steers clear of
# it until it is fixed; delete its name then.
KNOWN_BUGS: set[str] = set()


# -- byte-level helpers (an independent reading of "a line": split on \n, \r\n kept whole) -----

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_segments(data: bytes) -> tuple[bool, list[tuple[str, str]]]:
    bom = data.startswith(BOM)
    text = (data[3:] if bom else data).decode("utf-8", "surrogateescape")
    segs: list[tuple[str, str]] = []
    if text:
        parts = text.split("\n")
        for p in parts[:-1]:
            segs.append((p[:-1], "\r\n") if p.endswith("\r") else (p, "\n"))
        if parts[-1]:
            segs.append((parts[-1], ""))
    return bom, segs


def join_segments(bom: bool, segs: list[tuple[str, str]]) -> bytes:
    return (BOM if bom else b"") + "".join(t + e for t, e in segs).encode("utf-8", "surrogateescape")


def fm_end(texts: list[str]) -> int:
    """Frontmatter: `---` on the first line, closed by the next `---` or `...` line."""
    if not texts or texts[0].rstrip() != "---":
        return 0
    for i in range(1, len(texts)):
        if texts[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def nonblank(lines) -> Counter:
    return Counter(t for t in lines if t.strip())


def present_of(data: bytes | None) -> Counter:
    return Counter() if data is None else nonblank(t for t, _ in split_segments(data)[1])


def apply_hunks(pattern: list[tuple[str, Any]], hunks: list[dict], where: str) -> list[tuple[str, Any]]:
    """The expected lines after an edit: the journal's hunks replayed on the previous content."""
    texts = [t for t, _ in pattern]
    fm = fm_end(texts)
    out = list(pattern)
    for h in sorted(hunks, key=lambda h: h["start"], reverse=True):
        s, old, new = h["start"], h["old"], h["new"]
        assert texts[s:s + len(old)] == old, f"{where}: journal says it replaced {old!r} at {s}, file had {texts[s:s + len(old)]!r}"
        assert h["before"] == (texts[s - 1] if s > 0 else None), f"{where}: wrong undo anchor in {h!r}"
        if fm:
            assert s >= fm, f"{where}: edit at line {s} is inside the frontmatter (ends at {fm})"
        out[s:s + len(old)] = [(t, NEW) for t in new]
    return out


def assert_matches(pattern: list[tuple[str, Any]], bom: bool, data: bytes, where: str) -> None:
    """Every untouched line keeps its text and its ending; memd's lines end with \\n or \\r\\n."""
    got_bom, segs = split_segments(data)
    assert got_bom == bom, f"{where}: byte order mark {'dropped' if bom else 'added'}"
    assert [t for t, _ in segs] == [t for t, _ in pattern], f"{where}: lines differ from the journal's account"
    n = len(segs)
    for i, ((t, spec), (_, end)) in enumerate(zip(pattern, segs)):
        last = i == n - 1
        if spec is NEW:
            ok = end in (("\n", "\r\n", "") if last else ("\n", "\r\n"))
        elif spec == "":  # the old last line without a newline: it gets one only if a line follows
            ok = end == "" if last else end in ("\n", "\r\n")
        else:
            ok = end == spec
        assert ok, f"{where}: line {i + 1} {t!r} ending changed to {end!r} (expected {spec if spec is not NEW else 'newline'!r})"


# -- what a user types ------------------------------------------------------------------------

MEMD_LIKE = [  # lines identical to what memd writes for the operations below
    "- likes: jazz", "- city: Paris", "- pet: cat", "- job: data engineer", "- city: Zürich 🇨🇭",
    "- mother: [[entities/jane_doe.md]]", "- employer: [[entities/acme_corp.md]]", "- relationship: mother",
    "- 2024-01-05: moved to Berlin", "## Events", "## User Relationships", "# User Information", "# Jane Doe",
]
HAND_ONLY = [
    "- ville: Zürich 🇨🇭", "- שם: דוד כהן", "- note: مرحبا بالعالم", "- family: 👩\u200d👩\u200d👧\u200d👦",
    "- likes: hiking, jazz", "* city: Lyon", "- City: Paris", "- city:  Paris ", "- city:Paris", "- pet: cat ",
    "  - nested under the line above", "\t- tabbed continuation", "## Notes", "### Deep heading",
    "Some prose with a [[link]] and #tag.", "> a quote", "| a | b |", "- [ ] a task", "- https://x.y: url-like",
    "```", "~~~", "---", "...", "<!-- comment -->", "%%obsidian comment%%", "- key with no value:",
    "\u200f- rtl mark line", "nbsp\u00a0line", "- likes: jazz  ", "- mother: [[Jane Doe|Mum]]",
    "- caf\udce9: a latin-1 byte, not UTF-8", "\udcff\udcfe stray bytes",  # written as raw bytes
]
RANDOM_TEXT = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), min_size=1, max_size=24)
HAND_LINE = st.one_of(
    st.sampled_from(MEMD_LIKE), st.sampled_from(HAND_ONLY), RANDOM_TEXT,
    st.builds(lambda k, v: f"- {k}: {v}", st.sampled_from(["city", "likes", "pet", "job"]),
              st.sampled_from(["Paris", "Lyon", "jazz", "dogs", "Zürich 🇨🇭", "תל אביב", "nurse"])),
    st.builds(lambda k, v: f"- {k}: {v}", st.sampled_from(["city", "likes", "pet", "job", "mother", "2024-01-05"]), RANDOM_TEXT),
)
FRONTMATTERS = [
    ["---", "tags: [a, b]", "aliases:", "  - Jim", "---"],
    ["---", "title: 'x: y'", "weird: |", "  multi", "  line", "..."],
    ["---", "- not a mapping", "---"],
    ["---", 'key: "quoted # not a comment"', "date: 2024-01-01", "empty:", "---"],
    ["---", "created: {{date}}", "bad: [unclosed", "---"],
    ["---", "emoji: 🎉", "rtl: עברית", "---"],
    ["---", "---"],
    ["--- ", "trailing: spaces after the fences", "---  "],
    ["---", "- likes: jazz", "---"],
    ["---", "a: 1", "b: 2", "c: 3", "d: 4", "e: 5", "f: 6", "---"],
]

ENTITY = st.sampled_from([None, None, "Jane Doe", "Acme Corp", "José Núñez"])
KEY = st.sampled_from(["city", "likes", "pet", "job", "ville"])
VALUE = st.sampled_from(["Paris", "Berlin", "jazz", "hiking", "cat", "data engineer", "Zürich 🇨🇭", "תל אביב"])
RELATION = st.sampled_from(["mother", "friend", "employer", "colleague"])
TARGET = st.sampled_from(["Jane Doe", "Acme Corp", "Bob Stone", "José Núñez"])
DATE = st.sampled_from(["2024-01-05", "2023-12-31", "2024-06", "2025", "2024-01-05"])
EVENT_TEXT = st.sampled_from(["moved to Berlin", "started at Acme", "trip to Lisbon ✈️", "נסיעה לחיפה"])


def make_config(root: Path):
    vault = root / "vault"
    vault.mkdir(parents=True, exist_ok=True)
    return config_from_dict(
        {"vault": str(vault), "state_dir": str(root / "state"), "writer": {"settle_seconds": 0, "fsync": False}},
        root / "config.toml",
    )


class VaultMachine(RuleBasedStateMachine):
    base: Path = Path(tempfile.gettempdir())

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(dir=self.base))
        self.config = make_config(self.root)
        self.vault = self.config.vault
        self.app = Memd(self.config)
        self.hand: dict[str, Counter] = {}
        self.hand_removed: dict[int, tuple[str, Counter]] = {}  # journal id -> hand lines it removed (accepted)
        self.last_journal = 0
        self.edit_records: set[int] = set()  # removed_by_edit entries already checked

    def teardown(self) -> None:
        self.app.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @initialize(how=st.sampled_from(["empty", "hand", "memd"]), lines=st.lists(HAND_LINE, max_size=8),
                fm=st.none() | st.sampled_from(FRONTMATTERS), crlf=st.booleans(), final_nl=st.booleans())
    def start(self, how, lines, fm, crlf, final_nl):
        """An empty vault, a user.md written by hand, or one memd started."""
        if how == "hand":
            nl = "\r\n" if crlf else "\n"
            texts = (fm or []) + ["# User Information"] + lines
            segs = [(t, nl) for t in texts]
            if not final_nl:
                segs[-1] = (segs[-1][0], "")
            self.hand_write("memory/user.md", False, segs, [], texts, observe=True)
        elif how == "memd":
            for key, value in [("city", "Paris"), ("likes", "jazz"), ("job", "nurse")]:
                self.memd_call("set_fact", lambda: self.app.set_fact(None, key, value, SRC, multi=key == "likes"))
            self.memd_call("add_relation", lambda: self.app.add_relation(None, "mother", "Jane Doe", SRC))

    # -- reading the vault ----------------------------------------------------------------------
    def files(self) -> list[str]:
        mem = self.vault / "memory"
        if not mem.is_dir():
            return []
        return sorted(p.relative_to(self.vault).as_posix() for p in mem.rglob("*.md")
                      if not any(part.startswith(".") for part in p.relative_to(self.vault).parts))

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.vault / rel).read_bytes()
        except FileNotFoundError:
            return None

    def owned_by_text(self, rel: str, present: Counter) -> Counter:
        """memd's ownership as it will act on it: min(owned, present) per line text."""
        db = self.app.state.owned_counts(rel)
        return Counter({t: min(db.get(line_hash(t), 0), n) for t, n in present.items() if db.get(line_hash(t), 0)})

    def ctx(self, rel: str, force: bool = False) -> PlanContext:
        present = present_of(self.read(rel))
        owned = Counter({line_hash(t): n for t, n in self.owned_by_text(rel, present).items()})
        return PlanContext(owned, lambda target, source: self.app.index.resolve(target, source), force)

    # -- hand edits -----------------------------------------------------------------------------
    def hand_write(self, rel: str, bom: bool, segs: list[tuple[str, str]], removed: list[str], added: list[str],
                   observe: bool) -> None:
        db = self.app.state.owned_counts(rel)
        owned = {t: db.get(line_hash(t), 0) for t in removed + added}  # what memd believes before it looks again
        (self.vault / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.vault / rel).write_bytes(join_segments(bom, segs))  # in place, as an editor saves
        present = present_of(self.read(rel))
        hand = self.hand.setdefault(rel, Counter())
        plus = nonblank(added)
        for t in set(nonblank(removed)) | set(plus):
            # A removed copy could be memd's or the user's; expect the user's only where memd's
            # ownership cannot cover it (identical lines are indistinguishable).
            hand[t] = max(0, min(hand[t] + plus[t], present[t] - min(owned.get(t, 0), present[t])))
        note(f"hand edit {rel}: -{removed!r} +{added!r}")
        tally("hand edit")
        if observe:  # the watcher notices (the daemon re-indexes within seconds)
            files = {r: self.read(r) for r in self.files()}
            owned_db = {r: self.app.state.owned_counts(r) for r in files}
            top = max([e["id"] for e in self.app.state.journal(limit=1)], default=0)
            self.app.index.index_paths([rel])
            self.assert_pruned(rel, "after the watcher saw a hand edit")
            entries = [e for e in self.app.state.journal(limit=10 ** 9, newest_first=False) if e["id"] > top]
            assert all(e["op"] == "removed_by_edit" for e in entries), "the watcher made memd write"
            self.check_edit_records(entries, files, owned_db)

    def check_edit_records(self, entries: list[dict], files: dict, owned_db: dict) -> None:
        """`removed_by_edit` entries record memd lines a hand edit took away (they change no
        file): each names lines the file held fewer copies of than memd owned."""
        for e in entries:
            if e["op"] != "removed_by_edit" or e["id"] in self.edit_records:
                continue
            self.edit_records.add(e["id"])
            gone = Counter(e["args"]["lines"])
            present = present_of(files.get(e["path"]))
            owned = owned_db.get(e["path"], Counter())
            for t, k in gone.items():
                assert present[t] + k <= owned.get(line_hash(t), 0), f"#{e['id']} says {t!r} was removed by an edit"

    def assert_pruned(self, rel: str, when: str) -> None:
        """Once memd has looked at a file, it claims no more copies of a line than the file holds."""
        present = Counter({line_hash(t): n for t, n in present_of(self.read(rel)).items()})
        over = {h: n for h, n in self.app.state.owned_counts(rel).items() if n > present.get(h, 0)}
        assert not over, f"{rel}: memd still owns lines the user removed, {when}"

    def load(self, rel: str) -> tuple[bool, list[tuple[str, str]], str]:
        bom, segs = split_segments(self.read(rel) or b"")
        crlf = sum(1 for _, e in segs if e == "\r\n")
        return bom, segs, "\r\n" if crlf * 2 > len(segs) else "\n"

    @rule(data=st.data(), lines=st.lists(HAND_LINE, max_size=6), fm=st.none() | st.sampled_from(FRONTMATTERS),
          title=st.booleans(), crlf=st.booleans(), final_nl=st.booleans(), bom=st.booleans(), observe=st.booleans())
    def hand_create(self, data, lines, fm, title, crlf, final_nl, bom, observe):
        rel = data.draw(st.sampled_from(["memory/user.md", "memory/entities/jane_doe.md",
                                         "memory/entities/acme_corp.md", "memory/entities/notes.md"]))
        if self.read(rel) is not None:
            return
        nl = "\r\n" if crlf else "\n"
        texts = (fm or []) + (["# User Information" if rel.endswith("user.md") else "# Jane Doe"] if title else []) + lines
        segs = [(t, nl) for t in texts]
        if segs and not final_nl:
            segs[-1] = (segs[-1][0], "")
        self.hand_write(rel, bom, segs, [], texts, observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), text=HAND_LINE, observe=st.booleans())
    def hand_insert(self, data, text, observe):
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, nl = self.load(rel)
        at = data.draw(st.integers(0, len(segs)))
        if at == len(segs) and segs and segs[-1][1] == "":
            segs[-1] = (segs[-1][0], nl)  # typing on after the last line
            segs.append((text, ""))
        else:
            segs.insert(at, (text, nl))
        self.hand_write(rel, bom, segs, [], [text], observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), text=HAND_LINE, observe=st.booleans(), memd_line=st.booleans())
    def hand_modify(self, data, text, observe, memd_line):
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, _ = self.load(rel)
        owned = self.app.state.owned_counts(rel)
        choices = [i for i, (t, _) in enumerate(segs) if t.strip() and (not memd_line or owned.get(line_hash(t)))]
        if not choices:
            return
        i = data.draw(st.sampled_from(choices))
        old = segs[i][0]
        segs[i] = (text, segs[i][1])
        self.hand_write(rel, bom, segs, [old], [text], observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), value=st.sampled_from(["Lyon", "Paris", "jazz", "nurse", "Zürich 🇨🇭", "דוד", "🙂"]),
          observe=st.booleans())
    def hand_fix_fact(self, data, value, observe):
        """The most common edit: the user corrects the value of a fact (often one memd wrote)."""
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, _ = self.load(rel)
        facts = [i for i, (t, _) in enumerate(segs) if re.match(r"^[-*] [^:\[\]]+: \S", t)]
        if not facts:
            return
        i = data.draw(st.sampled_from(facts))
        old = segs[i][0]
        segs[i] = (old.split(": ", 1)[0] + ": " + value, segs[i][1])
        self.hand_write(rel, bom, segs, [old], [segs[i][0]], observe)

    @rule(data=st.data(), value=st.sampled_from(["Lyon", "nurse", "🙂"]), observe=st.booleans())
    def hand_edit_line_under_review(self, data, value, observe):
        """The user changes a line a pending review item shows: accepting that item later must
        not replace what the user wrote since."""
        items = [i for i in self.quiet_read(self.app.review_list) if i.get("current")]
        if not items:
            return
        item = data.draw(st.sampled_from(items))
        rel = item["path"]
        if self.read(rel) is None:
            return
        bom, segs, _ = self.load(rel)
        shown = set(item["current"].split("\n"))
        at = [i for i, (t, _) in enumerate(segs) if t in shown and ": " in t]
        if not at:
            return
        i = data.draw(st.sampled_from(at))
        old = segs[i][0]
        segs[i] = (old.split(": ", 1)[0] + ": " + value, segs[i][1])
        self.hand_write(rel, bom, segs, [old], [segs[i][0]], observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), observe=st.booleans(), memd_line=st.booleans())
    def hand_delete(self, data, observe, memd_line):
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, _ = self.load(rel)
        owned = self.app.state.owned_counts(rel)
        choices = [i for i, (t, _) in enumerate(segs) if not memd_line or owned.get(line_hash(t))]
        if not choices:
            return
        i = data.draw(st.sampled_from(choices))
        old = segs.pop(i)
        if i == len(segs) and segs and old[1] == "":
            segs[-1] = (segs[-1][0], "")  # deleting the last line takes the newline before it
        self.hand_write(rel, bom, segs, [old[0]], [], observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), observe=st.booleans())
    def hand_duplicate_memd_line(self, data, observe):
        """The user types, somewhere else in the file, exactly a line memd wrote."""
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, nl = self.load(rel)
        owned = self.app.state.owned_counts(rel)
        mine = [t for t, _ in segs if t.strip() and owned.get(line_hash(t))]
        if not mine:
            return
        text = data.draw(st.sampled_from(mine))
        at = data.draw(st.integers(fm_end([t for t, _ in segs]), len(segs)))
        if at == len(segs) and segs and segs[-1][1] == "":
            segs[-1] = (segs[-1][0], nl)
            segs.append((text, ""))
        else:
            segs.insert(at, (text, nl))
        self.hand_write(rel, bom, segs, [], [text], observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), fm=st.sampled_from(FRONTMATTERS), observe=st.booleans())
    def hand_add_frontmatter(self, data, fm, observe):
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, nl = self.load(rel)
        if fm_end([t for t, _ in segs]):
            return
        self.hand_write(rel, bom, [(t, nl) for t in fm] + segs, [], list(fm), observe)

    @precondition(lambda self: self.files())
    @rule(data=st.data(), how=st.sampled_from(["crlf", "lf", "strip_final_newline", "add_final_newline", "bom"]),
          observe=st.booleans())
    def hand_reformat(self, data, how, observe):
        rel = data.draw(st.sampled_from(self.files()))
        bom, segs, nl = self.load(rel)
        if not segs:
            return
        if how in ("crlf", "lf"):
            want = "\r\n" if how == "crlf" else "\n"
            segs = [(t, want if e else "") for t, e in segs]
        elif how == "strip_final_newline":
            segs[-1] = (segs[-1][0], "")
        elif how == "add_final_newline" and segs[-1][1] == "":
            segs[-1] = (segs[-1][0], nl)
        elif how == "bom":
            bom = True
        self.hand_write(rel, bom, segs, [], [], observe)

    # -- memd operations ------------------------------------------------------------------------
    def quiet_read(self, fn):
        """A call that writes no file but may look at the vault (listing reviews indexes the
        memory folder first, which notices an unobserved hand edit and journals what it removed):
        its removed_by_edit entries are checked against the state before it, here, and not later
        against a state they already changed."""
        paths = set(self.files())
        files = {rel: self.read(rel) for rel in paths}
        owned_db = {rel: self.app.state.owned_counts(rel) for rel in paths}
        result = fn()
        entries = [e for e in self.app.state.journal(limit=10 ** 9, newest_first=False) if e["id"] > self.last_journal]
        assert all(e["op"] == "removed_by_edit" for e in entries), "a read made memd write"
        if entries:
            self.last_journal = entries[-1]["id"]
        self.check_edit_records(entries, files, owned_db)
        return result

    def memd_call(self, what: str, fn, forced: dict | None = None):
        """Run one Memd call and check everything it changed against its journal entries."""
        paths = set(self.files())
        before = {rel: self.read(rel) for rel in paths}
        owned_before = {rel: self.owned_by_text(rel, present_of(before[rel])) for rel in paths}
        owned_db = {rel: self.app.state.owned_counts(rel) for rel in paths}
        try:
            result: Any = fn()
        except MemdError as exc:
            result = exc
        note(f"{what} -> {result!r}")
        outcome = (type(result).__name__ if isinstance(result, Exception)
                   else ",".join(sorted({r.status for r in result})) if isinstance(result, list) else "ok")
        tally(f"{what.split(' #')[0]}: {outcome}")
        entries = [e for e in self.app.state.journal(limit=10 ** 9, newest_first=False) if e["id"] > self.last_journal]
        bad = [(e["id"], e["status"]) for e in entries if e["status"] not in ("applied", "undone")]
        assert not bad, f"{what}: journal entries left {bad} without a crash"
        if entries:
            self.last_journal = entries[-1]["id"]
        self.check_edit_records(entries, before, owned_db)
        entries = [e for e in entries if e["op"] != "removed_by_edit"]  # records of hand edits, not writes
        paths |= set(self.files()) | {e["path"] for e in entries}
        current = nonblank((forced.get("current") or "").split("\n")) if forced else Counter()
        results = result if isinstance(result, list) else [result] if hasattr(result, "path") else []
        for r in results:
            if r.path and r.status != "deferred":
                self.assert_pruned(r.path, f"after {what} read it")
        for rel in sorted(paths):
            old = before.get(rel)
            new = self.read(rel)
            mine = [e for e in entries if e["path"] == rel]
            if not mine:
                assert new == old, f"{what}: {rel} changed without a journal entry"
                continue
            self.check_entries(what, rel, old, new, mine, owned_before.get(rel, Counter()), current)
        return result

    def check_entries(self, what: str, rel: str, old: bytes | None, new: bytes | None, entries: list[dict],
                      owned: Counter, current: Counter) -> None:
        where = f"{what} on {rel}"
        hand = self.hand.setdefault(rel, Counter())
        if old is None:
            bom, pattern = False, None
        else:
            bom, segs = split_segments(old)
            pattern = list(segs)
        last_hash = sha(old) if old is not None else None
        own = Counter(owned)
        present = present_of(old)
        for e in entries:
            ch = e["change"]
            assert e["hash_before"] == last_hash, f"{where}: journal #{e['id']} hash_before does not match the file"
            if ch.get("created"):
                assert pattern is None or not any(t for t, _ in pattern), f"{where}: created over existing text"
                bom, segs = split_segments(ch["content"].encode("utf-8", "surrogateescape"))
                pattern = list(segs)
                removed, added = Counter(), nonblank(t for t, _ in segs)
                own = Counter()
            elif ch.get("deleted"):
                assert pattern is not None
                removed, added = nonblank(t for t, _ in pattern), Counter()
                pattern = None
            else:
                assert pattern is not None, f"{where}: hunks on a missing file"
                removed = nonblank(l for h in ch["hunks"] for l in h["old"])
                added = nonblank(l for h in ch["hunks"] for l in h["new"])
                pattern = apply_hunks(pattern, ch["hunks"], f"{where} #{e['id']}")
            # memd removes only copies it owns; a forced (accepted) op also those the user was shown
            excess = Counter({t: n - own.get(t, 0) for t, n in removed.items() if n > own.get(t, 0)})
            if "hunks" in ch:  # memd's own note of the user's lines it removed (so undo gives them back)
                assert nonblank(ch.get("hand", [])) == excess, f"{where}: journal 'hand' {ch.get('hand')!r} != {dict(excess)!r}"
            if excess:
                assert forced_ok(excess, current), f"{where}: removed hand-written line(s) {dict(excess)!r}"
                taken = Counter({t: min(hand[t], n) for t, n in excess.items()})
                hand.subtract(taken)
                self.hand_removed[e["id"]] = (rel, +taken)
            if e.get("undo_of") in self.hand_removed and self.hand_removed[e["undo_of"]][0] == rel:
                hand.update(self.hand_removed[e["undo_of"]][1])  # undo gives the user's lines back
            own = (own - removed) + added
            present = present - removed + added
            last_hash = e["hash_after"]
        if pattern is None:
            assert new is None, f"{where}: the journal says deleted, the file is there"
        else:
            assert new is not None, f"{where}: file missing after the operation"
            assert_matches(pattern, bom, new, where)
            assert sha(new) == last_hash, f"{where}: hash_after does not match the file"
        assert present == present_of(new), f"{where}: line multiset differs from the journal's account"

    @rule(data=st.data(), entity=ENTITY, key=KEY, value=VALUE, multi=st.booleans(), existing=st.booleans())
    def memd_set_fact(self, data, entity, key, value, multi, existing):
        ref = self.quiet_read(lambda: self.app.find_entity(entity))
        raw = self.read(ref.path) if ref else None
        facts = [f for f in MemoryDoc.parse(decode(raw)[0]).facts if f.norm_key] if raw is not None else []
        if existing and facts:  # a new value for a key the file already has: update or review
            key = data.draw(st.sampled_from(facts)).norm_key
        self.memd_call("set_fact", lambda: self.app.set_fact(entity, key, value, SRC, multi=multi))

    @rule(subject=st.sampled_from([None, None, "Jane Doe"]), relation=RELATION, other=TARGET)
    def memd_add_relation(self, subject, relation, other):
        self.memd_call(f"add_relation {relation}", lambda: self.app.add_relation(subject, relation, other, SRC))

    @rule(entity=ENTITY, date=DATE, text=EVENT_TEXT)
    def memd_add_event(self, entity, date, text):
        self.memd_call("add_event", lambda: self.app.add_event(entity, date, text, SRC))

    @rule(data=st.data(), entity=ENTITY, existing=st.booleans(), with_value=st.booleans())
    def memd_remove_fact(self, data, entity, existing, with_value):
        ref = self.quiet_read(lambda: self.app.find_entity(entity))
        raw = self.read(ref.path) if ref else None
        doc = MemoryDoc.parse(decode(raw)[0]) if raw is not None else None
        if existing and doc is not None and doc.facts:
            fact = data.draw(st.sampled_from(doc.facts))  # usually a line that is there
            key, value = fact.key, (fact.value if with_value and fact.value else None)
        else:
            key = data.draw(st.one_of(KEY, st.just("relationship"), RELATION))
            value = data.draw(VALUE) if with_value else None
        if "remove_fact_takes_hand_duplicate" in KNOWN_BUGS and doc is not None:
            plan = RemoveFact(ref.path, key, value).plan(doc, self.ctx(ref.path))
            if plan.status == "edit" and not self.removal_is_owned(ref.path, doc, plan.edits):
                tally("gated: remove_fact_takes_hand_duplicate")
                return
        self.memd_call("remove_fact", lambda: self.app.remove_fact(entity, key, value, SRC))

    def removal_is_owned(self, rel: str, doc: MemoryDoc, edits, current: Counter = Counter()) -> bool:
        removed = nonblank(l for e in edits for l in doc.lines[e.start:e.end])
        owned = self.owned_by_text(rel, present_of(self.read(rel)))
        return forced_ok(Counter({t: n - owned.get(t, 0) for t, n in removed.items() if n > owned.get(t, 0)}), current)

    @rule(data=st.data())
    def memd_undo(self, data):
        entries = self.app.state.journal(limit=10 ** 9, newest_first=False)
        if not entries:
            return
        e = data.draw(st.sampled_from(entries[::-1]))  # newest first: the usual undo
        hunks = e["change"].get("hunks")
        if e["status"] == "applied" and e["op"] != "undo" and hunks is not None:
            if "undo_reowns_hand_line" in KNOWN_BUGS and e["id"] in self.hand_removed:
                tally("gated: undo_reowns_hand_line")
                return
            data_now = self.read(e["path"])
            if "undo_reinserts_into_frontmatter" in KNOWN_BUGS and data_now is not None:
                doc = MemoryDoc.parse(decode(data_now)[0])
                plan = RevertHunks(e["path"], hunks, undo_of=e["id"]).plan(doc, self.ctx(e["path"]))
                if plan.status == "edit" and doc.fm_end and any(x.start < doc.fm_end for x in plan.edits):
                    tally("gated: undo_reinserts_into_frontmatter")
                    return
        self.memd_call(f"undo #{e['id']} ({e['op']})", lambda: self.app.undo(e["id"]))

    @rule(data=st.data())
    def memd_review_accept(self, data):
        self.memd_review(data, True)

    @rule(data=st.data(), accept=st.booleans())
    def memd_review(self, data, accept):
        items = self.quiet_read(self.app.review_list)
        if not items:
            return
        item = data.draw(st.sampled_from(items))
        if accept and "accept_touches_unseen_hand_lines" in KNOWN_BUGS:
            rel = item["path"]
            raw = self.read(rel)
            if raw is not None:
                doc = MemoryDoc.parse(decode(raw)[0])
                op = operation_from_args(item["op"], item["args"])
                plan = op.plan(doc, self.ctx(rel, force=True))
                current = nonblank((item.get("current") or "").split("\n"))
                if plan.status == "edit" and not self.removal_is_owned(rel, doc, plan.edits, current):
                    tally("gated: accept_touches_unseen_hand_lines")
                    return
        decision = "accept" if accept else "reject"
        self.memd_call(f"review {decision} #{item['id']} ({item['op']})",
                       lambda: self.app.review_resolve(item["id"], decision), forced=item if accept else None)

    # -- invariants -----------------------------------------------------------------------------
    @invariant()
    def hand_lines_survive(self):
        for rel, hand in self.hand.items():
            present = present_of(self.read(rel))
            owned = self.owned_by_text(rel, present)
            for t, n in hand.items():
                if n <= 0:
                    continue
                assert present[t] >= n, f"hand-written line lost from {rel}: {t!r} (expected {n}, found {present[t]})"
                assert n + owned.get(t, 0) <= present[t], (
                    f"memd claims a hand-written line in {rel}: {t!r} (hand {n}, owned {owned[t]}, present {present[t]})")

    @invariant()
    def no_temp_files_and_everything_parses(self):
        for p in self.vault.rglob("*"):
            assert not TEMP_RE.match(p.name), f"memd temp file left behind: {p}"
        for rel in self.files():
            text = decode(self.read(rel) or b"")[0]
            assert MemoryDoc.parse(text).render() == text


def shown(line: str) -> str:
    """A line as a review item shows it: bytes that are not UTF-8 (kept in memory as lone
    surrogates, written back byte for byte) are displayed as U+FFFD."""
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def forced_ok(excess: Counter, current: Counter) -> bool:
    """An accepted review item may remove the hand-written lines it showed the user."""
    seen = Counter()
    for t, n in current.items():
        seen[shown(t)] += n
    return all(seen.get(shown(t), 0) >= n for t, n in excess.items())


def _settings() -> settings:
    explore = os.environ.get("MEMD_HYPOTHESIS_EXPLORE")  # random seeds, more examples: for bug hunting
    return settings(
        max_examples=int(os.environ.get("MEMD_HYPOTHESIS_EXAMPLES", 400 if explore else 100)),
        stateful_step_count=40,
        deadline=None,
        derandomize=not explore,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


def test_no_hand_written_line_is_ever_lost(tmp_path):
    VaultMachine.base = tmp_path
    STATS.clear()
    run_state_machine_as_test(VaultMachine, settings=_settings())
    print("\n".join(f"{n:6d}  {k}" for k, n in sorted(STATS.items())))
    assert STATS["hand edit"] and any(k.startswith("set_fact: applied") for k in STATS)


# -- targeted examples ------------------------------------------------------------------------
# The same checks as the state machine (memd_call verifies each journal entry against the bytes;
# check() asserts the hand-line invariants), on the tricky cases spelled out.

@pytest.fixture
def m(tmp_path):
    VaultMachine.base = tmp_path
    machine = VaultMachine()
    yield machine
    machine.teardown()


def hand_file(m: VaultMachine, rel: str, raw: bytes, observe: bool = True) -> None:
    bom, segs = split_segments(raw)
    old = present_of(m.read(rel))
    new = nonblank(t for t, _ in segs)
    m.hand_write(rel, bom, segs, list((old - new).elements()), list((new - old).elements()), observe)
    assert m.read(rel) == raw


def hand_edit(m: VaultMachine, rel: str, fn, observe: bool = True) -> None:
    bom, segs = split_segments(m.read(rel) or b"")
    new_segs = fn(list(segs))
    old, new = nonblank(t for t, _ in segs), nonblank(t for t, _ in new_segs)
    m.hand_write(rel, bom, new_segs, list((old - new).elements()), list((new - old).elements()), observe)


def check(m: VaultMachine) -> None:
    m.hand_lines_survive()
    m.no_temp_files_and_everything_parses()


def statuses(result) -> list[str]:
    return [r.status for r in result]


USER = "memory/user.md"

ODD_FILES = {
    "crlf_no_final_newline": b"# User Information\r\n- name: Ana\r\n\r\n## Notes\r\nfree text",
    "bom_frontmatter": b"\xef\xbb\xbf---\ntags: [a, b]\naliases:\n  - Jim\n---\n# User Information\n- name: Ana\n",
    "frontmatter_no_title": b"---\ntitle: 'x: y'\nweird: |\n  multi\n  line\n...\n- name: Ana\n",
    "non_mapping_yaml": b"---\n- likes: jazz\n---\nprose first\n",
    "template_yaml": b"---\ncreated: {{date}}\nbad: [unclosed\n---   \n",
    "unclosed_frontmatter": b"---\n- name: Ana\nno closing fence\n",
    "mixed_endings": b"# User Information\r\n- name: Ana\n- city: Lyon\r\n",
    "unicode_rtl_emoji": "# User Information\n- שם: דוד כהן\n- family: 👩‍👩‍👧‍👦\n- note: مرحبا\n\u200f- rtl\n".encode(),
    "code_fence": b"# User Information\n```\n- city: inside code\n## not a heading\n```\n- name: Ana",
    "only_blank": b"\n\n",
    "headings_only": b"## User Relationships\n## Events\n",
}


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_odd_hand_written_files_keep_every_byte(m, name):
    raw = ODD_FILES[name]
    hand_file(m, USER, raw)
    fm = fm_end([t for t, _ in split_segments(raw)[1]])
    head = b"".join((t + e).encode() for t, e in split_segments(raw)[1][:fm])
    ops = [
        lambda: m.app.set_fact(None, "city", "Paris", SRC),
        lambda: m.app.set_fact(None, "likes", "jazz", SRC, multi=True),
        lambda: m.app.add_event(None, "2024-01-05", "moved to Berlin", SRC),
        lambda: m.app.add_relation(None, "mother", "Jane Doe", SRC),
        lambda: m.app.set_fact(None, "city", "Berlin", SRC),  # replaces memd's own line (or reviews)
        lambda: m.app.remove_fact(None, "likes", "jazz", SRC),
    ]
    for op in ops:
        m.memd_call("op", op)
        check(m)
        data = m.read(USER)
        assert data.startswith(BOM) == raw.startswith(BOM)
        assert data.lstrip(BOM).startswith(head.lstrip(BOM)), "frontmatter bytes changed"
    for e in m.app.log(limit=100):  # undo everything that can be undone, newest first
        m.memd_call("undo", lambda: m.app.undo(e["id"]))
        check(m)


def test_line_identical_to_memd_output_written_first_is_never_taken(m):
    hand_file(m, USER, b"# User Information\n- likes: jazz\n- city: Paris\n")
    assert statuses(m.memd_call("", lambda: m.app.set_fact(None, "likes", "jazz", SRC, multi=True))) == ["noop"]
    assert statuses(m.memd_call("", lambda: m.app.remove_fact(None, "likes", "jazz", SRC))) == ["review"]
    assert statuses(m.memd_call("", lambda: m.app.set_fact(None, "city", "Berlin", SRC))) == ["review"]
    assert m.read(USER) == b"# User Information\n- likes: jazz\n- city: Paris\n"
    check(m)


def test_user_fix_of_a_memd_line_is_theirs_from_then_on(m):
    m.memd_call("", lambda: m.app.set_fact(None, "city", "Paris", SRC))
    hand_edit(m, USER, lambda s: [(t.replace("Paris", "Lyon"), e) for t, e in s], observe=False)
    fixed = m.read(USER)
    assert statuses(m.memd_call("", lambda: m.app.set_fact(None, "city", "Berlin", SRC))) == ["review"]
    assert statuses(m.memd_call("", lambda: m.app.remove_fact(None, "city", None, SRC))) == ["review"]
    with pytest.raises(ConflictError):
        m.app.undo(1)
    item = m.app.review_list()[0]
    assert item["current"] == "- city: Lyon"
    m.memd_call("", lambda: m.app.review_resolve(item["id"], "reject"))
    assert m.read(USER) == fixed
    check(m)


def test_hand_continuation_under_a_memd_fact_blocks_its_replacement(m):
    m.memd_call("", lambda: m.app.set_fact(None, "city", "Paris", SRC))
    hand_edit(m, USER, lambda s: s + [("  - the 11th arrondissement", "\n")])
    before = m.read(USER)
    assert statuses(m.memd_call("", lambda: m.app.set_fact(None, "city", "Berlin", SRC))) == ["review"]
    assert statuses(m.memd_call("", lambda: m.app.remove_fact(None, "city", None, SRC))) == ["review"]
    assert m.read(USER) == before
    check(m)


def test_deleted_then_retyped_line_is_the_users_once_memd_has_seen_it_gone(m):
    m.memd_call("", lambda: m.app.set_fact(None, "city", "Paris", SRC))
    hand_edit(m, USER, lambda s: [x for x in s if x[0] != "- city: Paris"], observe=True)
    hand_edit(m, USER, lambda s: s + [("- city: Paris", "\n")], observe=False)
    assert statuses(m.memd_call("", lambda: m.app.set_fact(None, "city", "Berlin", SRC))) == ["review"]
    assert b"- city: Paris\n" in m.read(USER)
    check(m)


def test_undo_refuses_once_the_user_edited_memds_lines(m):
    m.memd_call("", lambda: m.app.set_fact("Jane Doe", "city", "Oslo", SRC))  # creates the entity, adds a line
    rel = "memory/entities/jane_doe.md"
    hand_edit(m, rel, lambda s: s + [("- my note: she moved", "\n")])
    hand_edit(m, rel, lambda s: [(t.replace("Oslo", "Bergen"), e) for t, e in s])
    before = m.read(rel)
    for e in m.app.log(limit=10):
        with pytest.raises(ConflictError):
            m.app.undo(e["id"])
    assert m.read(rel) == before
    check(m)


def test_accepting_a_review_replaces_exactly_the_line_shown(m):
    hand_file(m, USER, b"---\nalias: me\n---\n# User Information\n- city: Paris\n- pet: cat\nprose\n")
    m.memd_call("", lambda: m.app.set_fact(None, "city", "Berlin", SRC))
    item = m.app.review_list()[0]
    assert item["current"] == "- city: Paris"
    m.memd_call("accept", lambda: m.app.review_resolve(item["id"], "accept"), forced=item)
    assert m.read(USER) == b"---\nalias: me\n---\n# User Information\n- city: Berlin\n- pet: cat\nprose\n"
    check(m)


def test_symlinked_note_is_written_through_and_stays_a_link(m):
    real = m.root / "elsewhere" / "user.md"
    real.parent.mkdir()
    real.write_bytes(b"# User Information\n- name: Ana\n")
    (m.vault / "memory").mkdir()
    os.symlink(real, m.vault / USER)
    m.hand["memory/user.md"] = Counter({"# User Information": 1, "- name: Ana": 1})
    m.memd_call("", lambda: m.app.set_fact(None, "city", "Paris", SRC))
    assert (m.vault / USER).is_symlink()
    assert real.read_bytes() == b"# User Information\n- name: Ana\n- city: Paris\n"
    assert not [p for p in real.parent.iterdir() if p.name != "user.md"]
    check(m)


def test_file_mode_is_kept(m):
    hand_file(m, USER, b"# User Information\n- name: Ana\n")
    os.chmod(m.vault / USER, 0o640)
    m.memd_call("", lambda: m.app.set_fact(None, "city", "Paris", SRC))
    assert (os.stat(m.vault / USER).st_mode & 0o777) == 0o640


# -- regressions: bugs this file found, now fixed ----------------------------------------------

def test_remove_fact_keeps_hand_duplicate_of_memd_line(m):
    m.memd_call("", lambda: m.app.set_fact(None, "likes", "jazz", SRC, multi=True))
    hand_edit(m, USER, lambda s: s + [("", "\n"), ("## Notes", "\n"), ("- likes: jazz", "\n")])
    m.app.remove_fact(None, "likes", "jazz", SRC)
    assert m.read(USER).count(b"- likes: jazz") >= 1, "the user's own '- likes: jazz' was deleted"


def test_accept_removes_only_the_lines_shown_in_review(m):
    hand_file(m, USER, b"# User Information\n- pet: cat\n- pet: dog\n")
    m.app.remove_fact(None, "pet", None, SRC)
    item = m.app.review_list()[0]
    assert item["current"] == "- pet: cat\n- pet: dog"  # every line the removal would take is shown
    hand_file(m, USER, b"# User Information\n- pet: cat\n- pet: dog\n- pet: hamster\n")  # typed since
    try:
        m.app.review_resolve(item["id"], "accept")
    except ConflictError:
        pass  # refusing a stale item is fine too
    assert b"- pet: hamster" in m.read(USER), "a hand line never shown in the review was removed"


def test_accept_of_stale_review_item_does_not_replace_a_line_changed_since(m):
    hand_file(m, USER, b"# User Information\n- city: Paris\n")
    m.app.set_fact(None, "city", "Berlin", SRC)
    hand_file(m, USER, b"# User Information\n- city: Lyon (moved in May, not Berlin!)\n")
    item = m.app.review_list()[0]
    assert item["current"] == "- city: Paris"
    try:
        m.app.review_resolve(item["id"], "accept")
    except ConflictError:
        pass  # refusing (or re-queueing with the new line) is the fix
    assert b"- city: Lyon (moved in May, not Berlin!)" in m.read(USER)


def test_undo_never_reinserts_inside_frontmatter(m):
    hand_file(m, USER, b"---\na: 1\n---\n")
    m.app.set_fact(None, "city", "Paris", SRC)
    (entry,) = [r.journal_id for r in m.app.remove_fact(None, "city", None, SRC)]
    props = b"---\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n---\n"
    hand_file(m, USER, props)
    m.app.undo(entry)
    assert m.read(USER).startswith(props), "undo wrote inside the frontmatter"


def test_undo_of_accepted_review_gives_the_line_back_to_the_user(m):
    hand_file(m, USER, b"# User Information\n- city: Paris\n")
    m.app.set_fact(None, "city", "Berlin", SRC)
    accepted = m.app.review_resolve(m.app.review_list()[0]["id"], "accept")
    m.app.undo(accepted["result"]["journal_id"])
    assert m.read(USER) == b"# User Information\n- city: Paris\n"
    m.app.set_fact(None, "city", "Rome", SRC)
    assert b"- city: Paris" in m.read(USER), "the user's restored line was overwritten without review"


def test_undo_of_entity_creation_is_compare_and_swap(m, monkeypatch):
    m.app.set_fact("Jane Doe", "city", "Oslo", SRC)
    rel = "memory/entities/jane_doe.md"
    newest, created = m.app.log(limit=2)
    m.app.undo(newest["id"])
    real = m.app.writer._wait_settled

    def user_saves_meanwhile(path):  # the user saves in Obsidian while undo waits for the write lock
        with open(m.vault / path, "a", encoding="utf-8") as fh:
            fh.write("- my own note: typed just now\n")
        monkeypatch.setattr(m.app.writer, "_wait_settled", real)
        return real(path)

    monkeypatch.setattr(m.app.writer, "_wait_settled", user_saves_meanwhile)
    try:
        m.app.undo(created["id"])
    except ConflictError:
        pass
    assert (m.vault / rel).exists() and b"- my own note" in (m.vault / rel).read_bytes(), "hand line deleted"


def test_invalid_utf8_hand_line_next_to_memd_write(m):
    hand_file(m, USER, b"# User Information\n- caf\xe9: latin-1 line\n")
    (r,) = m.app.set_fact(None, "city", "Paris", SRC)
    assert r.status == "applied" and r.journal_id is not None
    assert m.read(USER) == b"# User Information\n- caf\xe9: latin-1 line\n- city: Paris\n"


def test_undo_of_multi_line_remove_restores_all_lines(m):
    m.app.set_fact(None, "likes", "jazz", SRC, multi=True)
    m.app.set_fact(None, "likes", "hiking", SRC, multi=True)
    before = m.read(USER)
    (r,) = m.app.remove_fact(None, "likes", None, SRC)
    m.app.undo(r.journal_id)
    assert m.read(USER) == before


def test_review_shows_the_conflicting_lines(m):
    hand_file(m, USER, b"# User Information\n- city: Paris\n- city: Lyon\n")
    m.app.set_fact(None, "city", "Berlin", SRC)
    assert m.app.review_list()[0]["current"] in ("- city: Paris", "- city: Paris\n- city: Lyon")
