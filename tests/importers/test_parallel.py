"""Planning in worker processes (importers/plan.py, plan_rules.py): the same import with the
workers and without them leaves byte-identical vaults, the same journal (operations, paths,
sources, hunks), the same decisions, review items, ledger, report and index. Also with several
workers, when a plan's assumption fails (an About-me text not read by the conversation before),
when planning fails on a conversation, or when a worker dies."""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
from pathlib import Path

import pytest

from memd.app import Memd
from memd.config import config_from_dict
from memd.extract.loop import ExtractionLoop
from memd.extract.rules import RulesBackend
from memd.extract.tools import Turn as LoopTurn
from memd.importers.pipeline import ImportRequest, run_import

T0 = 1714550400.0  # 2024-05-01T08:00:00Z
DAY = 86400.0

ABOUT = ["I'm a backend engineer living in Lisbon. I work mostly with Python.",
         "I'm a data engineer at Acme Corp. I live in Porto and I'm learning Japanese."]
PERSONAL = [
    "I live in Lisbon.", "I moved to Porto in March.", "My sister Anna is a nurse.", "She lives in Paris.",
    "He works at Google.", "He is a teacher.", "My brother Luis lives in Madrid.", "I have a dog named Miso.",
    "I'm allergic to peanuts.", "I'm vegetarian.", "I work at Acme Corp as a data engineer.",
    "my password is hunter22 and I live in Braga.", "I love hiking in the mountains.", "I'm learning Japanese.",
    "My partner Tom is a teacher.", "I don't work at Acme any more.", "My birthday is on July 14.",
    "Call me at card 4111 1111 1111 1111 please, I live in Faro.",
]
QUESTIONS = ["Why is my query slow after adding an index?", "How do I stop a worker pool cleanly?",
             "Can you explain asyncio cancellation?", "thanks, that worked", "ok and what if the load doubles?"]
ANSWERS = ["Check the planner statistics first.", "Use a context and a WaitGroup.",
           "Cancellation is delivered at the next await. " * 40]


def node(mapping, nid, parent, role, content, when, meta=None):
    mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
        "id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": when,
        "content": content, "metadata": meta or {}, "weight": 1.0, "recipient": "all"}}
    if parent is not None:
        mapping[parent]["children"].append(nid)
    return nid


def chat(rng, index, when, turns_extra=0):
    """A ChatGPT conversation: custom instructions sometimes, personal statements among
    technical questions, an edited prompt now and then (a branch the user left)."""
    cid = f"conv-{index:04d}"
    mapping = {"root": {"id": "root", "parent": None, "children": [], "message": None}}
    parent = "root"
    if rng.random() < 0.5:
        about = ABOUT[0] if when < T0 + 20 * DAY else ABOUT[1]
        parent = node(mapping, f"{cid}-about", parent, "user", {
            "content_type": "user_editable_context",
            "user_profile": f"The user provided the following information about themselves.\nUser profile:\n```{about}```",
            "user_instructions": "The user provided the additional info about how they would like you to respond:"
                                 "\n```Be concise.```"}, None, {"is_visually_hidden_from_conversation": True})
    t = when
    # One chat keeps saying "he" with nobody to refer to: its buffer overflows.
    script = ["He works at Google.", "He is a teacher.", "He lives in Rome.", "He has a cat.",
              "My brother Luis lives in Madrid."] if index == 7 else []
    for i in range(max(len(script), rng.randint(1, 6)) + turns_extra):
        t += 60
        text = script[i] if i < len(script) else rng.choice(PERSONAL) if rng.random() < 0.45 else rng.choice(QUESTIONS)
        if rng.random() < 0.1:
            node(mapping, f"{cid}-old{i}", parent, "user", {"content_type": "text", "parts": [rng.choice(PERSONAL)]},
                 t - 5)
        parent = node(mapping, f"{cid}-u{i}", parent, "user", {"content_type": "text", "parts": [text]}, t)
        parent = node(mapping, f"{cid}-a{i}", parent, "assistant",
                      {"content_type": "text", "parts": [rng.choice(ANSWERS)]}, t + 5)
    title = "Same title" if (index // 2) % 5 == 0 else f"Chat {index % 7}"  # some same-day pairs collide
    return {"id": cid, "conversation_id": cid, "title": title, "create_time": when, "update_time": t,
            "mapping": mapping, "current_node": parent}


def export(folder: Path, count: int, seed: int, grow: set[int] = frozenset()) -> Path:
    rng = random.Random(seed)
    convs = []
    for i in range(count):
        # Same-day pairs with the same title (path collisions), newest first like ChatGPT.
        when = T0 + (i // 2) * DAY + (i % 2) * 3600
        convs.append(chat(random.Random(rng.random()), i, when, turns_extra=3 if i in grow else 0))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conversations.json").write_text(json.dumps(list(reversed(convs))), encoding="utf-8")
    return folder


def make_app(root: Path) -> Memd:
    vault = root / "vault"
    (vault / "memory").mkdir(parents=True, exist_ok=True)
    # A hand-written line memd must not replace: the import parks its update for review.
    (vault / "memory" / "user.md").write_text("# User Information\n- employer: Initech\n", encoding="utf-8")
    return Memd(config_from_dict({
        "vault": str(vault), "state_dir": str(root / "state"),
        "writer": {"settle_seconds": 0, "fsync": False},
        "extract": {"buffer_max_turns": 2},
        "privacy": {"never_store_categories": ["health"]},
    }))


def state_of(app: Memd, report) -> dict:
    vault = app.config.vault
    files = {p.relative_to(vault).as_posix(): p.read_bytes() for p in sorted(vault.rglob("*")) if p.is_file()}
    db = sqlite3.connect(app.config.state_db)
    try:
        tables = {
            "journal": "SELECT id, op, args, path, entity, key, source_kind, source_ref, source_detail, hash_before,"
                       " hash_after, change, status, undo_of, owned_added, owned_removed FROM journal ORDER BY id",
            "decisions": "SELECT id, stream, turn_id, tool, arguments, reasoning, searches, final, warnings,"
                         " journal_ids, review_ids FROM decisions ORDER BY id",
            "review": "SELECT id, path, entity, key, op, args, source, reason, current, proposed, granted,"
                      " fingerprint, status FROM review ORDER BY id",
            "owned": "SELECT path, line_hash, count FROM owned_lines ORDER BY path, line_hash",
            "ledger": "SELECT source, source_id, kind, title, path, content_hash, turns, extracted, written_hash,"
                      " status FROM import_ledger ORDER BY source, source_id",
            "seen": "SELECT hash, conversation FROM import_seen_text ORDER BY hash",
        }
        out = {name: db.execute(sql).fetchall() for name, sql in tables.items()}
    finally:
        db.close()
    # The index too (the worker indexes transcript notes): what each note holds, where links lead.
    db = sqlite3.connect(app.config.index_db)
    try:
        index = {
            "notes": "SELECT path, kind, size, hash, title, aliases, tags, warning FROM notes ORDER BY path",
            "chunks": "SELECT n.path, c.heading, c.level, c.start_line, c.end_line FROM chunks c"
                      " JOIN notes n ON n.id = c.note_id ORDER BY n.path, c.start_line",
            "links": "SELECT n.path, l.line, l.raw, l.target, l.fragment, l.embed, d.path FROM links l"
                     " JOIN notes n ON n.id = l.src LEFT JOIN notes d ON d.id = l.dst ORDER BY n.path, l.line, l.raw",
            "facts": "SELECT n.path, f.section, f.key, f.value, f.line FROM facts f JOIN notes n ON n.id = f.note_id"
                     " ORDER BY n.path, f.line",
        }
        out.update({f"index {name}": db.execute(sql).fetchall() for name, sql in index.items()})
    finally:
        db.close()
    data = report.to_json()
    for volatile in ("seconds", "timings", "run_id"):
        data.pop(volatile)
    out["files"] = files
    out["report"] = data
    return out


def both(tmp_path: Path, exports: list[Path], **kw) -> tuple[list[dict], list[dict], list]:
    """Each export imported in turn, deciding here and in the worker; their states, and the
    parallel reports."""
    results = {}
    reports = []
    for mode in (False, True):
        app = make_app(tmp_path / f"run-{mode}")
        try:
            states = []
            for path in exports:
                report = run_import(app, ImportRequest(str(path), "chatgpt"), parallel=mode, **kw)
                states.append(state_of(app, report))
                if mode:
                    reports.append(report)
        finally:
            app.close()
        results[mode] = states
    return results[False], results[True], reports


def assert_same(seq: dict, par: dict) -> None:
    for name in seq:
        assert seq[name] == par[name], f"{name} differs between the sequential and the parallel import"


# --- tests --------------------------------------------------------------------------------------
def test_parallel_import_is_the_sequential_import(tmp_path):
    first = export(tmp_path / "v1", 90, seed=3)
    grown = export(tmp_path / "v2", 110, seed=3, grow={4, 17, 33, 60})  # new turns in old chats, new chats
    seq, par, reports = both(tmp_path, [first, grown, grown])
    for s, p in zip(seq, par):
        assert_same(s, p)
    # What the comparison covers: facts, review items, privacy drops, buffering, redaction, branches.
    one = seq[0]
    assert one["report"]["facts_added"] > 10 and one["report"]["review_items"] >= 1
    assert len(one["review"]) >= 1 and len(one["journal"]) > 100
    args = [json.loads(row[4]) for row in one["decisions"]]
    tools = {row[3] for row in one["decisions"]}
    assert {"add_memory", "buffer_memory", "ignore_memory"} <= tools
    assert any("buffer re-evaluated (buffer full)" in w for row in one["decisions"] for w in json.loads(row[8]))
    assert any(a.get("reason", "").startswith("unresolved reference") for a in args)
    assert any(re.search(r"Same title \([0-9a-f]{6}\)\.md$", f) for f in one["files"])  # a taken name
    user = one["files"]["memory/user.md"].decode()
    assert "peanuts" not in user and "vegetarian" not in user and "hunter22" not in user
    journal_sources = [json.loads(row[8]) for row in one["journal"] if row[6] == "import:chatgpt"]
    assert any("[REDACTED:" in (s.get("detail") or "") for s in journal_sources)
    links = [s["link"] for s in journal_sources if s.get("link")]
    assert links and all(link.startswith("[[memory-sources/chatgpt/") and "#^t" in link for link in links)
    # The second import extracted only new turns, with the turns before them as context.
    assert 0 < seq[1]["report"]["turns_extracted"] < seq[0]["report"]["turns_extracted"]
    assert seq[2]["report"]["turns_extracted"] == 0
    # The workers did plan (and were not bypassed): decisions were replayed here.
    assert reports[0].timings["extract: apply"] > 0 and reports[0].timings["plan: render"] > 0
    assert "extract: decide" not in reports[0].timings  # nothing was left to decide here


def plans_used(caplog) -> tuple[int, int]:
    """(plans used, conversations written), as the last import logged it at its end (write.py)."""
    line = [r.getMessage() for r in caplog.records if r.getMessage().startswith("import plans: used ")][-1]
    used, done = line[len("import plans: used "):].split(" of ")
    return int(used), int(done)


def test_several_workers_plan_like_one_process(tmp_path, monkeypatch, caplog):
    """Conversations go out to three worker processes, a few at a time, round robin; the plans
    come back in order and every one is used (none assumed what did not hold)."""
    monkeypatch.setenv("MEMD_IMPORT_WORKERS", "3")
    caplog.set_level("DEBUG", logger="memd.importers")
    seq, par, reports = both(tmp_path, [export(tmp_path / "v1", 120, seed=12)])
    assert_same(seq[0], par[0])
    used, done = plans_used(caplog)
    assert done == 120 and used == sum(1 for row in par[0]["ledger"] if row[7] != "[]")


def test_a_plan_whose_assumption_failed_is_decided_here(tmp_path, backends, caplog):
    """The first conversation with an About-me text fails, so it never reads the text; the next
    one was planned assuming it had (it was submitted behind it): its plan is not used, it is
    decided here, and reads the text itself, as the sequential import does."""
    source = export(tmp_path / "v1", 60, seed=11)
    convs = json.loads((source / "conversations.json").read_text())
    with_about = sorted((c for c in convs if f"{c['id']}-about" in c["mapping"]), key=lambda c: c["create_time"])
    conv = with_about[0]
    first = int(conv["id"].split("-")[1])
    # A turn that fails before the About-me turn is read: root -> the failing turn -> About me.
    about = conv["mapping"][f"{conv['id']}-about"]
    node(conv["mapping"], f"{conv['id']}-x", "root", "user", {"content_type": "text", "parts": ["I live in Sintra."
                                                                                           " EXPLODE"]}, T0)
    conv["mapping"]["root"]["children"].remove(about["id"])
    about["parent"] = f"{conv['id']}-x"
    conv["mapping"][f"{conv['id']}-x"]["children"].append(about["id"])
    path = tmp_path / "x"
    path.mkdir()
    (path / "conversations.json").write_text(json.dumps(convs), encoding="utf-8")
    caplog.set_level("DEBUG", logger="memd.importers")
    seq, par, reports = both(tmp_path, [path], backend=backends.ExplodingBackend())
    assert_same(seq[0], par[0])
    assert [p["where"] for p in seq[0]["report"]["failures"]] == [f"conv-{first:04d}"]
    used, done = plans_used(caplog)
    assert used <= done - 2  # the failing one and the one after it with the same text, at least
    assert reports[0].timings["extract: decide"] > 0 and reports[0].timings["extract: apply"] > 0


@pytest.fixture
def backends(monkeypatch):
    """Test backends importable by name, here and in the spawned worker (which gets our sys.path)."""
    here = str(Path(__file__).parent)
    monkeypatch.syspath_prepend(here)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
    import parallel_backends

    return parallel_backends


def with_turn(folder: Path, source: Path, index: int, text: str) -> Path:
    convs = json.loads((source / "conversations.json").read_text())
    conv = next(c for c in convs if c["id"] == f"conv-{index:04d}")
    node(conv["mapping"], f"conv-{index:04d}-x", conv["current_node"], "user",
         {"content_type": "text", "parts": [text]}, T0 + index * DAY)
    conv["current_node"] = f"conv-{index:04d}-x"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conversations.json").write_text(json.dumps(convs), encoding="utf-8")
    return folder


def test_a_conversation_that_fails_fails_the_same_way(tmp_path, backends):
    path = with_turn(tmp_path / "x", export(tmp_path / "v1", 40, seed=5), 12, "I live in Sintra. EXPLODE")
    seq, par, reports = both(tmp_path, [path], backend=backends.ExplodingBackend())
    assert_same(seq[0], par[0])
    assert [p["where"] for p in seq[0]["report"]["failures"]] == ["conv-0012"]
    assert ("chatgpt", "conv-0012") in {(r[0], r[1]) for r in seq[0]["ledger"] if r[9] == "pending"}
    # The workers planned the others; the failing one was decided (and failed) here.
    assert reports[0].timings["extract: apply"] > 0 and reports[0].timings["extract: decide"] > 0


def test_a_worker_that_dies_leaves_the_rest_to_this_process(tmp_path, backends, caplog):
    path = with_turn(tmp_path / "x", export(tmp_path / "v1", 40, seed=6), 9, "I live in Sintra. DIE")
    seq, par, reports = both(tmp_path, [path], backend=backends.DyingBackend())
    assert_same(seq[0], par[0])
    assert any("Sintra" in row[8] for row in seq[0]["journal"])  # the turn that killed the worker was read
    assert reports[0].timings["extract: apply"] > 0 and reports[0].timings["extract: decide"] > 0
    assert "import worker process stopped" in caplog.text


def test_planned_decisions_replay_like_decisions_made_here(app):
    """The loop alone: a planning loop's decisions, replayed, write and record what the loop
    writes and records when it decides itself."""
    turns = ["My sister Anna is a nurse.", "She lives in Paris.", "He works at Google.", "He is a teacher.",
             "My brother Luis lives in Madrid.", "I live in Lisbon."]
    planner = ExtractionLoop.planner(app.config, RulesBackend(), source_kind="import:test")
    plan = []
    for i, text in enumerate(turns):
        planner.process(LoopTurn(stream="s", role="user", text=text, turn_id=f"t{i}"))
        plan += planner.take_plan()
    planner.end_stream("s")
    plan += planner.take_plan()
    assert [p.decision.tool for p in plan].count("add_memory") >= 2
    replayer = ExtractionLoop(app, RulesBackend(), source_kind="import:test", in_memory=True)

    def link(t):
        from dataclasses import replace
        return replace(t, source_link=f"[[note#^{t.turn_id}]]")

    for p in plan:
        replayer.replay(p, link)
    replayer.save()
    journal = app.state.journal(limit=100)
    assert journal and all(e["source"]["link"].startswith("[[note#^t") for e in journal)
    assert "- living_location: Lisbon" in (app.config.vault / "memory" / "user.md").read_text()


def test_a_backend_that_searches_memory_cannot_be_planned(app):
    class Searching:
        name = "openai"

    with pytest.raises(ValueError):
        ExtractionLoop.planner(app.config, Searching())
