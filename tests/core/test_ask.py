"""Questions answered from memory without a model, and context for a model's prompt."""

from memd.query.ask import ask
from memd.query.context import build as context
from memd.state import Source

S = Source("test")


def fill(app):
    app.set_fact(None, "living_location", "Lisbon, Portugal", S)
    app.set_fact(None, "employer", "Globex", S)
    app.set_fact(None, "allergies", "peanuts", S, multi=True)
    app.add_relation(None, "sister", "Anna", S)
    app.set_fact("Anna", "job_title", "nurse", S)
    app.set_fact("Anna", "living_location", "Paris", S)


def test_questions_find_the_right_fact_with_its_source(app):
    fill(app)
    r = ask(app, "Where do I live?")
    assert r["facts"][0]["key"] == "living_location" and r["facts"][0]["value"] == "Lisbon, Portugal"
    assert r["facts"][0]["path"] == "memory/user.md" and r["facts"][0]["line"] >= 2
    assert "Lisbon" in r["answer"]
    r = ask(app, "What does Anna do for work?")
    assert (r["facts"][0]["entity"], r["facts"][0]["value"]) == ("Anna", "nurse")
    r = ask(app, "Am I allergic to anything?")
    assert r["facts"][0]["value"] == "peanuts"
    r = ask(app, "where does anna live")
    assert r["facts"][0]["value"] == "Paris"
    r = ask(app, "What is my sister's job?")  # follows the user's relation to Anna
    assert (r["facts"][0]["entity"], r["facts"][0]["value"]) == ("Anna", "nurse")
    assert "Globex" not in r["answer"]
    r = ask(app, "Where do I live?")
    assert "Paris" not in r["answer"]  # Anna's city is not the user's


def test_unknown_questions_say_so(app):
    fill(app)
    r = ask(app, "What is the capital of Mongolia?")
    assert r["answer"] is None and r["facts"] == []


def test_context_starts_with_the_profile_and_adds_matching_facts(app):
    fill(app)
    c = context(app, "anna nurse")
    assert c["profile"][0]["path"] == "memory/user.md"
    assert any(f["path"] == "memory/entities/anna.md" and "nurse" in f["text"] for f in c["facts"])
    small = context(app, "anna", budget=5)
    assert small["words"] <= 5
