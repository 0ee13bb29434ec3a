"""Accented names and places are written whole, in the person's spelling (never "Malm" for Malmö)."""

from __future__ import annotations

import pytest

from memd.api import remember
from memd.extract.ascii_fold import fold, unfold, word_map


def _memory(vault) -> str:
    root = vault / "memory"
    return "\n".join(p.read_text() for p in sorted(root.rglob("*.md"))) if root.exists() else ""


@pytest.mark.parametrize("statement, line", [
    ("I moved to Malmö last year.", "- living_location: Malmö"),
    ("I grew up in Kraków.", "- hometown: Kraków"),
    ("My wife Ana works at Nestlé.", "- employer: Nestlé"),
    ("My sister lives in Zürich now.", "Zürich"),
    ("My name is José.", "- user_name: José"),
    ("I live in São Paulo.", "- living_location: São Paulo"),
    ("I moved to Łódź in May.", "- living_location: Łódź"),
])
def test_accented_values_are_whole_and_spelled_as_written(app, vault, statement, line):
    remember(app, statement)
    text = _memory(vault)
    assert line in text
    assert fold(line.split(": ")[-1]) not in text.replace(fold(line.split(": ")[-1]) + ".md", "") or line.isascii()


def test_an_accented_person_gets_an_entity_titled_as_written(app, vault):
    remember(app, "My brother Tomás is a dentist.")
    remember(app, "Tomás moved to Düsseldorf.")
    entity = (vault / "memory/entities/tomas.md").read_text()
    assert entity.startswith("# Tomás\n")
    assert "- living_location: Düsseldorf" in entity and "- job_title: dentist" in entity


def test_the_fold_keeps_ascii_text_and_other_scripts_as_they_are():
    assert fold("plain text") == "plain text"
    assert fold("Zürich, Ærø, straße") == "Zurich, Aro, strase"
    assert fold("Москва") == "Москва"  # no ASCII base letter: left alone, and the patterns skip it
    assert fold("Zu\u0308rich") == "Zurich"  # already-decomposed text


def test_words_map_back_only_when_the_fold_is_unambiguous():
    back = word_map(["Müller met Muller in Malmö"])
    assert unfold("Malmo", back) == "Malmö" and unfold("malmo", back) == "malmö"
    assert unfold("Muller", back) == "Muller"  # both spellings were written: leave it as read
    assert unfold("event: moved to Malmo", back) == "event: moved to Malmö"
