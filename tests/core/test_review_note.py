"""The review note (memory/Review.md) and the review queue, in process: the CLI's side.

Real files in a temp vault, real SQLite, the real writer and journal; each `api.call` is what a
`memd` command runs when no daemon is up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from memd import api
from memd.review_note import sync
from memd.state import Source
from memd.vault.review_note_format import read_answers, render

ENTITY = "memory/entities/jane_doe.md"
NOTE = "memory/Review.md"


def _queue_one(app, vault, proposed="Stripe"):
    """Jane's employer written by memd, changed by hand, then a new value from a chat: queued."""
    app.set_fact("Jane Doe", "employer", "Google", Source("ingest", link="[[memory-sources/chat/2024-05 chat#^t3]]"))
    path = vault / ENTITY
    path.write_text(path.read_text().replace("Google", "Alphabet"))
    app.index.index_paths([ENTITY])
    r = api.call(app, "fact.set", {"entity": "Jane Doe", "key": "employer", "value": proposed})
    assert r["counts"] == {"review": 1}
    return r["results"][0]["review_id"]


def _note(vault) -> str:
    return (vault / NOTE).read_bytes().decode()  # not read_text: it would hide a \r\n


def _answer(vault, item_id, old, new):
    text = _note(vault)
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{item_id}"))
    assert old in line
    (vault / NOTE).write_bytes(text.replace(line, line.replace(old, new, 1)).encode())


def test_a_queued_change_appears_as_a_task_with_links(app, vault):
    item = _queue_one(app, vault)
    text = _note(vault)
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{item}"))
    assert line.startswith("- [ ] [[memory/entities/jane_doe|Jane Doe]]: employer → Stripe (now: Alphabet)")
    assert "## Pending" in text and "## Done" in text
    # the note is not memory: not indexed, not an entity, not facts
    assert app.index.note(NOTE) is None
    assert app.find_entity("Review") is None
    assert api.call(app, "review.list", {})["items"][0]["id"] == item


def test_ticking_accepts_through_the_writer_and_journal(app, vault):
    item = _queue_one(app, vault)
    _answer(vault, item, "- [ ]", "- [x]")
    listed = api.call(app, "review.list", {"status": "all"})["items"]  # the CLI's next run
    assert [it["status"] for it in listed] == ["accepted"]
    assert "- employer: Stripe" in (vault / ENTITY).read_text()
    assert "Alphabet" not in (vault / ENTITY).read_text()
    journal = app.state.journal(path=ENTITY, limit=5)
    assert journal[0]["source"]["kind"] == "review" and journal[0]["source"]["ref"] == str(item)
    text = _note(vault)
    pending, done = text.split("## Done")
    assert f"^memd-{item}" not in pending
    assert f"- [x] Jane Doe: employer → Stripe (was: Alphabet) ✅ " in done and f"^memd-{item}" in done


def test_rejecting_leaves_the_hand_line(app, vault):
    item = _queue_one(app, vault)
    _answer(vault, item, "- [ ]", "- [-]")
    api.call(app, "status", {})
    assert app.state.review_item(item)["status"] == "rejected"
    assert "- employer: Alphabet" in (vault / ENTITY).read_text()
    done = _note(vault).split("## Done")[1]
    assert "- [-] Jane Doe: employer → Stripe (was: Alphabet) ❌ " in done


def test_an_edited_value_is_accepted_as_edited(app, vault):
    item = _queue_one(app, vault)
    _answer(vault, item, "→ Stripe", "→ Stripe Payments Europe")  # edited, not even ticked
    api.call(app, "review.list", {})
    assert app.state.review_item(item)["status"] == "accepted"
    text = (vault / ENTITY).read_text()
    assert "- employer: Stripe Payments Europe" in text and "Alphabet" not in text
    assert app.state.journal(path=ENTITY, limit=1)[0]["args"]["value"] == "Stripe Payments Europe"
    assert "→ Stripe Payments Europe (was: Alphabet) ✅" in _note(vault)


def test_an_edited_relation_points_at_the_named_entity(app, vault):
    app.add_relation(None, "employer", "Google", Source("cli"))
    user = vault / "memory/user.md"
    user.write_text(user.read_text().replace("[[entities/google.md]]", "[[entities/google.md]] (since 2019)"))
    app.index.index_paths(["memory/user.md"])
    r = api.call(app, "fact.set", {"entity": "user", "key": "employer", "value": "Acme"})
    assert r["counts"] == {"review": 1}
    item = r["results"][0]["review_id"]
    _answer(vault, item, "→ Acme", "→ Initech")
    api.call(app, "review.list", {})
    assert "- employer: Initech" in user.read_text()


def test_undo_of_an_accepted_item_makes_it_pending_again(app, vault):
    item = _queue_one(app, vault)
    _answer(vault, item, "- [ ]", "- [x]")
    api.call(app, "review.list", {})
    journal_id = app.state.review_item(item)["journal_id"]
    api.call(app, "undo", {"id": journal_id})
    assert "- employer: Alphabet" in (vault / ENTITY).read_text()
    assert [it["id"] for it in api.call(app, "review.list", {})["items"]] == [item]
    pending, done = _note(vault).split("## Done")
    assert f"- [ ] [[memory/entities/jane_doe|Jane Doe]]: employer → Stripe (now: Alphabet)" in pending
    assert f"^memd-{item}" not in done
    # ... and it can be accepted again
    _answer(vault, item, "- [ ]", "- [x]")
    api.call(app, "review.list", {})
    assert "- employer: Stripe" in (vault / ENTITY).read_text()


def test_cli_accept_moves_the_task_to_done(app, vault):
    item = _queue_one(app, vault)
    api.call(app, "review.resolve", {"id": item, "decision": "accept"})
    pending, done = _note(vault).split("## Done")
    assert f"^memd-{item}" not in pending and f"^memd-{item}" in done


def test_a_persons_other_edits_are_kept_byte_for_byte(app, vault):
    item = _queue_one(app, vault)
    text = _note(vault)
    mine_top = "Some thoughts of mine\r\n- [ ] my own task ^mine\n"
    mine_end = "\n## Later\n\n- [x] not memd's task ^memd-999\nclosing words"
    text = text.replace("## Pending", mine_top + "## Pending") + mine_end
    text = text.replace("- [ ] [[memory", "- [x] [[memory")
    (vault / NOTE).write_bytes(text.encode())
    api.call(app, "review.list", {})
    new = _note(vault)
    assert mine_top + "## Pending" in new
    assert new.rstrip("\n").endswith(mine_end)
    assert f"^memd-{item}" in new.split("## Done")[1]


def test_a_save_during_the_sync_is_never_lost(app, vault, monkeypatch):
    """The note is written by compare-and-swap: a person's save between memd's read and write
    wins, and the sync starts again on it."""
    item = _queue_one(app, vault)
    from memd import review_note

    real = review_note._render
    calls = []

    def racing(app_, text, report, keep):
        out = real(app_, text, report, keep)
        if not calls:
            calls.append(1)
            (vault / NOTE).write_text(_note(vault) + "typed while memd worked\n")
        return out

    monkeypatch.setattr(review_note, "_render", racing)
    _answer(vault, item, "- [ ]", "- [x]")
    sync(app)
    text = _note(vault)
    assert "typed while memd worked" in text
    assert f"^memd-{item}" in text.split("## Done")[1]
    assert app.state.review_item(item)["status"] == "accepted"


def test_an_answer_that_cannot_be_applied_stays_with_a_note(app, vault):
    item = _queue_one(app, vault)
    _answer(vault, item, "→ Stripe", "→ sk-live-abcdefghijklmnopqrstuvwx1234")  # a secret: refused
    report = sync(app)
    assert item in report.failed
    text = _note(vault)
    assert "sk-live" in text and "⚠ memd:" in text
    assert app.state.review_item(item)["status"] == "pending"
    assert "Alphabet" in (vault / ENTITY).read_text()


def test_the_note_can_be_turned_off(tmp_path, vault):
    from memd.app import Memd
    from memd.config import config_from_dict

    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "st"),
                            "writer": {"settle_seconds": 0, "fsync": False}, "memory": {"review_file": ""}},
                           tmp_path / "c.toml")
    with Memd(cfg) as app:
        _queue_one(app, vault)
        assert not (vault / NOTE).exists()


def test_render_is_stable_and_reads_back():
    item = {"id": 7, "path": "memory/user.md", "entity": "user", "key": "living_location", "op": "set_fact",
            "current": "- living_location: Porto", "proposed": "- living_location: Lisbon", "source": {},
            "status": "pending"}
    once = render(None, [item], [])
    assert render(once, [item], []) == once
    answers = read_answers(once.replace("→ Lisbon", "→ Lisbon, Portugal"))
    assert answers[7].value == "Lisbon, Portugal" and answers[7].decision is None


def test_the_cli_applies_a_tick_on_its_next_run(tmp_path, vault, app):
    """A real `memd` process, no daemon: its next command applies the tick."""
    item = _queue_one(app, vault)
    _answer(vault, item, "- [ ]", "- [x]")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'vault = "{vault}"\nstate_dir = "{app.config.state_dir}"\n[writer]\nsettle_seconds = 0.0\n')
    env = dict(os.environ, MEMD_CONFIG=str(cfg))
    r = subprocess.run([sys.executable, "-m", "memd", "review", "--json"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["items"] == []
    assert "- employer: Stripe" in (vault / ENTITY).read_text()


@pytest.mark.parametrize("mark", ["?", "/"])
def test_other_marks_are_not_answers(app, vault, mark):
    item = _queue_one(app, vault)
    _answer(vault, item, "- [ ]", f"- [{mark}]")
    api.call(app, "review.list", {})
    assert app.state.review_item(item)["status"] == "pending"


def test_the_ask_agent_does_not_see_the_note(app, vault):
    """The review note lives in the memory folder but is not memory: mem-agent neither lists nor
    opens it (and so cannot edit it)."""
    from memd.agent.memfs import PathRefused
    from memd.agent.tools import MemoryTools

    _queue_one(app, vault)
    fs = MemoryTools(app).fs
    assert "entities/jane_doe.md" in [e.rel for e in fs.walk()]
    assert "Review.md" not in [e.rel for e in fs.walk()]
    with pytest.raises(PathRefused):
        fs.rel("Review.md")
    with pytest.raises(PathRefused):
        fs.rel("./review.md")


@pytest.mark.parametrize("name", ["user.md", "entities/review.md", "../Review.md", ".hidden/Review.md"])
def test_a_review_file_that_is_memory_is_refused(tmp_path, vault, name):
    from memd.app import Memd
    from memd.config import config_from_dict
    from memd.errors import ConfigError

    cfg = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "st"),
                            "memory": {"review_file": name}}, tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="memory.review_file"):
        Memd(cfg)


def test_a_relation_edited_to_a_link_points_at_that_file(app, vault):
    app.add_relation(None, "employer", "Google", Source("cli"))
    app.add_relation(None, "friend", "Initech", Source("cli"))  # memory/entities/initech.md exists
    user = vault / "memory/user.md"
    user.write_text(user.read_text().replace("[[entities/google.md]]", "[[entities/google.md]] (since 2019)"))
    app.index.index_paths(["memory/user.md"])
    queued = [r for r in app.add_relation(None, "employer", "Acme", Source("cli")) if r.status == "review"]
    assert [r.op for r in queued] == ["add_relation"]
    item = queued[0].review_id
    sync(app)  # what the daemon's next tick (or the CLI's next command) does
    _answer(vault, item, "→ [[entities/acme.md]]", "→ [[entities/initech.md]]")
    api.call(app, "review.list", {})
    assert "- employer: [[entities/initech.md]]" in user.read_text()
    assert app.state.review_item(item)["status"] == "accepted"
    assert sorted(p.name for p in (vault / "memory/entities").glob("*.md")) == ["acme.md", "google.md", "initech.md"]


def test_a_tick_by_the_tasks_plugin_is_an_accept_of_the_value_as_proposed(app, vault):
    """The Tasks plugin adds its done date before the block id: not an edit of the value."""
    item = _queue_one(app, vault)
    text = _note(vault)
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{item}"))
    ticked = line.replace("- [ ]", "- [x]").replace(f" ^memd-{item}", f" ✅ 2026-12-02 ^memd-{item}")
    (vault / NOTE).write_bytes(text.replace(line, ticked).encode())
    api.call(app, "review.list", {})
    assert app.state.review_item(item)["status"] == "accepted"
    assert app.state.journal(path=ENTITY, limit=1)[0]["args"]["value"] == "Stripe"


def test_an_edited_supersede_keeps_its_history_line(app, vault):
    """A replacement memd read from a chat ("moved from Lisbon to Porto"), parked because the
    line was the user's, accepted with the value they typed: the old value goes to History."""
    from memd.vault.operations import ReplaceFact

    user = vault / "memory/user.md"
    user.parent.mkdir(parents=True)
    user.write_text("# User Information\n- living_location: Lisbon\n")
    app.index.scan()
    r = app.writer.apply(ReplaceFact("memory/user.md", "living_location", "Porto", old_value="Lisbon",
                                     as_of="2025-01", entity_name="user"), Source("ingest"))
    assert r.status == "review"
    sync(app)
    _answer(vault, r.review_id, "→ Porto", "→ Porto, Portugal")
    api.call(app, "review.list", {})
    text = user.read_text()
    assert "- living_location: Porto, Portugal\n" in text
    assert "## History\n- previous_living_location: Lisbon (until 2025-01)" in text
