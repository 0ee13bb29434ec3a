"""Other people, pets, places and organisations (issue 9, deliver 4): third-person statements
about known or new entities land in their entity files, never on the user, and relations between
two people link both ways."""

from __future__ import annotations

from memd import api
from memd.vault.memfile import MemoryDoc
from memd.vault.memory_view import current_facts


def facts(vault, rel: str) -> dict[str, list[str]]:
    path = vault / "memory" / rel
    out: dict[str, list[str]] = {}
    if path.exists():
        for f in current_facts(MemoryDoc.parse(path.read_text(encoding="utf-8"))):
            out.setdefault(f.norm_key, []).append(f.value)
    return out


def test_job_and_employer_of_a_known_person(app, vault):
    api.remember(app, "My friend Jonas lives in Hamburg.")
    api.remember(app, "Jonas works as an architect at Baukraft.")
    jonas = facts(vault, "entities/jonas.md")
    assert jonas["job_title"] == ["architect"] and jonas["employer"] == ["Baukraft"]
    assert "job_title" not in facts(vault, "user.md") and "employer" not in facts(vault, "user.md")


def test_a_new_name_with_a_predicate_only_a_person_has(app, vault):
    api.remember(app, "Rocco turned 5.")
    assert facts(vault, "entities/rocco.md")["age"] == ["5"]
    api.remember(app, "Lena moved to Zurich for a job at Google.")
    lena = facts(vault, "entities/lena.md")
    assert lena["living_location"] == ["Zurich"] and lena["employer"] == ["Google"]
    assert "living_location" not in facts(vault, "user.md")


def test_engaged_links_both_people_both_ways(app, vault):
    api.remember(app, "My best friend Aisha is a lawyer.")
    api.remember(app, "Aisha got engaged to Karim.")
    assert facts(vault, "entities/aisha.md")["fiance"] == ["[[entities/karim.md]]"]
    assert facts(vault, "entities/karim.md")["fiance"] == ["[[entities/aisha.md]]"]
    assert "marital_status" not in facts(vault, "user.md")


def test_an_entitys_job_change_replaces_its_employer(app, vault):
    api.remember(app, "My friend Jonas works at Baukraft.")
    api.remember(app, "Jonas quit Baukraft and joined Siemens.")
    assert facts(vault, "entities/jonas.md")["employer"] == ["Siemens"]
    text = (vault / "memory/entities/jonas.md").read_text(encoding="utf-8")
    assert "## History" in text and "previous_employer: Baukraft" in text


def test_words_that_are_no_names_make_no_entity(app, vault):
    api.remember(app, "Honestly, work was exhausting today.")
    api.remember(app, "Google is a big company.")
    assert not (vault / "memory/entities/honestly.md").exists()
    assert not (vault / "memory/entities/google.md").exists()


def test_someone_elses_no_longer_now_and_plain_negation(app, vault):
    api.remember(app, "My friend Jonas works at Baukraft.")
    api.remember(app, "Jonas no longer works at Baukraft, he joined Stripe last month.")
    assert facts(vault, "entities/jonas.md")["employer"] == ["Stripe"]
    assert "employer" not in facts(vault, "user.md")
    api.remember(app, "My brother Tom is a teacher.")
    api.remember(app, "Tom is now a nurse.")
    assert facts(vault, "entities/tom.md")["job_title"] == ["nurse"]
    api.remember(app, "My cousin Lena works at Siemens.")
    api.remember(app, "Lena no longer works at Siemens.")
    assert "employer" not in facts(vault, "entities/lena.md")
