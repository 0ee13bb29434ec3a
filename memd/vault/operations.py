"""Semantic operations on memory files, planned against a file's current content.

An operation never carries text offsets from the past: it is re-planned on whatever the file
holds when the writer gets to it (and again if the file changes under the compare-and-swap).
Planning yields one of: nothing to do, an edit, a conflict (it would replace or remove a line
memd did not write — that goes to the review queue), or a whole-file create/delete.

Ownership: memd may replace or remove a line only if it wrote that exact text in that file
(`owned`, a multiset of line hashes from the state database). Inserting a new line never
touches an existing one, so it is always allowed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, ClassVar

from memd.state import line_hash
from memd.vault import memory_view as mv
from memd.vault import provenance
from memd.vault.links import parse_links
from memd.vault.memfile import Edit, Fact, Hunk, MemoryDoc, apply_edits, fact_line, normalize_key, value_key

USER_TITLE = "User Information"
USER_RELATIONS = "User Relationships"
ENTITY_RELATIONS = "Relationships"
EVENTS = "Events"


@dataclass
class PlanContext:
    owned: Counter  # line hash -> how many copies of that line memd wrote in this file
    resolve: Callable[[str, str], str | None]  # (link target, source path) -> vault path
    force: bool = False  # every line may be replaced (tests only; review uses `granted`)
    # Lines the user agreed to let go in review: exactly the ones the review item showed them.
    granted: Counter = field(default_factory=Counter)

    def owns(self, lines: list[str]) -> bool:
        if self.force:
            return True
        need = Counter(line_hash(l) for l in lines if l.strip())
        return all(self.owned.get(h, 0) + self.granted.get(h, 0) >= n for h, n in need.items())


@dataclass
class Plan:
    status: str  # noop | edit | conflict | create | delete
    reason: str = ""
    edits: list[Edit] = field(default_factory=list)
    content: str | None = None  # for create
    current: str | None = None  # for conflicts: the line(s) in the way
    proposed: str | None = None  # for conflicts: what memd wanted to write
    unowned: list[str] = field(default_factory=list)  # new lines that are the user's, not memd's (undo)

    @classmethod
    def noop(cls, reason: str) -> "Plan":
        return cls("noop", reason)

    @classmethod
    def conflict(cls, reason: str, current: str, proposed: str | None) -> "Plan":
        return cls("conflict", reason, current=current, proposed=proposed)


class Operation:
    name: ClassVar[str]
    path: str

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        raise NotImplementedError

    @property
    def entity(self) -> str | None:
        return getattr(self, "entity_name", None)

    @property
    def key(self) -> str | None:
        return getattr(self, "fact_key", None)

    def args(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


def _insert_in_section(doc: MemoryDoc, section_title: str | None, new_lines: list[str]) -> Edit:
    section = doc.find_section(section_title)
    if section is not None:
        at = doc.insertion_point(section)
        return Edit(at, at, new_lines)
    # A new section goes at the end, separated by a blank line.
    at = len(doc.lines)
    while at > doc.fm_end and not doc.lines[at - 1].strip():
        at -= 1
    block = ([""] if at > 0 else []) + [f"## {section_title}"] + new_lines
    return Edit(at, at, block)


def _missing_file_plan(doc: MemoryDoc | None, title: str | None, lines: list[str]) -> Plan | None:
    if doc is not None and doc.lines:
        return None
    head = [f"# {title}"] if title else []
    return Plan("create", "new file", content="\n".join(head + lines) + "\n")


def _replace_single(doc: MemoryDoc, existing: list[Fact], key: str, line: str, ctx: PlanContext) -> Plan:
    """A single-valued key with a new value: replace its one line, if memd wrote it; several
    lines, or a hand-written one, go to review instead."""
    if len(existing) > 1:
        return Plan.conflict(f"{len(existing)} lines hold {key}; not choosing one to replace",
                             "\n".join(l for f in existing for l in doc.lines[f.index:f.end]), line)
    f = existing[0]
    block = doc.lines[f.index:f.end]
    if not ctx.owns(block):
        return Plan.conflict("the current line was written by hand", "\n".join(block), line)
    return Plan("edit", "update", [Edit(f.index, f.end, [line])])


def _file_of(target: str) -> str:
    """A link target's file name (parse_links gives it without alias or heading): [[entities/tom.md]],
    [[tom]] and [[entities/tom]] are all tom.md."""
    name = target.rsplit("/", 1)[-1]
    return name if name.lower().endswith(".md") else name + ".md"


def _is_place_key(key: str) -> bool:
    return any(mv.same_key(key, k) for k in ("living_location", "hometown", "birth_location"))


def _values_in(fact_value: str) -> set[str]:
    """A hand-written `- likes: hiking, jazz` holds two values."""
    parts = {value_key(fact_value)}
    if "," in fact_value or ";" in fact_value:
        parts |= {value_key(p) for p in re.split(r"[;,]", fact_value) if p.strip()}
    return parts


@dataclass
class SetFact(Operation):
    name: ClassVar[str] = "set_fact"
    path: str
    fact_key: str
    value: str
    section: str | None = None  # None: the file's main section
    multi: bool = False  # the key holds several values (likes, pets): add, never replace
    entity_name: str | None = None
    title: str | None = None  # heading for the file if it does not exist yet
    source_link: str | None = None  # `[[note#^t12|↗]]` appended to the line (provenance.py)

    def __post_init__(self) -> None:
        self.fact_key = normalize_key(self.fact_key)
        self.value = " ".join(self.value.split())
        if not self.fact_key or not self.value:
            raise ValueError("a fact needs a key and a value")

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        line = provenance.with_link(fact_line(self.fact_key, self.value), self.source_link)
        created = _missing_file_plan(doc, self.title, [line] if self.section is None else ["", f"## {self.section}", line])
        if created:
            return created
        assert doc is not None
        existing = doc.facts_for(self.fact_key)
        want = value_key(self.value)
        if any(want in _values_in(f.value) for f in existing):
            return Plan.noop("already recorded")
        if self.multi or not existing:
            return Plan("edit", "add", [_insert_in_section(doc, self.section, [line])])
        return _replace_single(doc, existing, self.fact_key, line, ctx)


@dataclass
class AddRelation(Operation):
    name: ClassVar[str] = "add_relation"
    path: str  # the file of the subject (user.md or an entity)
    fact_key: str  # the relation: mother, employer, friend...
    target_path: str  # vault path of the entity file
    link: str  # [[entities/<slug>.md]]
    exclusive: bool = False  # one value only (mother, spouse, employer): replace rather than add
    section: str = USER_RELATIONS
    entity_name: str | None = None
    title: str | None = None
    source_link: str | None = None

    def __post_init__(self) -> None:
        self.fact_key = normalize_key(self.fact_key)
        if not self.fact_key:
            raise ValueError("a relation needs a name")

    def _points_at_target(self, value: str, ctx: PlanContext) -> bool:
        if self.link in value:
            return True
        return any(ctx.resolve(l.target, self.path) == self.target_path for l in parse_links(value))

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        line = provenance.with_link(fact_line(self.fact_key, self.link), self.source_link)
        created = _missing_file_plan(doc, self.title, ["", f"## {self.section}", line])
        if created:
            return created
        assert doc is not None
        existing = doc.facts_for(self.fact_key)
        for f in existing:
            values = [f.value] + doc.lines[f.index + 1:f.end]
            if any(self._points_at_target(v, ctx) for v in values):
                return Plan.noop("relation already recorded")
        if not self.exclusive or not existing:
            return Plan("edit", "add", [_insert_in_section(doc, self.section, [line])])
        return _replace_single(doc, existing, self.fact_key, line, ctx)


@dataclass
class AddEvent(Operation):
    name: ClassVar[str] = "add_event"
    path: str
    date: str  # YYYY-MM-DD (or YYYY-MM, YYYY when that is all that is known)
    text: str
    section: str = EVENTS
    entity_name: str | None = None
    title: str | None = None
    source_link: str | None = None

    def __post_init__(self) -> None:
        self.text = " ".join(self.text.split())
        if not re.match(r"^\d{4}(-\d{2}(-\d{2})?|-W\d{2})?$", self.date) or not self.text:
            raise ValueError("an event needs a date (YYYY-MM-DD, YYYY-MM, YYYY-Www or YYYY) and a text")

    @property
    def fact_key(self) -> str:
        return self.date

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        line = provenance.with_link(fact_line(self.date, self.text), self.source_link)
        created = _missing_file_plan(doc, self.title, ["", f"## {self.section}", line])
        if created:
            return created
        assert doc is not None
        want = value_key(self.text)
        if any(f.key == self.date and value_key(f.value) == want for f in doc.facts):
            return Plan.noop("event already recorded")
        section = doc.find_section(self.section)
        if section is not None:
            # Keep the section in date order: go before the first later event.
            later = [f for f in doc.facts if section.start <= f.index < section.end and f.key > self.date
                     and re.match(r"^\d{4}", f.key)]
            if later:
                return Plan("edit", "add", [Edit(later[0].index, later[0].index, [line])])
        return Plan("edit", "add", [_insert_in_section(doc, self.section, [line])])


@dataclass
class RemoveFact(Operation):
    name: ClassVar[str] = "remove_fact"
    path: str
    fact_key: str
    value: str | None = None  # None: every line of the key
    entity_name: str | None = None
    link_file: str | None = None  # the file `value` names, when it is an entity: links to it match

    def __post_init__(self) -> None:
        self.fact_key = normalize_key(self.fact_key)

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None:
            return Plan.noop("no such file")
        matches = doc.facts_for(self.fact_key)
        if self.value is not None:
            want = value_key(self.value)
            matches = [f for f in matches if want in _values_in(f.value)
                       or any(want == value_key(l.target) or want == value_key(l.target.rsplit("/", 1)[-1])
                              or (self.link_file and _file_of(l.target) == self.link_file)
                              for l in parse_links(f.value))]
        if not matches:
            return Plan.noop("nothing to remove")
        # Ownership over all the lines together: two copies of a line memd wrote once means one
        # of them is the user's, so neither may go without review.
        lines = [l for f in matches for l in doc.lines[f.index:f.end]]
        if not ctx.owns(lines):
            return Plan.conflict("the line to remove was written by hand", "\n".join(lines), None)
        return Plan("edit", "remove", [Edit(f.index, f.end, []) for f in matches])


@dataclass
class ReplaceFact(Operation):
    """A fact that supersedes what memory holds ("I quit Google and joined Stripe", "my expertise
    shifted from A to B"), or, with `value` None, one that no longer holds.

    The line is found the way a person would find it (memory_view.find_fact): under the key or
    one that means the same, in any layout, holding `old_value` when the statement named it
    ("St. Mary's" is the `St. Mary's Hospital` line). It is changed in place, in the file's own
    style; with `history`, the replaced value moves to a `## History` section as
    `previous_<key>` (with `until <as_of>` when the statement's date is known), so it is visible
    and never current beside the new one. A hand-written line goes to review, as with SetFact.
    """

    name: ClassVar[str] = "replace_fact"
    path: str
    fact_key: str
    value: str | None  # None: remove
    old_value: str | None = None
    history: bool = True
    as_of: str | None = None  # date the change is known from (YYYY-MM-DD, YYYY-MM, YYYY)
    link_target: str | None = None  # "entities/<slug>.md" when the new value is an entity
    only_if_held: bool = False  # the key is a guess: change the line holding old_value, or nothing
    entity_name: str | None = None
    title: str | None = None
    source_link: str | None = None

    def __post_init__(self) -> None:
        self.fact_key = normalize_key(self.fact_key)
        if self.value is not None:
            self.value = " ".join(self.value.split())
        if not self.fact_key or self.value == "" or (self.value is None and not self.old_value):
            raise ValueError("a replacement needs a key and a new value (or the old value to remove)")

    def _link(self, doc: MemoryDoc) -> str | None:
        if not self.link_target:
            return None
        return f"[[{self.link_target.rsplit('/', 1)[-1] if mv.bare_links(doc) else self.link_target}]]"

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None or not doc.lines:
            if self.value is None:
                return Plan.noop("no such file")
            if self.only_if_held:
                # The key is a guess: with no file there is no line holding the old value to change.
                return Plan.noop(f"no line holds {self.old_value!r}")
            line = mv.line_in_style(None, self.fact_key, f"[[{self.link_target}]]" if self.link_target else self.value)
            line = provenance.with_link(line, self.source_link)
            return _missing_file_plan(doc, self.title, [line]) or Plan.noop("no such file")
        assert doc is not None
        held = mv.find_fact(doc, self.fact_key)
        if self.value is not None and any(_holds(f.value, self.value) for f in held):
            return Plan.noop("already recorded")
        found = mv.find_fact(doc, self.fact_key, self.old_value) if self.old_value else held
        if self.value is None:
            # A removal never reaches across keys: "I don't speak German anymore" is not nationality.
            found = [f for f in found if mv.same_key(f.norm_key, self.fact_key)]
        if not found and self.old_value and self.value is not None and len(held) == 1 and not self.only_if_held:
            found = held  # "it's Y, not X" where memory holds Z: Y is still the value now
        if not found:
            if self.only_if_held:
                return Plan.noop(f"no line holds {self.old_value!r}")
            if self.value is None:
                return Plan.noop("nothing to remove")
            link = self._link(doc)
            line = provenance.with_link(mv.line_in_style(doc, self.fact_key, link or self.value), self.source_link)
            return Plan("edit", "add", [_insert_in_section(doc, _section_like(doc, bool(link)), [line])])
        if len(found) > 1:
            return Plan.conflict(f"{len(found)} lines hold {self.fact_key}; not choosing one to replace",
                                 "\n".join(l for f in found for l in doc.lines[f.index:f.end]), self.value)
        f = found[0]
        block = doc.lines[f.index:f.end]
        if self.value is None:
            new_lines: list[str] = []
            rest = _without_item(f.value, self.old_value or "")
            if rest:
                # What is left of the line keeps the source it was read from.
                new_lines = [provenance.with_link(mv.replace_value(doc, f, rest), _link_of(f))]
            gone = f.value if not rest else self.old_value or f.value
        else:
            link = self._link(doc) if mv.is_link_value(f.value) else None
            place = _is_place_key(self.fact_key) or _is_place_key(f.norm_key)
            new_value = link or mv.substitute(f.value, self.old_value or "", self.value, place=place)
            # The new value's source replaces the old one's (that moves to History with it).
            new_lines = [provenance.with_link(mv.replace_value(doc, f, new_value), self.source_link)]
            gone = f.value
        if not ctx.owns(block):
            return Plan.conflict("the current line was written by hand", "\n".join(block),
                                 "\n".join(new_lines) if new_lines else None)
        edits = [Edit(f.index, f.end, new_lines)]
        if self.history and gone:
            until = f" (until {self.as_of})" if self.as_of else ""
            line = mv.line_in_style(doc, "previous_" + f.norm_key, gone + until)
            line = provenance.with_link(line, _link_of(f))
            edits.append(_insert_in_section(doc, mv.HISTORY_SECTION, [line]))
        return Plan("edit", "remove" if self.value is None else "update", edits)


def _link_of(f: Fact) -> str | None:
    """The provenance link a fact line carried, to keep with what remains of it."""
    return provenance.compact(f"[[{f.source}]]") if f.source else None


def _holds(recorded: str, value: str) -> bool:
    """`recorded` already says `value`: the same text, one item of a list, or a link to it."""
    if value_key(value) in _values_in(recorded):
        return True
    names = mv.link_names(recorded)
    return bool(names) and any(set(mv.words(n)) == set(mv.words(value)) for n in names)


def _section_like(doc: MemoryDoc, links: bool) -> str | None:
    """Where a new fact goes in a file: beside the last current fact of its kind (a link among
    the links), else under the title."""
    for f in reversed(mv.current_facts(doc)):
        if mv.is_link_value(f.value) == links and not re.match(r"^\d{4}", f.key):
            return f.section
    return None


def _without_item(value: str, item: str) -> str:
    """`Portuguese, French and English` without French; "" when `item` is the whole value."""
    parts = [p for p in re.split(r"\s*(?:,|;|\band\b)\s*", value) if p.strip()]
    if len(parts) < 2:
        return ""
    keep = [p for p in parts if not mv.value_matches(item, p)]
    if len(keep) == len(parts) or not keep:
        return ""
    return ", ".join(keep)


@dataclass
class CreateFile(Operation):
    """A new file memd will own entirely (an entity). Never replaces an existing file."""

    name: ClassVar[str] = "create_entity"
    path: str
    content: str
    entity_name: str | None = None

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is not None:
            return Plan.noop("file exists")
        return Plan("create", "new file", content=self.content)


@dataclass
class RevertHunks(Operation):
    """Undo: put back what an operation replaced — only if its lines are still as memd wrote them."""

    name: ClassVar[str] = "undo"
    path: str
    hunks: list[dict[str, Any]]
    undo_of: int = 0
    created_file: bool = False  # the undone operation created the file: remove it...
    expected_content: str | None = None  # ...but only if it still holds exactly this
    hand_lines: list[str] = field(default_factory=list)  # restored lines that were the user's

    def plan(self, doc: MemoryDoc | None, ctx: PlanContext) -> Plan:
        if doc is None:
            return Plan.conflict("the file no longer exists", "", None)
        if self.created_file:
            if self.expected_content is not None and doc.render() != self.expected_content:
                return Plan.conflict("the file has been edited since", "", None)
            return Plan("delete", "remove the file the operation created")
        edits: list[Edit] = []
        taken: set[int] = set()
        for raw in self.hunks:
            h = Hunk.from_json(raw)
            at = _find_block(doc, h, taken)
            if at is None:
                shown = "\n".join(h.new) if h.new else (h.before or "(start of file)")
                return Plan.conflict("the lines it wrote have been edited since", shown, "\n".join(h.old))
            if h.new and not ctx.owns(h.new):
                return Plan.conflict("the lines it wrote are now hand-written", "\n".join(h.new), "\n".join(h.old))
            taken.update(range(at, at + max(len(h.new), 1)))
            edits.append(Edit(at, at + len(h.new), list(h.old)))
        return Plan("edit", "undo", edits, unowned=list(self.hand_lines))


def _find_block(doc: MemoryDoc, h: Hunk, taken: set[int]) -> int | None:
    """Where hunk `h`'s new lines sit now (nearest its old position), or where to re-insert.

    Never inside (or above) frontmatter: memd does not write there, so neither does an undo.
    """
    n, lo = len(h.new), doc.fm_end
    if n:
        starts = [i for i in range(lo, len(doc.lines) - n + 1)
                  if doc.lines[i:i + n] == h.new and not taken & set(range(i, i + n))]
    elif h.before is None:
        starts = [lo]
    else:
        # The anchor may be the frontmatter's closing fence (the block went right below it).
        starts = [i + 1 for i in range(max(lo - 1, 0), len(doc.lines)) if doc.lines[i] == h.before]
    starts = [i for i in starts if i not in taken]
    if not starts:
        return None
    return min(starts, key=lambda i: abs(i - h.start))


OPERATIONS: dict[str, type[Operation]] = {
    cls.name: cls for cls in (SetFact, AddRelation, AddEvent, RemoveFact, ReplaceFact, CreateFile, RevertHunks)
}


# Operations defined outside the vault package register themselves when imported (the ask
# agent's file edits); rebuilding a journal or review entry of theirs imports them first, so
# any process (`memd review accept`, the writer's crash recovery) can replay them.
_OPERATION_MODULES = ("memd.agent.writes", "memd.importers.notion.review_op")


def operation_from_args(name: str, args: dict[str, Any]) -> Operation:
    """Rebuild an operation from the journal or the review queue."""
    if name not in OPERATIONS:
        import importlib

        for module in _OPERATION_MODULES:
            importlib.import_module(module)
    try:
        return OPERATIONS[name](**args)  # type: ignore[call-arg]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"cannot rebuild operation {name}: {exc}") from None


def render_new_text(doc: MemoryDoc, plan: Plan) -> tuple[str, list[Hunk]]:
    return apply_edits(doc, plan.edits)
