"""Semantic operations through the real writer: what is written, what is refused, what is undone."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from memd.errors import ConflictError, NotFoundError, VaultError
from memd.state import Source
from memd.vault.operations import SetFact

SRC = Source("test", detail="unit test")


def read(vault, rel="memory/user.md"):
    return (vault / rel).read_text()


def test_user_facts_relations_and_events_in_the_standard_format(app, vault):
    app.set_fact(None, "user_name", "John Doe", SRC)
    app.set_fact(None, "Birth Date", "1990-01-01", SRC)
    app.add_relation(None, "mother", "Jane Doe", SRC)
    app.add_relation(None, "company", "Acme Corporation", SRC)
    app.add_event(None, "2024-05-01", "Moved to Berlin", SRC)
    app.add_event(None, "2023-01-15", "Started at Acme", SRC)
    assert read(vault) == (
        "# User Information\n- user_name: John Doe\n- birth_date: 1990-01-01\n\n"
        "## User Relationships\n- mother: [[entities/jane_doe.md]]\n- company: [[entities/acme_corporation.md]]\n\n"
        "## Events\n- 2023-01-15: Started at Acme\n- 2024-05-01: Moved to Berlin\n"
    )
    assert read(vault, "memory/entities/jane_doe.md") == "# Jane Doe\n- relationship: mother\n"


def test_same_fact_again_writes_nothing_and_update_keeps_old_value_in_journal(app, vault):
    app.set_fact(None, "living_location", "Enschede", SRC)
    before = (vault / "memory/user.md").stat().st_mtime_ns
    [r] = app.set_fact(None, "living_location", "enschede", SRC)
    assert r.status == "noop"
    assert (vault / "memory/user.md").stat().st_mtime_ns == before
    [r] = app.set_fact(None, "living_location", "Berlin", SRC)
    assert r.status == "applied" and "- living_location: Berlin" in read(vault)
    entry = app.state.journal_entry(r.journal_id)
    assert entry["change"]["hunks"][0]["old"] == ["- living_location: Enschede"]


def test_multi_valued_keys_accumulate_and_hand_lists_count(app, vault):
    app.set_fact(None, "likes", "hiking", SRC, multi=True)
    app.set_fact(None, "likes", "jazz", SRC, multi=True)
    assert read(vault).count("- likes:") == 2
    (vault / "memory/user.md").write_text(read(vault) + "- dislikes: olives, cilantro\n")
    app.index.index_paths(["memory/user.md"])
    [r] = app.set_fact(None, "dislikes", "Cilantro", SRC, multi=True)
    assert r.status == "noop"


def test_hand_written_line_is_never_overwritten_it_goes_to_review(app, vault):
    (vault / "memory").mkdir()
    (vault / "memory/user.md").write_text("---\ncssclasses: [wide]\n---\n# Me\n- living_location: Berlin  \n- note: mine\n")
    original = read(vault)
    [r] = app.set_fact(None, "living_location", "Lisbon", SRC)
    assert r.status == "review" and r.review_id
    assert read(vault) == original
    [r2] = app.set_fact(None, "living_location", "Lisbon", SRC)
    assert r2.review_id == r.review_id  # the same proposal is queued once
    [item] = app.review_list()
    assert item["current"] == "- living_location: Berlin  " and item["proposed"] == "- living_location: Lisbon"
    out = app.review_resolve(item["id"], "accept")
    assert out["status"] == "accepted"
    assert read(vault) == original.replace("- living_location: Berlin  ", "- living_location: Lisbon")


def test_rejected_proposals_are_not_asked_again(app, vault):
    (vault / "memory").mkdir()
    (vault / "memory/user.md").write_text("# Me\n- employer: Acme\n")
    [r] = app.set_fact(None, "employer", "Globex", SRC)
    app.review_resolve(r.review_id, "reject")
    [r2] = app.set_fact(None, "employer", "Globex", SRC)
    assert r2.status == "review" and r2.review_id == r.review_id
    assert app.review_list() == []
    with pytest.raises(ConflictError, match="already rejected"):
        app.review_resolve(r.review_id, "accept")


def test_memd_line_edited_by_hand_becomes_the_users(app, vault):
    app.set_fact(None, "pet", "a cat", SRC)
    (vault / "memory/user.md").write_text(read(vault).replace("a cat", "a cat called Mochi"))
    [r] = app.set_fact(None, "pet", "a dog", SRC)
    assert r.status == "review"
    assert "a cat called Mochi" in read(vault)


def test_remove_fact_only_removes_memd_lines(app, vault):
    app.set_fact(None, "employer", "Acme", SRC)
    [r] = app.remove_fact(None, "employer", "acme", SRC)
    assert r.status == "applied" and "employer" not in read(vault)
    (vault / "memory/user.md").write_text(read(vault) + "- employer: Initech\n")
    [r] = app.remove_fact(None, "employer", None, SRC)
    assert r.status == "review" and "- employer: Initech" in read(vault)


def test_exclusive_relation_replaces_and_plain_relation_accumulates(app, vault):
    app.add_relation(None, "employer", "Acme", SRC)
    app.add_relation(None, "employer", "Globex", SRC)
    text = read(vault)
    assert "- employer: [[entities/globex.md]]" in text and "acme.md" not in text
    app.add_relation(None, "friend", "Ann", SRC)
    app.add_relation(None, "friend", "Bob", SRC)
    app.add_relation(None, "friend", "ann", SRC)  # the same entity, any case
    assert read(vault).count("- friend:") == 2


def test_relation_recognises_hand_written_links_in_any_form(app, vault):
    (vault / "memory/entities").mkdir(parents=True)
    (vault / "memory/entities/jane_doe.md").write_text("---\naliases: [Mum]\n---\n# Jane Doe\n")
    (vault / "memory/user.md").write_text("# User Information\n\n## User Relationships\n- mother: [[Jane Doe|Mum]]\n")
    app.index.scan()
    results = app.add_relation(None, "mother", "Mum", SRC)
    assert [r.status for r in results if r.op == "add_relation"] == ["noop"]
    assert "- mother: [[Jane Doe|Mum]]\n" in read(vault) and "entities/jane_doe.md]]" not in read(vault)


def test_entities_are_found_by_title_alias_slug_and_accents(app, vault):
    app.set_fact("José Núñez", "job_title", "chef", SRC)
    assert app.find_entity("jose nunez").path == "memory/entities/jose_nunez.md"
    assert app.find_entity("José Núñez").path == "memory/entities/jose_nunez.md"
    assert app.find_entity("Jose_Nunez").path == "memory/entities/jose_nunez.md"
    assert app.find_entity("Nobody") is None


def test_slug_collision_between_different_entities(app, vault):
    app.set_fact("C++", "kind", "language", SRC)
    app.set_fact("C", "kind", "language", SRC)
    assert read(vault, "memory/entities/c.md").startswith("# C++")
    assert read(vault, "memory/entities/c_2.md").startswith("# C\n")


def test_undo_restores_and_refuses_after_a_hand_edit(app, vault):
    app.set_fact(None, "city", "Paris", SRC)
    [r] = app.set_fact(None, "city", "Rome", SRC)
    app.undo(r.journal_id)
    assert "- city: Paris" in read(vault)
    with pytest.raises(ConflictError, match="already undone"):
        app.undo(r.journal_id)
    [r] = app.set_fact(None, "city", "Oslo", SRC)
    (vault / "memory/user.md").write_text(read(vault).replace("Oslo", "Oslo, Norway"))
    with pytest.raises(ConflictError, match="edited since"):
        app.undo(r.journal_id)
    assert "- city: Oslo, Norway" in read(vault)
    with pytest.raises(NotFoundError):
        app.undo(9999)


def test_undo_of_entity_creation_removes_the_file_only_if_untouched(app, vault):
    app.set_fact(None, "user_name", "Sam", SRC)
    results = app.add_relation(None, "sister", "Anna", SRC)
    created = next(r for r in results if r.op == "create_entity")
    relation = next(r for r in results if r.op == "add_relation")
    [later] = app.set_fact("Anna", "living_location", "Paris", SRC)
    with pytest.raises(ConflictError, match="later operations"):
        app.undo(created.journal_id)
    app.undo(later.journal_id)
    (vault / "memory/entities/anna.md").write_text(read(vault, "memory/entities/anna.md") + "- hand: yes\n")
    with pytest.raises(ConflictError, match="edited by hand"):
        app.undo(created.journal_id)
    (vault / "memory/entities/anna.md").write_text("# Anna\n- relationship: sister\n")
    app.undo(relation.journal_id)
    app.undo(created.journal_id)
    assert not (vault / "memory/entities/anna.md").exists()
    assert "anna" not in read(vault)


def test_why_tells_memd_lines_from_hand_lines(app, vault):
    app.set_fact(None, "diet", "vegetarian", Source("ingest", ref="chat-1", detail="I'm vegetarian"))
    (vault / "memory/user.md").write_text(read(vault) + "- shoe_size: 42\n")
    why = app.why("user")
    by_key = {f["key"]: f for f in why["facts"]}
    assert by_key["diet"]["written_by"] == "memd" and by_key["diet"]["source"]["ref"] == "chat-1"
    assert by_key["shoe_size"]["written_by"] == "hand"
    assert app.why("me", "diet")["facts"][0]["source"]["detail"] == "I'm vegetarian"
    with pytest.raises(NotFoundError):
        app.why("user", "nope")


def test_file_mode_symlinks_and_crlf_are_kept(app, vault):
    (vault / "memory").mkdir()
    real = vault / "real_user.md"
    real.write_bytes(b"# User Information\r\n- a: 1\r\n")
    os.chmod(real, 0o640)
    (vault / "memory/user.md").symlink_to(real)
    app.set_fact(None, "b", "2", SRC)
    assert (vault / "memory/user.md").is_symlink()
    assert real.read_bytes() == b"# User Information\r\n- a: 1\r\n- b: 2\r\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert not [p for p in vault.rglob("*.tmp")]


def test_writer_waits_for_a_file_being_edited(config, vault):
    from memd.app import Memd

    config.writer.settle_seconds = 0.6
    with Memd(config) as app:
        app.set_fact(None, "a", "1", SRC)
        path = vault / "memory/user.md"
        path.write_text(path.read_text() + "- typed: just now\n")
        t0 = time.monotonic()
        app.set_fact(None, "b", "2", SRC)
        assert time.monotonic() - t0 >= 0.4
        assert "- typed: just now" in path.read_text() and "- b: 2" in path.read_text()


def test_compare_and_swap_replans_when_the_file_changes_mid_operation(app, vault, monkeypatch):
    app.set_fact(None, "a", "1", SRC)
    path = vault / "memory/user.md"
    original_plan = SetFact.plan
    calls = {"n": 0}

    def plan_then_user_types(self, doc, ctx):
        calls["n"] += 1
        if calls["n"] == 1:  # the user saves between memd's read and its write
            path.write_text(path.read_text() + "- typed: meanwhile\n")
        return original_plan(self, doc, ctx)

    monkeypatch.setattr(SetFact, "plan", plan_then_user_types)
    [r] = app.set_fact(None, "b", "2", SRC)
    assert r.status == "applied" and calls["n"] == 2
    assert "- typed: meanwhile" in path.read_text() and "- b: 2" in path.read_text()


def test_concurrent_writers_in_threads_lose_nothing(app, vault):
    def worker(n):
        for i in range(15):
            app.set_fact(None, f"k{n}", f"v{i}", SRC, multi=True)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = read(vault)
    assert all(f"- k{n}: v{i}" in text for n in range(4) for i in range(15))


def test_paths_outside_the_vault_or_ignored_are_refused(app):
    from memd.vault.operations import CreateFile

    for bad in ["../escape.md", "/etc/passwd", ".obsidian/x.md", "a/../../b.md", "x.sync-conflict-1.md"]:
        with pytest.raises(VaultError):
            app.writer.apply(CreateFile(bad, "x"), SRC)


def test_an_io_error_while_accepting_keeps_the_review_item(app, vault, monkeypatch):
    (vault / "memory").mkdir()
    (vault / "memory/user.md").write_text("# Me\n- city: Paris\n")
    [r] = app.set_fact(None, "city", "Rome", SRC)

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("memd.vault.writer.atomic_write", disk_full)
    with pytest.raises(VaultError, match="No space left"):
        app.review_resolve(r.review_id, "accept")
    monkeypatch.undo()
    assert [i["id"] for i in app.review_list()] == [r.review_id]
    assert app.review_resolve(r.review_id, "accept")["status"] == "accepted"
    assert "- city: Rome" in read(vault)


def test_a_guessed_key_writes_nothing_when_no_file_holds_the_old_value(app, vault):
    """"I switched from Android to an iPhone": the key is only a guess (only_if_held), so with no
    user.md yet there is no line holding Android to change, and nothing may be written."""
    from memd.api import remember

    remember(app, "I switched from Android to an iPhone last month.")
    text = read(vault) if (vault / "memory/user.md").exists() else ""
    assert "status" not in text and "- iPhone" not in text
    assert "switched from Android to an iPhone" in text  # the event itself is still recorded
    app.set_fact(None, "phone", "Android", SRC)
    remember(app, "I switched from Android to an iPhone.")
    assert "- phone: iPhone" in read(vault)
