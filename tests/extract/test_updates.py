"""Updates that replace (issue 9, deliver 2): a single-valued fact is replaced when new
information supersedes it, the old value matched the way a person would, kept in the journal and
in the file's History section; a hand-written old value goes to review; multi-valued keys add and
remove items. Real vault, real writer, the rules backend through `memd remember`'s path."""

from __future__ import annotations

from memd import api
from memd.state import Source
from memd.vault.operations import CreateFile
from support import current, history


def remember(app, *texts):
    for t in texts:
        api.remember(app, t)


def user_md(vault) -> str:
    return (vault / "memory/user.md").read_text(encoding="utf-8")


def test_st_marys_is_st_marys_hospital_and_charite_replaces_it(app, vault):
    remember(app, "I'm Maria Schmidt and I work as a nurse at St. Mary's Hospital.",
             "I don't work at St. Mary's anymore - last month I started as a nurse at Charite in Berlin.")
    text = user_md(vault)
    assert current(text)["employer"] == ["Charite"]
    assert current(text)["job_title"] == ["nurse"]
    [old] = [h for h in history(text) if h.startswith("previous_employer")]
    assert old.startswith("previous_employer: St. Mary's Hospital (until ")
    # The journal keeps the replaced line too.
    replaced = [e for e in app.state.journal(limit=50) if e["op"] == "replace_fact"]
    assert any("- employer: St. Mary's Hospital" in h["old"] for e in replaced for h in e["change"]["hunks"])


def test_quit_and_joined_sets_the_new_employer(app, vault):
    remember(app, "I work at Google.", "I quit Google last week and joined Stripe.")
    text = user_md(vault)
    assert current(text)["employer"] == ["Stripe"]
    assert any(h.startswith("previous_employer: Google") for h in history(text))


def test_now_work_at_and_corrections(app, vault):
    remember(app, "I live in Porto.", "Actually it's Braga, not Porto.")
    assert current(user_md(vault))["living_location"] == ["Braga"]
    remember(app, "I work as a teacher.", "I'm not a teacher anymore, I retrained as a paramedic.")
    assert current(user_md(vault))["job_title"] == ["paramedic"]
    remember(app, "my employer: Stripe → Acme")
    assert current(user_md(vault))["employer"] == ["Acme"]


def test_a_hand_written_old_value_goes_to_review(app, vault):
    (vault / "memory").mkdir()
    (vault / "memory/user.md").write_text("# User Information\n- employer: Google\n", encoding="utf-8")
    remember(app, "I quit Google last week and joined Stripe.")
    assert current(user_md(vault))["employer"] == ["Google"] and not history(user_md(vault))
    [item] = [r for r in app.review_list() if r["op"] == "replace_fact"]
    assert "Stripe" in item["proposed"] and "- employer: Google" in item["current"]
    # Accepting it applies the replacement, with the history line.
    app.review_resolve(item["id"], "accept")
    text = user_md(vault)
    assert current(text)["employer"] == ["Stripe"] and any("Google" in h for h in history(text))


def test_undo_puts_the_old_value_back(app, vault):
    remember(app, "I work at Google.", "I quit Google and joined Stripe.")
    entry = [e for e in app.state.journal(limit=50) if e["op"] == "replace_fact" and e["change"].get("hunks")
             and any("Google" in "".join(h["old"]) for h in e["change"]["hunks"])][0]
    assert app.undo(entry["id"]).status == "applied"
    text = user_md(vault)
    assert current(text)["employer"] == ["Google"] and not history(text)


def test_multi_valued_keys_add_and_remove_items(app, vault):
    src = Source("test")
    app.writer.apply(CreateFile("memory/user.md", "# User Information\n- languages: French, German, Italian\n"), src)
    remember(app, "I don't speak German anymore.")
    assert current(user_md(vault))["languages"] == ["French, Italian"]
    remember(app, "I speak Portuguese.")
    assert sorted(current(user_md(vault))["languages"]) == ["French, Italian", "Portuguese"]


def test_a_plain_new_value_replaces_without_history(app, vault):
    """A single-valued key set again (no update said) is replaced, as before: no History line."""
    remember(app, "I live in Berlin.", "I live in Lisbon.")
    text = user_md(vault)
    assert current(text)["living_location"] == ["Lisbon"] and "Berlin" not in text
