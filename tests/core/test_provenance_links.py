"""Each fact memd writes ends in a ↗ link to the transcript turn it came from; nothing that reads
the fact's value sees the link (parser, index, search, ask, get_entity, supersede, review)."""

from __future__ import annotations


import pytest

from memd import api
from memd.state import Source
from memd.vault import provenance
from memd.vault.memfile import MemoryDoc
from memd.vault.memory_view import replace_value
from memd.vault.operations import ReplaceFact, SetFact

NOTE = "memory-sources/chat/2024-05 chat"
LINK = f"[[{NOTE}#^t12]]"
SAID = "I live in Lisbon and my sister Ana is a dentist."


@pytest.fixture
def transcript(vault):
    path = vault / f"{NOTE}.md"
    path.parent.mkdir(parents=True)
    path.write_text(f"---\nsource: chat\n---\n# 2024-05 chat\n\n> [!user] Me\n> {SAID} ^t12\n")
    return path


def _ingest(app, text=SAID, link=LINK, stream="s1"):
    app.index.scan()
    return api.call(app, "ingest", {"stream": stream, "text": text, "source_link": link})


def test_fact_lines_link_their_source_turn(app, vault, transcript):
    _ingest(app)
    user = (vault / "memory/user.md").read_text()
    assert f"- living_location: Lisbon [[{NOTE}#^t12|↗]]" in user
    ana = (vault / "memory/entities/ana.md").read_text()
    assert f"- job_title: dentist [[{NOTE}#^t12|↗]]" in ana


def test_readers_see_values_without_the_link(app, vault, transcript):
    _ingest(app)
    doc = MemoryDoc.parse((vault / "memory/user.md").read_text())
    loc = doc.facts_for("living_location")[0]
    assert (loc.value, loc.source) == ("Lisbon", f"{NOTE}#^t12")
    assert {f["value"] for f in app.index.facts(key="living_location")} == {"Lisbon"}
    hit = api.call(app, "search", {"query": "Lisbon", "kind": "memory"})["results"][0]
    assert hit["text"] == "- living_location: Lisbon"
    # a query naming only the transcript's title does not find every fact read from it
    assert not api.call(app, "search", {"query": "chat", "kind": "memory"})["results"]
    answer = api.call(app, "ask", {"question": "Where do I live?"})
    assert answer["answer"] == "Lisbon"
    ana = api.call(app, "get_entity", {"name": "Ana"})
    assert {f["key"]: f["value"] for f in ana["facts"]} == {"relationship": "sister", "job_title": "dentist"}
    user = api.call(app, "get_entity", {"name": "user"})
    assert [r["targets"] for r in user["relations"]] == [["memory/entities/ana.md"]]  # not the transcript


def test_no_entity_is_an_orphan(app, vault, transcript):
    """Every entity memd wrote from a conversation links the transcript it came from (Obsidian's
    backlinks pane of the transcript lists it) and is linked from user.md when it is related."""
    _ingest(app)
    app.index.scan()
    backlinks = {b["source"] for b in app.index.backlinks(f"{NOTE}.md")}
    assert {"memory/user.md", "memory/entities/ana.md"} <= backlinks
    for path in (vault / "memory/entities").glob("*.md"):
        rel = path.relative_to(vault).as_posix()
        out = [b for b in app.index.backlinks(f"{NOTE}.md") if b["source"] == rel]
        inbound = app.index.backlinks(rel)
        assert out or inbound, f"{rel} is an orphan"


def test_the_same_fact_from_another_turn_is_not_written_twice(app, vault, transcript):
    _ingest(app)
    _ingest(app, text="I live in Lisbon.", link=f"[[{NOTE}#^t99]]", stream="s2")
    user = (vault / "memory/user.md").read_text()
    assert user.count("living_location") == 1 and "#^t12|↗" in user


def test_a_replaced_value_takes_its_new_source_and_history_keeps_the_old(app, vault, transcript):
    _ingest(app)
    op = ReplaceFact("memory/user.md", "living_location", "Porto", old_value="Lisbon", as_of="2025-01")
    result = app.writer.apply(op, Source("ingest", link=f"[[{NOTE}#^t40]]"))
    assert result.status == "applied"
    doc = MemoryDoc.parse((vault / "memory/user.md").read_text())
    now = doc.facts_for("living_location")[0]
    assert (now.value, now.source) == ("Porto", f"{NOTE}#^t40")
    assert doc.lines[now.index] == f"- living_location: Porto [[{NOTE}#^t40|↗]]"
    prev = doc.facts_for("previous_living_location")[0]
    assert (prev.value, prev.source) == ("Lisbon (until 2025-01)", f"{NOTE}#^t12")
    # and undo puts the first line back exactly
    app.undo(result.journal_id)
    assert f"- living_location: Lisbon [[{NOTE}#^t12|↗]]" in (vault / "memory/user.md").read_text()


def test_replace_value_never_edits_inside_the_link():
    doc = MemoryDoc.parse("# U\n- topic: chat [[memory-sources/chat/x chat#^t1|↗]]\n")
    assert replace_value(doc, doc.facts[0], "music") == "- topic: music"


def test_remove_by_value_on_a_linked_line(app, vault, transcript):
    _ingest(app)
    r = api.call(app, "fact.remove", {"entity": "Ana", "key": "job_title", "value": "dentist"})
    assert r["counts"] == {"applied": 1}
    assert "dentist" not in (vault / "memory/entities/ana.md").read_text()


def test_a_hand_written_link_in_a_value_is_part_of_the_value():
    doc = MemoryDoc.parse("# U\n- friend: [[entities/bob.md]]\n- note: see [[Trip|the trip]]\n")
    assert [f.value for f in doc.facts] == ["[[entities/bob.md]]", "see [[Trip|the trip]]"]
    assert all(f.source is None for f in doc.facts)


def test_the_option_turns_links_off(tmp_path, vault, transcript):
    from memd.app import Memd
    from memd.config import config_from_dict

    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "st"),
                            "writer": {"settle_seconds": 0, "fsync": False},
                            "memory": {"provenance_links": False}}, tmp_path / "c.toml")
    with Memd(cfg) as app:
        _ingest(app)
    assert "↗" not in (vault / "memory/user.md").read_text()
    assert "- living_location: Lisbon\n" in (vault / "memory/user.md").read_text()


def test_a_review_task_shows_the_value_and_links_the_turn(app, vault, transcript):
    _ingest(app)
    user = vault / "memory/user.md"
    user.write_text(user.read_text().replace("Lisbon [[", "Lisbon, Portugal [["))  # a hand edit
    app.index.index_paths(["memory/user.md"])
    op = SetFact("memory/user.md", "living_location", "Porto")
    result = app.writer.apply(op, Source("ingest", link=f"[[{NOTE}#^t40]]"))
    assert result.status == "review"
    from memd.review_note import sync

    sync(app)
    text = (vault / "memory/Review.md").read_text()
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{result.review_id}"))
    assert "living_location → Porto (now: Lisbon, Portugal)" in line
    assert f"[[{NOTE}#^t40|↗]]" in line


def test_provenance_helpers():
    assert provenance.compact(LINK) == f"[[{NOTE}#^t12|↗]]"
    assert provenance.compact("not a link") is None and provenance.compact(None) is None
    assert provenance.split(f"Lisbon [[{NOTE}#^t12|↗]]") == ("Lisbon", f"{NOTE}#^t12")
    assert provenance.with_link(f"- a: b [[x#^t1|↗]]", "[[y#^t2|↗]]") == "- a: b [[y#^t2|↗]]"
    assert provenance.target_of(f"[[{NOTE}#^t12|↗]]") == NOTE


def test_same_proposal_from_two_turns_is_queued_once(app, vault, transcript):
    _ingest(app)
    user = vault / "memory/user.md"
    user.write_text(user.read_text().replace("Lisbon [[", "Lisbon, Portugal [["))
    app.index.index_paths(["memory/user.md"])
    ids = {app.writer.apply(SetFact("memory/user.md", "living_location", "Porto"),
                            Source("ingest", link=f"[[{NOTE}#^t{n}]]")).review_id for n in (40, 41)}
    assert len(ids) == 1


def test_transcript_participants_link_their_files(app, vault, tmp_path):
    """A chat log import: the user and the people memory has a file for are links in the
    transcript's `participants`; an import of the same log again writes nothing."""
    log = tmp_path / "chat.txt"
    log.write_text("12/03/2024, 10:00 - Ana: Hi Bob! I moved to Lisbon last month.\n"
                   "12/03/2024, 10:01 - Bob: Nice! My sister Carla is a dentist there.\n"
                   "12/03/2024, 10:02 - Zoe: hello all\n")
    app.config.import_.me = ["Ana"]
    api.call(app, "import.start", {"path": str(log), "format": "whatsapp"})
    note = next((vault / "memory-sources").rglob("*.md"))
    text = note.read_text()
    assert '\nparticipants:\n- "[[memory/user|Ana]]"\n- "[[memory/entities/bob|Bob]]"\n- Zoe\n' in text
    assert (vault / "memory/entities/bob.md").exists()
    app.index.scan()
    assert any(b["source"] == note.relative_to(vault).as_posix()
               for b in app.index.backlinks("memory/entities/bob.md"))
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    report = api.call(app, "import.start", {"path": str(log), "format": "whatsapp"})
    assert report["written"] == 0
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == before


def test_participant_link_text_transform():
    from memd.vault.participant_links import link

    text = "---\nsource: x\nparticipants:\n- Ana\n- 'yes'\n- José Silva\ntitle: t\n---\n# t\n- Ana\n"
    out = link(text, {"Ana": "memory/user", "yes": "memory/entities/yes", "Bob": "memory/entities/bob"})
    assert out == ('---\nsource: x\nparticipants:\n- "[[memory/user|Ana]]"\n- "[[memory/entities/yes|yes]]"\n'
                   "- José Silva\ntitle: t\n---\n# t\n- Ana\n")
    assert link("# no frontmatter\n", {"Ana": "memory/user"}) == "# no frontmatter\n"


def test_an_entity_without_a_source_turn_is_not_an_orphan(app, vault, transcript):
    """`memd fact set Bob age 30` (no transcript to link): Bob's file links the user who told memd,
    in the same write that creates it (one undo removes both)."""
    api.call(app, "fact.set", {"entity": "user", "key": "hometown", "value": "Faro"})  # `memd init` writes user.md
    api.call(app, "fact.set", {"entity": "Bob", "key": "age", "value": "30"})
    bob = (vault / "memory/entities/bob.md").read_text()
    assert bob == "# Bob\n- mentioned_by: [[user.md]]\n- age: 30\n"
    app.index.scan()
    assert [b["source"] for b in app.index.backlinks("memory/user.md")] == ["memory/entities/bob.md"]
    # an entity from a conversation links its turn instead
    _ingest(app)
    assert "mentioned_by" not in (vault / "memory/entities/ana.md").read_text()


def test_a_participant_links_only_the_file_of_that_name(app, vault):
    from types import SimpleNamespace

    from memd.vault.participant_links import targets

    (vault / "memory/entities").mkdir(parents=True)
    (vault / "memory/entities/ana.md").write_text("# Ana Maria\n- age: 40\n")
    (vault / "memory/entities/rui_costa.md").write_text("# Rui Costa\n- age: 41\n")
    app.index.scan()
    turns = [SimpleNamespace(author="Me", role="user"), SimpleNamespace(author="Claude", role="assistant")]
    got = targets(app, ["Me", "Ana", "Rui  Costa", "Claude", "Nobody"], turns, [])
    assert got == {"Me": "memory/user", "Rui  Costa": "memory/entities/rui_costa"}
