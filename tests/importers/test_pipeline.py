"""The import pipeline in-process: transcript notes, extraction of new turns only, the ledger
(idempotent, incremental, resumable), custom-instruction dedup, chronological order, collisions,
hand-edited notes, filters, dry run, cancel, the import lock and status."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest

from memd import api
from memd.app import Memd
from memd.config import config_from_dict
from memd.errors import MemdError
from memd.importers.ledger import Ledger
from memd.importers.pipeline import ImportBusyError, ImportRequest, run_import

T0 = 1714550400.0  # 2024-05-01T08:00:00Z
DAY = 86400.0


# --- a ChatGPT export, written the way ChatGPT writes it ---------------------------------------
def conversation(cid, title, turns, *, created=T0, about=None):
    """A linear ChatGPT conversation; `turns` are (role, text). Node ids depend on the position,
    so a later version with more turns keeps the ids of the earlier ones."""
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"

    def add(nid, role, content, when, meta=None):
        nonlocal parent
        mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
            "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": when,
            "content": content, "metadata": meta or {}, "weight": 1.0, "recipient": "all"}}
        mapping[parent]["children"].append(nid)
        parent = nid

    if about:
        add(f"{cid}-about", "user", {"content_type": "user_editable_context",
                                     "user_profile": f"The user provided the following information about themselves."
                                                     f"\nUser profile:\n```{about}```",
                                     "user_instructions": ""},
            None, {"is_visually_hidden_from_conversation": True})
    for i, (role, text) in enumerate(turns):
        add(f"{cid}-n{i}", role, {"content_type": "text", "parts": [text]}, created + 60 * i)
    return {"id": cid, "conversation_id": cid, "title": title, "create_time": created,
            "update_time": created + 60 * len(turns), "mapping": mapping, "current_node": parent}


def write_export(folder: Path, convs) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conversations.json").write_text(json.dumps(convs), encoding="utf-8")
    return folder


def block(turn_id: str) -> str:
    return "t" + hashlib.sha256(turn_id.encode()).hexdigest()[:8]


def qa(*pairs):
    out = []
    for question in pairs:
        out += [("user", question), ("assistant", "Here is a detailed answer about that.")]
    return out


def decided(app, stream=None):
    """(stream, turn block id) of every decision recorded, oldest first."""
    rows = api.call(app, "decisions", {"stream": stream, "limit": 10000})["decisions"]
    return [(r["stream"], r["turn_id"]) for r in reversed(rows)]


def notes(vault: Path, source="chatgpt") -> dict[str, str]:
    folder = vault / "memory-sources" / source
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))} if folder.exists() else {}


def snapshot(vault: Path) -> dict[str, bytes]:
    return {p.relative_to(vault).as_posix(): p.read_bytes() for p in sorted(vault.rglob("*")) if p.is_file()}


def user_md(vault: Path) -> str:
    path = vault / "memory" / "user.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def imp(app, path, **kw):
    return run_import(app, ImportRequest(str(path), kw.pop("format", "chatgpt"), **kw))


def three(**overrides):
    convs = {
        "a": conversation("a", "Postgres index", qa("Why is my query slow after adding an index?"), created=T0),
        "b": conversation("b", "Moving", qa("I live in Lisbon.", "What should I pack?"), created=T0 + DAY),
        "c": conversation("c", "Go workers", qa("How do I stop a worker pool cleanly?"), created=T0 + 2 * DAY),
    }
    convs.update(overrides)
    return [convs[k] for k in sorted(convs, reverse=True)]  # ChatGPT lists the newest first


# --- tests -------------------------------------------------------------------------------------
def test_first_import_writes_notes_and_extracts_every_user_turn(app, vault, tmp_path):
    report = imp(app, write_export(tmp_path / "v1", three()))
    assert (report.new, report.updated, report.unchanged, report.failed) == (3, 0, 0, [])
    assert sorted(notes(vault)) == ["2024-05-01 Postgres index.md", "2024-05-02 Moving.md", "2024-05-03 Go workers.md"]
    moving = notes(vault)["2024-05-02 Moving.md"]
    assert moving.startswith("---\nsource: chatgpt\nid: b\ntitle: Moving\n")
    assert "> I live in Lisbon." in moving and f"^{block('b-n0')}" in moving
    # Every user turn was decided on, in chronological order; assistant turns were context only.
    assert decided(app) == [("chatgpt:a", block("a-n0")), ("chatgpt:b", block("b-n0")), ("chatgpt:b", block("b-n2")),
                            ("chatgpt:c", block("c-n0"))]
    assert "- living_location: Lisbon" in user_md(vault)
    assert report.facts_added >= 1 and report.decisions["add_memory"] == 1


def test_same_export_again_writes_nothing(app, vault, tmp_path):
    export = write_export(tmp_path / "v1", three())
    imp(app, export)
    before = snapshot(vault)
    mtimes = {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")}
    journal = app.state.counts()["journal"]
    decisions = len(decided(app))
    report = imp(app, export)
    assert (report.written, report.unchanged, report.turns_extracted, report.facts_added) == (0, 3, 0, 0)
    assert snapshot(vault) == before
    assert {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")} == mtimes
    assert app.state.counts()["journal"] == journal and len(decided(app)) == decisions


def test_newer_export_adds_new_and_extracts_only_new_turns(app, vault, tmp_path):
    imp(app, write_export(tmp_path / "v1", three()))
    first = len(decided(app))
    moving_v2 = conversation("b", "Moving to Lisbon",  # renamed, and two more exchanges
                             qa("I live in Lisbon.", "What should I pack?", "My sister Anna is a nurse.",
                                "Which area is quiet?"), created=T0 + DAY)
    new = conversation("d", "Rust lifetimes", qa("I work at Acme Corp as a data engineer."), created=T0 + 3 * DAY)
    report = imp(app, write_export(tmp_path / "v2", three(b=moving_v2, d=new)))
    assert (report.new, report.updated, report.unchanged) == (1, 1, 2)
    # Only the new user turns of the changed conversation, and the new conversation, were read.
    assert decided(app)[first:] == [("chatgpt:b", block("b-n4")), ("chatgpt:b", block("b-n6")),
                                    ("chatgpt:d", block("d-n0"))]
    # The note keeps its file name (links to it keep working) and shows the new turns and title.
    files = notes(vault)
    assert sorted(files) == ["2024-05-01 Postgres index.md", "2024-05-02 Moving.md", "2024-05-03 Go workers.md",
                             "2024-05-04 Rust lifetimes.md"]
    assert "title: Moving to Lisbon" in files["2024-05-02 Moving.md"]
    assert "> Which area is quiet?" in files["2024-05-02 Moving.md"]
    text = user_md(vault)
    assert "- employer: Acme Corp" in text and "- sister: [[entities/anna.md]]" in text
    # And a third run of the same newer export writes nothing.
    again = imp(app, tmp_path / "v2")
    assert (again.written, again.unchanged, again.turns_extracted) == (0, 4, 0)


def test_new_turns_are_read_with_the_turns_before_them_as_context(app, vault, tmp_path):
    imp(app, write_export(tmp_path / "v1", [conversation("s", "Family", qa("My sister Anna is a nurse."))]))
    longer = conversation("s", "Family", qa("My sister Anna is a nurse.", "She lives in Paris."))
    report = imp(app, write_export(tmp_path / "v2", [longer]))
    assert report.updated == 1 and decided(app)[-1] == ("chatgpt:s", block("s-n2"))
    assert "- living_location: Paris" in (vault / "memory" / "entities" / "anna.md").read_text()


def test_custom_instructions_are_extracted_once_per_text(app, vault, tmp_path):
    about_1 = "Preferred name: Ana\nRole: nurse in Porto"
    about_2 = "Preferred name: Ana\nRole: surgeon in Porto"
    convs = [conversation(c, f"Chat {c}", qa("How do I center a div?"), created=T0 + i * DAY,
                          about=about_1 if i < 3 else about_2) for i, c in enumerate("pqrs")]
    imp(app, write_export(tmp_path / "v1", convs[::-1]))
    abouts = [d for d in decided(app) if d[1] in {block(f"{c}-about:about_me") for c in "pqrs"}]
    assert abouts == [("chatgpt:p", block("p-about:about_me")), ("chatgpt:s", block("s-about:about_me"))]
    assert "- job_title: surgeon in Porto" in user_md(vault)
    # A later export with one more conversation repeating the text: still not read again.
    more = conversation("t", "Chat t", qa("And vertically?"), created=T0 + 9 * DAY, about=about_2)
    imp(app, write_export(tmp_path / "v2", [more] + convs[::-1]))
    assert ("chatgpt:t", block("t-about:about_me")) not in decided(app)
    assert ("chatgpt:t", block("t-n0")) in decided(app)
    # The repeated turn is still in each transcript.
    assert all("Role: nurse in Porto" in notes(vault)[f"2024-05-0{i + 1} Chat {c}.md"] for i, c in enumerate("pqr"))


def test_all_branches_are_in_the_note_but_only_the_branch_seen_is_extracted(app, vault, tmp_path):
    conv = conversation("br", "Branches", qa("I live in Lisbon."), created=T0)
    # An edited first prompt: a sibling of the prompt the user kept.
    conv["mapping"]["br-old"] = {"id": "br-old", "parent": "root", "children": [], "message": {
        "id": "br-old", "author": {"role": "user"}, "create_time": T0 - 30, "weight": 1.0, "recipient": "all",
        "content": {"content_type": "text", "parts": ["I live in Madrid."]}, "metadata": {}}}
    conv["mapping"]["root"]["children"].append("br-old")
    export = write_export(tmp_path / "x", [conv])
    report = imp(app, export, all_branches=True)
    note = notes(vault)["2024-05-01 Branches.md"]
    assert report.new == 1 and "## Other branch 1" in note and "> I live in Madrid." in note
    assert decided(app) == [("chatgpt:br", block("br-n0"))]
    assert "- living_location: Lisbon" in user_md(vault) and "Madrid" not in user_md(vault)


def test_conversations_are_read_oldest_first(app, vault, tmp_path):
    old = conversation("old", "Lisbon", qa("I live in Lisbon."), created=T0)
    new = conversation("new", "Porto", qa("I moved to Porto."), created=T0 + 30 * DAY)
    imp(app, write_export(tmp_path / "x", [new, old]))  # the export lists the newest first
    text = user_md(vault)
    assert "- living_location: Porto" in text and "- living_location: Lisbon" not in text


def test_same_day_same_title_gets_a_short_suffix(app, vault, tmp_path):
    convs = [conversation("one", "Trip", qa("Where to eat?"), created=T0),
             conversation("two", "Trip", qa("Where to sleep?"), created=T0 + 3600)]
    imp(app, write_export(tmp_path / "x", convs))
    suffix = hashlib.sha256(b"chatgpt:two").hexdigest()[:6]
    files = notes(vault)
    assert sorted(files) == ["2024-05-01 Trip (%s).md" % suffix, "2024-05-01 Trip.md"]
    assert "id: one" in files["2024-05-01 Trip.md"] and "id: two" in files[f"2024-05-01 Trip ({suffix}).md"]
    # A note the user wrote with that name is never taken over either.
    other = vault / "memory-sources" / "chatgpt" / "2024-05-01 Plans.md"
    other.write_text("# my own note\n")
    imp(app, write_export(tmp_path / "y", convs + [conversation("three", "Plans", qa("hi"), created=T0)]))
    assert other.read_text() == "# my own note\n"
    assert f"2024-05-01 Plans ({hashlib.sha256(b'chatgpt:three').hexdigest()[:6]}).md" in notes(vault)


def test_a_note_edited_by_hand_is_kept_and_new_turns_still_extracted(app, vault, tmp_path):
    imp(app, write_export(tmp_path / "v1", three()))
    note = vault / "memory-sources" / "chatgpt" / "2024-05-02 Moving.md"
    edited = note.read_text() + "\nMy own comment.\n"
    note.write_text(edited)
    moving_v2 = conversation("b", "Moving", qa("I live in Lisbon.", "What should I pack?", "I'm vegetarian."),
                             created=T0 + DAY)
    report = imp(app, write_export(tmp_path / "v2", three(b=moving_v2)))
    assert (report.kept, report.written) == (1, 0)
    assert note.read_text() == edited
    assert any("edited by hand" in w.message for w in report.warnings)
    assert "- diet: vegetarian" in user_md(vault)
    assert imp(app, tmp_path / "v2").turns_extracted == 0


def test_no_extract_now_extract_later(app, vault, tmp_path):
    export = write_export(tmp_path / "v1", three())
    report = imp(app, export, extract=False)
    assert (report.new, report.turns_extracted, report.facts_added) == (3, 0, 0)
    assert decided(app) == [] and "living_location" not in user_md(vault)
    before = notes(vault)
    report = imp(app, export)
    assert (report.written, report.unchanged, report.extracted_conversations) == (0, 3, 3)
    assert notes(vault) == before
    assert "- living_location: Lisbon" in user_md(vault)
    assert imp(app, export).turns_extracted == 0


def test_since_and_limit(app, vault, tmp_path):
    from datetime import datetime, timezone

    export = write_export(tmp_path / "v1", three())
    report = imp(app, export, since=datetime(2024, 5, 2, tzinfo=timezone.utc))
    assert (report.new, dict(report.skipped)) == (2, {"before --since": 1})
    assert sorted(notes(vault)) == ["2024-05-02 Moving.md", "2024-05-03 Go workers.md"]
    report = imp(app, export, limit=1)
    assert (report.new, report.unchanged, dict(report.skipped)) == (1, 2, {})
    assert len(notes(vault)) == 3
    more = [conversation(f"m{i}", f"More {i}", qa("hi there"), created=T0 + (10 + i) * DAY) for i in range(3)]
    report = imp(app, write_export(tmp_path / "v2", more + three()), limit=2)
    assert (report.new, report.unchanged, dict(report.skipped)) == (2, 3, {"over --limit": 1})


def test_dry_run_plans_and_writes_nothing(app, vault, tmp_path):
    imp(app, write_export(tmp_path / "v1", three()))
    before = snapshot(vault)
    ledger_before = Ledger(app.state).counts()
    moving_v2 = conversation("b", "Moving", qa("I live in Lisbon.", "What should I pack?", "More?"), created=T0 + DAY)
    report = imp(app, write_export(tmp_path / "v2", three(b=moving_v2, d=conversation("d", "New", qa("x")))),
                 dry_run=True)
    assert snapshot(vault) == before and Ledger(app.state).counts() == ledger_before
    planned = {(n.key, n.state, n.path, n.turns_to_extract) for n in report.survey.planned}
    assert planned == {("chatgpt:b", "changed", "memory-sources/chatgpt/2024-05-02 Moving.md", 2),
                       ("chatgpt:d", "new", "memory-sources/chatgpt/2024-05-01 New.md", 2)}
    data = report.to_json()
    assert (data["survey"]["conversations"], data["survey"]["turns"]) == (4, 12)
    assert data["survey"]["formats"][0]["plan"] == {"unchanged": 2, "changed": 1, "new": 1}
    assert (data["survey"]["first"], data["survey"]["last"]) == ("2024-05-01T08:00:00Z", "2024-05-03T08:01:00Z")


class Crash(BaseException):
    """Stands for the process dying: nothing catches it."""


class CrashingBackend:
    """The rules backend, dying on its Nth decision (after the transcript of that conversation
    is written, before its ledger row is done)."""

    name = "rules"
    tags_buffered_turns = True  # as the rules backend it wraps

    def __init__(self, at: int):
        from memd.extract.rules import RulesBackend

        self.inner, self.calls, self.at = RulesBackend(), 0, at

    def decide(self, request):
        self.calls += 1
        if self.calls == self.at:
            raise Crash()
        return self.inner.decide(request)


def test_interrupted_import_resumes_without_duplicates(app, vault, tmp_path, config):
    convs = [conversation(f"c{i}", f"Chat {i % 3}", qa(f"I live in City{i}." if i % 4 == 0 else "How do I sort?",
                                                       "I have a dog named Rex." if i == 5 else "thanks"),
                          created=T0 + (i // 2) * DAY) for i in range(8)]
    export = write_export(tmp_path / "x", convs)
    with pytest.raises(Crash):
        run_import(app, ImportRequest(str(export), "chatgpt"), backend=CrashingBackend(at=7))
    ledger = Ledger(app.state)
    assert ledger.counts() == {"chatgpt:done": 3, "chatgpt:pending": 1}
    assert ledger.run()["status"] == "failed"
    report = imp(app, export)
    assert (report.new, report.unchanged) == (4, 4)  # the interrupted one's note was already complete
    assert ledger.counts() == {"chatgpt:done": 8}
    # Exactly the notes and the memory of an uninterrupted import.
    clean_vault = tmp_path / "clean"
    clean_vault.mkdir()
    clean = Memd(config_from_dict({"vault": str(clean_vault), "state_dir": str(tmp_path / "clean-state"),
                                   "writer": {"settle_seconds": 0, "fsync": False}}))
    try:
        imp(clean, export)
    finally:
        clean.close()
    assert snapshot(vault) == snapshot(clean_vault)
    assert len(notes(vault)) == 8


def test_facts_put_off_by_a_hand_edit_are_read_again_next_run(app, vault, tmp_path):
    export = write_export(tmp_path / "v1", three())
    user = vault / "memory" / "user.md"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("# User Information\n")  # the user is typing in it right now
    app.writer.settle_seconds, app.writer.max_settle_wait = 30.0, 0.05
    report = imp(app, export)
    assert report.new == 3 and report.facts_added == 0
    assert [(w.where, "being edited" in w.message) for w in report.warnings] == [("b", True)]
    assert user.read_text() == "# User Information\n"
    app.writer.settle_seconds = 0.0  # the edit has settled
    report = imp(app, export)
    assert (report.written, report.extracted_conversations) == (0, 1)
    assert "- living_location: Lisbon" in user.read_text()
    assert imp(app, export).turns_extracted == 0


def test_notes_of_a_lost_state_are_adopted_not_duplicated(app, vault, tmp_path):
    export = write_export(tmp_path / "v1", three())
    imp(app, export)
    before = snapshot(vault)
    # The vault synced to a new machine: same notes, empty state database.
    fresh = Memd(config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "new-state"),
                                   "writer": {"settle_seconds": 0, "fsync": False}}))
    try:
        report = imp(fresh, export)
    finally:
        fresh.close()
    assert (report.new, report.unchanged) == (0, 3)
    assert snapshot(vault) == before


def test_one_broken_conversation_is_reported_and_skipped(app, vault, tmp_path):
    broken = {"id": "bad", "conversation_id": "bad", "title": "Broken"}  # no mapping
    report = imp(app, write_export(tmp_path / "x", three() + [broken]))
    assert report.new == 3
    assert [(p.where, p.message) for p in report.failed] == [
        ("bad", "skipped, malformed record (KeyError: 'mapping')")]


def test_a_member_that_cannot_be_read_refuses_the_whole_export(app, vault, tmp_path, monkeypatch):
    from memd.errors import InputFormatError
    from memd.importers import safezip

    export = write_export(tmp_path / "x", three())
    before = snapshot(vault)

    def denied(entry):
        raise PermissionError(13, "Permission denied", entry.member)

    monkeypatch.setattr(safezip, "_open_plain", denied)  # what a chmod 000 member does to a non-root user
    with pytest.raises(InputFormatError) as err:
        imp(app, export)
    assert str(err.value) == f"{export / 'conversations.json'}: cannot be read (Permission denied)"
    assert snapshot(vault) == before and Ledger(app.state).counts() == {}


def test_a_conversation_twice_in_one_export_is_imported_once(app, vault, tmp_path):
    report = imp(app, write_export(tmp_path / "x", three() + [three()[0]]))
    assert (report.new, dict(report.skipped)) == (3, {"duplicate in the export": 1})
    assert [(w.where, w.message) for w in report.warnings] == [("c", "appears twice in the export; the first one is kept")]


def test_spool_gives_records_back_oldest_first_and_undated_last(tmp_path):
    from memd.importers.spool import Spool

    with Spool(tmp_path) as spool:
        for key, record in ((3.0, "c"), (float("inf"), "undated"), (1.0, "a"), (3.0, "c2"), (2.0, {"b": [1]})):
            spool.add(key, record)
        assert len(spool) == 5 and list(spool.drain()) == ["a", {"b": [1]}, "c", "c2", "undated"]
    assert list(tmp_path.iterdir()) == []  # the staging file never had a name


def test_chat_logs_are_split_by_month_and_know_who_is_me(app, vault, tmp_path):
    log = tmp_path / "WhatsApp Chat with Family.txt"
    log.write_text("\n".join([
        "01/03/2024, 09:00 - Ana: I live in Lisbon.",
        "01/03/2024, 09:05 - Bob: I work at Globex as a pilot.",
        "02/04/2024, 10:00 - Ana: My sister Anna is a nurse.",
    ]) + "\n", encoding="utf-8")
    report = imp(app, log, format="auto", me=["Ana"])
    assert report.format == "whatsapp" and report.new == 2
    assert sorted(notes(vault, "whatsapp")) == ["2024-03-01 Family (2024-03).md", "2024-04-02 Family (2024-04).md"]
    text = user_md(vault)
    assert "- living_location: Lisbon" in text and "- sister: [[entities/anna.md]]" in text
    bob = (vault / "memory" / "entities" / "bob.md").read_text()
    assert "- employer: Globex" in bob and "pilot" in bob


def test_a_fact_links_to_the_turn_it_came_from(app, vault, tmp_path):
    imp(app, write_export(tmp_path / "v1", three()))
    [fact] = app.why("user", "living_location")["facts"]
    link = fact["source"]["link"]
    assert link == f"[[memory-sources/chatgpt/2024-05-02 Moving#^{block('b-n0')}]]"
    assert fact["source"]["kind"] == "import:chatgpt"
    note = (vault / "memory-sources" / "chatgpt" / "2024-05-02 Moving.md").read_text()
    assert f"> I live in Lisbon.\n\n^{block('b-n0')}\n" in note


def test_cancel_stops_between_conversations(app, vault, tmp_path):
    export = write_export(tmp_path / "x", three())
    cancel = threading.Event()
    events = []

    def progress(event):
        events.append((event.phase, event.done, event.total))
        if event.phase == "writing" and event.done == 1:
            cancel.set()

    report = run_import(app, ImportRequest(str(export), "chatgpt"), progress=progress, cancel=cancel)
    assert report.cancelled and report.new == 1
    assert ("reading", 3, None) in events and ("writing", 0, 3) in events
    assert Ledger(app.state).run()["status"] == "cancelled"
    assert imp(app, export).new == 2


def test_one_import_at_a_time_and_status(app, vault, tmp_path):
    export = write_export(tmp_path / "x", three())
    started, release = threading.Event(), threading.Event()

    def progress(event):
        if event.phase == "writing" and event.done == 1:
            started.set()
            release.wait(10)

    # The daemon runs the import in a thread and answers import.status meanwhile.
    thread = threading.Thread(target=lambda: run_import(app, ImportRequest(str(export), "chatgpt"),
                                                        progress=progress))
    thread.start()
    try:
        assert started.wait(10)
        with pytest.raises(ImportBusyError, match="another import is running"):
            api.call(app, "import.start", {"path": str(export), "format": "chatgpt"})
        running = api.call(app, "import.status")["run"]
        assert (running["status"], running["phase"], running["total"]) == ("running", "writing", 3)
    finally:
        release.set()
        thread.join(10)
    done = api.call(app, "import.status", {"id": running["id"]})["run"]
    assert done["status"] == "done" and done["counts"]["new"] == 3 and done["done"] == 3
    again = api.call(app, "import.start", {"path": str(export), "format": "chatgpt"})
    assert (again["written"], again["unchanged"]) == (0, 3)
    status = api.call(app, "import.status")
    assert status["ledger"] == {"chatgpt:done": 3} and [r["status"] for r in status["recent"]] == ["done", "done"]
    with pytest.raises(MemdError):
        api.call(app, "import.status", {"id": 999})
    # Input refused up front is a failed run too: a daemon answers import.start before it fails.
    with pytest.raises(MemdError, match="no such file or folder"):
        api.call(app, "import.start", {"path": str(tmp_path / "gone.zip")})
    failed = api.call(app, "import.status")["run"]
    assert failed["status"] == "failed" and failed["error"].endswith("gone.zip: no such file or folder")


def test_api_validates_its_parameters(app, tmp_path):
    with pytest.raises(api.ParamsError, match="unknown format"):
        api.call(app, "import.start", {"path": str(tmp_path), "format": "myspace"})
    with pytest.raises(api.ParamsError, match="limit"):
        api.call(app, "import.start", {"path": str(tmp_path), "limit": 0})
    with pytest.raises(api.ParamsError, match="--since"):
        api.call(app, "import.start", {"path": str(tmp_path), "since": "last tuesday"})
