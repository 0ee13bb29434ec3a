"""Recall as a user meets it: search units (turns, fact lines, sections), -n N, context packs,
and ask over mem-agent memories (bold keys, titles, relations followed both ways)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from memd import api
from memd.errors import ParamsError
from memd.index.units import parse_title, transcript_turns
from memd.query.ask import ask
from memd.query.context import build as context

MEMD = [sys.executable, "-P", "-m", "memd"]


def _transcript(app, turns, title="Anna and Ben", source_id="conv-1"):
    """A transcript note written by the real renderer, then indexed."""
    from memd.importers import transcript
    from memd.importers.model import Conversation, Turn

    conv = Conversation(source="locomo", source_id=source_id, title=title,
                        turns=[Turn(id=tid, role="other", author=who, text=text,
                                    time=datetime(2023, 5, 8, 13, 56, tzinfo=timezone.utc) if when else None)
                               for tid, who, text, when in turns])
    path = transcript.transcript_path(conv)
    full = app.config.vault / path
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_text(transcript.render(conv), encoding="utf-8")
    app.index.scan()
    return path.as_posix(), transcript.block_ids(conv)


TURNS = [
    ("D1:1", "Anna", "Hey Ben! Good to see you! How have you been?", True),
    ("D1:2", "Ben", "Great! What's new with you?", True),
    ("D1:3", "Anna", "I went to a support group yesterday and it was so powerful.", True),
    ("D1:4", "Ben", "That's amazing. I adopted a puppy named Pixel last week.", True),
    ("D1:5", "Anna", "Pixel! What a cute name.", True),
]


def test_a_transcript_is_searched_turn_by_turn_with_its_sources(app):
    path, ids = _transcript(app, TURNS)
    hits = app.search("When did Anna go to the support group?", limit=3)
    top = hits[0]
    assert top["path"] == path and top["text"] == "I went to a support group yesterday and it was so powerful."
    assert top["turns"] == [{"block": ids["D1:3"], "source_id": "D1:3", "time": "2023-05-08 13:56", "speaker": "Anna"}]
    assert top["link"] == f"[[{path[:-3]}#^{ids['D1:3']}]]"
    lines = (app.config.vault / path).read_text().split("\n")
    first, last = top["lines"]
    assert lines[first - 1].startswith("> [!other] Anna") and lines[last - 1] == f"^{ids['D1:3']}"
    # Several hits from one note; the words returned are the turns', not the conversation's.
    assert len(hits) == 3 and {h["path"] for h in hits} == {path}
    assert sum(len(h["text"].split()) for h in hits) < 60


def test_a_turn_is_found_by_the_question_asked_in_the_turn_before_it(app):
    _transcript(app, [("m1", "Ben", "What did you name the new puppy?", True),
                      ("m2", "Anna", "Pixel, after my favourite camera.", True),
                      ("m3", "Ben", "Nice weather today.", True)])
    hits = app.search("puppy name", limit=5)
    assert [h["turns"][0]["source_id"] for h in hits][:2] == ["m1", "m2"]


def test_titles_with_and_without_the_export_id_parse():
    assert parse_title("Anna · 2024-05-01 09:12 %%id: D3:12%%") == ("Anna", "2024-05-01 09:12", "D3:12")
    assert parse_title("Assistant · code %%id: c%%") == ("Assistant", None, "c")
    assert parse_title("ChatGPT · 2024-05-01 22:31") == ("ChatGPT", "2024-05-01 22:31", None)
    lines = ["> [!user] Ana · 2024-05-01 22:30", "> one", ">", "> two", "", "^tabc", "", "> [!assistant] Bot", "> hi"]
    turns = transcript_turns(lines, 0)
    assert [(t.speaker, t.block, t.text, t.start, t.end) for t in turns] == [
        ("Ana", "tabc", "one\n\ntwo", 0, 5), ("Bot", None, "hi", 7, 8)]


def test_n_returns_n_hits_when_n_exist_and_group_keeps_one_per_note(app):
    for i in range(12):
        (app.config.vault / f"Note {i}.md").write_text(
            f"# Note {i}\n\n## Drawing\n\nA canvas sketch number {i}.\n\n## Other\n\nThe canvas again, {i}.\n")
    (app.config.vault / "Unrelated.md").write_text("# Unrelated\n\nNothing here.\n")
    app.index.scan()
    assert len(app.search("canvas", limit=3)) == 3
    assert len(app.search("canvas", limit=10)) == 10
    assert len(app.search("canvas", limit=100)) == 24  # two sections in each of twelve notes
    grouped = app.search("canvas", limit=100, group=True)
    assert len(grouped) == 12 and len({h["path"] for h in grouped}) == 12
    hit = app.search("sketch number 7", limit=1)[0]
    assert hit["path"] == "Note 7.md" and hit["heading"] == "Drawing" and hit["link"] == "[[Note 7#Drawing]]"


def test_memory_files_are_searched_by_fact_line(app):
    from memd.state import Source

    app.set_fact(None, "living_location", "Lisbon, Portugal", Source("test"))
    app.set_fact(None, "employer", "Globex", Source("test"))
    hits = app.search("Lisbon", limit=5, kind="memory")
    assert len(hits) == 1 and hits[0]["text"] == "- living_location: Lisbon, Portugal"
    line = hits[0]["lines"][0]
    assert (app.config.vault / "memory/user.md").read_text().split("\n")[line - 1] == "- living_location: Lisbon, Portugal"


@pytest.mark.parametrize("query", ["C++", "AND", "OR NOT", '"unbalanced', "what is the", "ünïcödé", "*", "NEAR(a b)"])
def test_odd_queries_get_an_honest_answer_fast(app, query):
    _transcript(app, TURNS)
    t0 = time.perf_counter()
    result = api.call(app, "search", {"query": query, "limit": 5})
    assert time.perf_counter() - t0 < 2
    assert isinstance(result["results"], list)


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_a_clear_error(app, query):
    with pytest.raises(ParamsError, match="empty query"):
        api.call(app, "search", {"query": query})


def test_punctuation_only_is_an_empty_result_that_says_why(app):
    r = api.call(app, "search", {"query": "?!..."})
    assert r["results"] == [] and "no words" in r["note"]


def test_a_huge_query_is_refused_fast(app):
    _transcript(app, TURNS)
    t0 = time.perf_counter()
    with pytest.raises(ParamsError):
        api.call(app, "search", {"query": "word " * 200_000})
    assert time.perf_counter() - t0 < 1


# -- mem-agent memories --------------------------------------------------------------------------

PERSONA = {
    "user.md": "# Dana Whitfield\n\n## Basic Information\n- **Type**: Person\n- **Age**: 41\n"
               "- **Profession**: Glassblower\n- **Birthplace**: Tromsø, Norway\n- **Has Children**: True\n\n"
               "## Relationships\n- **Rents_Studio_From**: [[kiln_works.md]]\n- **Mentors**: [[leo_park.md]]\n",
    "entities/kiln_works.md": "# Kiln Works Collective\n\n## Basic Information\n- **Type**: Entity\n"
                              "- **Entity Type**: artist cooperative\n- **Founding Year**: 1987\n"
                              "- **Membership Count**: 40\n\n## Relationships\n"
                              "- **Rents_Studio_From**: [[dana_whitfield.md]]\n",
    "entities/leo_park.md": "# Leo Min-jun Park\n\n## Basic Information\n- **Type**: Person\n- **Age**: 23\n"
                            "- **Occupation**: Apprentice\n\n## Relationships\n- **Mentors**: [[dana_whitfield.md]]\n",
    "entities/harbor_gallery.md": "# Harbor Gallery\n\n| Key | Value |\n|---|---|\n| Capacity | 120 guests |\n"
                                  "| Opening Hours | 10 AM to 6 PM |\n\n## Relationships\n"
                                  "- **Exhibits_Work_Of**: [[leo_park.md]]\n",
}


@pytest.fixture
def persona(app):
    mem = app.config.vault / "memory"
    for rel, text in PERSONA.items():
        (mem / rel).parent.mkdir(parents=True, exist_ok=True)
        (mem / rel).write_text(text, encoding="utf-8")
    app.index.scan()
    return app


@pytest.mark.parametrize("question,answer", [
    ("What is my full name?", "Dana Whitfield"),
    ("How old am I?", "41"),
    ("What is my occupation?", "Glassblower"),
    ("Where was I born?", "Tromsø, Norway"),
    ("Do I have kids?", "True"),
    ("Who do I mentor?", "Leo Min-jun Park"),
    ("How old is the person I mentor?", "23"),
    ("What year was the collective I rent my studio from founded?", "1987"),
    ("How many members does the cooperative I rent a studio from have?", "40"),
    ("What is the capacity of the gallery that exhibits the work of the person I mentor?", "120 guests"),
    ("What are the opening hours of Harbor Gallery?", "10 AM to 6 PM"),
    ("How old is Leo?", "23"),
])
def test_ask_reads_mem_agent_layouts_and_follows_relations(persona, question, answer):
    r = ask(persona, question)
    assert r["answer"] == answer, r
    assert r["sources"] and r["sources"][0]["path"].startswith("memory/")


def test_ask_keeps_the_user_and_others_apart(persona):
    r = ask(persona, "How old is the person I mentor?")
    assert r["about"]["entity"] == "Leo Min-jun Park" and r["about"]["via"][0]["relation"] == "**Mentors**"
    assert ask(persona, "What is my age?")["answer"] == "41"  # not Leo's 23
    r = ask(persona, "What is my favourite colour?")
    assert r["answer"] is None and "does not hold" in r["note"]


def test_ask_quotes_the_turn_with_its_resolved_day_when_no_fact_answers(app):
    _transcript(app, TURNS)
    r = ask(app, "When did Anna go to the support group?")
    assert r["mode"] == "evidence" and r["answer"].startswith("7 May 2023 (yesterday)")
    assert "support group" in r["answer"] and r["sources"][0]["link"].endswith("]]")
    assert ask(app, "What is the capital of Mongolia?")["answer"] is None


def test_context_is_cited_unrepeated_and_within_its_budget(persona):
    _transcript(persona, TURNS)
    pack = context(persona, "Leo apprentice puppy", budget=350)
    assert pack["words"] <= 350 and pack["profile"] and pack["profile"][0]["path"] == "memory/user.md"
    assert any("Apprentice" in f["text"] for f in pack["facts"])
    assert any(e["turns"][0]["source_id"] == "D1:4" for e in pack["evidence"])
    places = [(i["path"], i["line"]) for part in ("profile", "facts", "evidence") for i in pack[part]]
    assert len(places) == len(set(places))
    for budget in (1, 7, 30):
        small = context(persona, "Leo apprentice puppy", budget=budget)
        assert small["words"] <= budget
        assert sum(len(i["text"].split()) for p in ("profile", "facts", "evidence") for i in small[p]) == small["words"]


@pytest.mark.parametrize("budget", [0, -5, 10**6])
def test_a_budget_out_of_range_is_a_clear_error(app, budget):
    with pytest.raises(ParamsError, match="budget"):
        api.call(app, "context", {"query": "x", "budget": budget})


def test_context_and_search_from_the_cli(tmp_path, vault):
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"), COLUMNS="200")
    assert subprocess.run(MEMD + ["init", str(vault), "--json"], env=env, capture_output=True).returncode == 0
    for rel, text in PERSONA.items():
        (vault / "memory" / rel).parent.mkdir(parents=True, exist_ok=True)
        (vault / "memory" / rel).write_text(text, encoding="utf-8")
    r = subprocess.run(MEMD + ["context", "apprentice", "--budget", "20", "--json"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["words"] <= 20 and data["budget"] == 20
    r = subprocess.run(MEMD + ["context", "x", "--budget", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and "budget" in r.stderr
    r = subprocess.run(MEMD + ["search", "apprentice", "--group", "--json"], env=env, capture_output=True, text=True,
                       timeout=60)
    hits = json.loads(r.stdout)["results"]
    assert hits and hits[0]["path"] == "memory/entities/leo_park.md" and hits[0]["text"] == "- **Occupation**: Apprentice"


def test_search_reads_relations_aliases_and_periods(persona):
    from memd.query.expand import expand

    _transcript(persona, [("a1", "Dana", "Anjali called, she passed the nursing exam!", True),
                          ("a2", "Dana", "Leo finished his first vase today.", True)], title="Dana and Sam")
    (persona.config.vault / "memory/entities/anjali.md").write_text(
        "---\naliases: [Sis]\n---\n# Anjali Raman\n- profession: nurse\n", encoding="utf-8")
    user = persona.config.vault / "memory/user.md"
    user.write_text(user.read_text() + "- **Sister**: [[anjali.md]]\n", encoding="utf-8")
    persona.index.scan()
    e = expand(persona, "what did my sister pass")
    assert e.added == ["Anjali Raman"] and "Anjali Raman" in e.text
    assert expand(persona, "news from Sis").added == ["Anjali Raman"]
    hits = api.call(persona, "search", {"query": "what did my sister pass", "limit": 3, "kind": "source"})["results"]
    assert hits[0]["text"] == "Anjali called, she passed the nursing exam!"  # her name, not "sister", is in it
    p = expand(persona, "what happened in May 2023")
    assert p.period == "2023-05" and "2023" not in p.text
    assert expand(persona, "vase").period is None


def test_a_period_in_the_query_favours_turns_from_then(app):
    from memd.importers import transcript
    from memd.importers.model import Conversation, Turn

    turns = [Turn(id=f"t{i}", role="other", author="Anna", text=f"The garden looked lovely, note {i}.",
                  time=datetime(2023, month, 3, tzinfo=timezone.utc)) for i, month in enumerate((2, 5, 9))]
    conv = Conversation(source="chat", source_id="g", title="Garden", turns=turns)
    path = app.config.vault / transcript.transcript_path(conv)
    path.parent.mkdir(parents=True)
    path.write_text(transcript.render(conv), encoding="utf-8")
    app.index.scan()
    hits = api.call(app, "search", {"query": "garden in May 2023", "limit": 3})["results"]
    assert hits[0]["turns"][0]["time"].startswith("2023-05")
    hits = api.call(app, "search", {"query": "garden in September 2023", "limit": 3})["results"]
    assert hits[0]["turns"][0]["time"].startswith("2023-09")


@pytest.mark.parametrize("question,answer", [
    ("When is OrbitBank's renewal date?", "2026-02-15"),  # two entities say OrbitBank: the date decides
    ("What CRM do we use?", "HubSpot Enterprise"),  # a team's memory: "we" is user.md
    ("Who is our team lead?", "Maya Chen"),  # the entity's `name` line, not its `# Team Lead Profile`
    ("What is the email of our team lead?", "maya.chen@example.com"),  # a nested `- email:` under `- contact:`
    ("What is the CSAT goal?", "4.6 / 5"),  # names nobody: the one clear owner of the fact
    ("What is the stock price of OrbitBank?", None),
])
def test_ask_on_the_fixture_team_memory(app, question, answer):
    import shutil

    from support import fixture_path

    shutil.copytree(fixture_path("mem-agent", "memories", "client_success"), app.config.vault / "memory",
                    dirs_exist_ok=True)
    app.index.scan()
    r = ask(app, question)
    if answer is None:
        assert r["answer"] is None, r
    else:
        assert r["answer"] and answer in r["answer"], r


def test_grouped_search_finds_n_notes_behind_a_long_conversation(app):
    """The best 80 matching turns are all in one conversation; --group still returns 5 notes."""
    _transcript(app, [(f"m{i}", "Anna", f"the orchard orchard orchard harvest {i}", True) for i in range(120)])
    for i in range(5):
        (app.config.vault / f"Farm {i}.md").write_text(f"# Farm {i}\n\nAn orchard, once.\n" + "filler words " * 200)
    app.index.scan()
    grouped = app.search("orchard", limit=6, group=True)
    assert len(grouped) == 6 and len({h["path"] for h in grouped}) == 6
