"""What the update readers take from a sentence (no memory involved): implied changes
(update_implied.py), more outright forms (update_explicit.py) and the second hop
(update_others.py). Each reading is checked whole: key, value and the tags that tell the apply
step how cautious to be."""

from __future__ import annotations

import pytest

from memd.extract.conventions import LINK_VALUE, ONLY_IF_ENTITY, ONLY_IF_HELD, ONLY_IF_KEY
from memd.extract.patterns import Env
from memd.extract.rules_updates import update_facts
from memd.extract.update_implied import implied_facts
from memd.extract.update_others import other_changes

ENV = Env()


def read(fn, text):
    return [(f.subject.name, f.key, f.value) for f in fn(text, ENV)]


@pytest.mark.parametrize("text, expected", [
    ("These days, ceramics has become my true calling.", ("passion", "ceramics")),
    ("Quantum optics, which has become my primary field of specialization, keeps me busy.",
     ("specialization", "Quantum optics")),
    ("Nothing beats a good Pad Thai - honestly my favorite dish.", ("favorite_dish", "Pad Thai")),
    ("My new duties as Captain keep me busy.", ("rank", "Captain")),
    ("I'm loving my new role as Head Chef, finally.", ("role", "Head Chef")),
    ("My BSc in Biochemistry from Leeds helps every day.", ("education", "BSc in Biochemistry from Leeds")),
    ("I finally used my Wilderness First Responder certification on the trail.",
     ("certification", "Wilderness First Responder")),
    ("Receiving the 2024 Regional Mentor Award was the highlight.", ("award", "2024 Regional Mentor Award")),
    ("I've been following the keto diet since January.", ("diet", "keto")),
    ("I've been going by Bob at work now.", ("first_name", "Bob")),
    ("These days my focus is machine learning.", ("focus", "machine learning")),
    ("I'm spending most of my free time doing glassblowing.", ("hobby", "glassblowing")),
    ("My years at the Royal Conservatory of Ghent shaped me.", ("education", "Royal Conservatory of Ghent")),
    ("My new role managing the Pier Street Bakery is a step up.", ("manages", "Pier Street Bakery")),
    ("Dr. Omar Haddad has been thriving under my supervision since he became my new resident.",
     ("supervises", "Dr. Omar Haddad")),
])
def test_implied_readings_carry_only_if_key(text, expected):
    facts = implied_facts(text, ENV)
    assert [(f.key, f.value) for f in facts] == [expected]
    assert ONLY_IF_KEY in facts[0].tags and "update" in facts[0].tags


@pytest.mark.parametrize("text", [
    "My role as treasurer is fun.",                        # no new role: may be what it always was
    "Had a lovely afternoon managing the Pier Street Bakery.",  # a relation without a sign of change
    "I'm not dating Tom anymore.",                         # a negated verb is no new relation
    "I spend most of my free time on the couch.",          # not a hobby
    "My focus is on my kids.",                             # no 'these days': the general rules' to read
    "The weather has become my biggest worry.",            # not a key a memory holds
    "My time at the bakery was short.",                    # not a school
])
def test_no_implied_reading(text):
    assert implied_facts(text, ENV) == []


def test_explicit_forms_name_the_old_value():
    [f] = update_facts("The system shows I have 8 years of service, but I actually have 12 years of experience.", ENV)
    assert (f.key, f.value) == ("years_of_service", "12") and "replaces:8" in f.tags
    [f] = update_facts("I have gotten really into bouldering and it has become my main hobby instead of chess.", ENV)
    assert (f.key, f.value) == ("hobby", "bouldering") and "replaces:chess" in f.tags
    [f] = update_facts("I have taken up kayaking recently, and no longer have time for tennis.", ENV)
    assert f.value == "kayaking" and "replaces:tennis" in f.tags and ONLY_IF_HELD in f.tags  # no key said
    [f] = update_facts("My sister's new job is at Globex.", ENV)
    assert (f.key, f.value) == ("sister_employer", "Globex")


@pytest.mark.parametrize("text, expected", [
    ("Sergeant Aurora McCarthy is now coordinating the Northern Coalition instead of the Arctic Network.",
     ("Sergeant Aurora McCarthy", "coordinates", "Northern Coalition", "Arctic Network")),
    ("The Lambing Co-op is no longer supported by Llewellyn Farm, but is now being supported by Rhondda Trust.",
     ("The Lambing Co-op", "supported_by", "Rhondda Trust", "Llewellyn Farm")),
    ("Outback Choppers is no longer providing services to MacAlister Station, we've switched to servicing "
     "Thornfield Ranch instead.", ("Outback Choppers", "provides", "Thornfield Ranch", "MacAlister Station")),
    ("The Valiant Seafarer is no longer part of the North Sea Cooperative, we've joined the Baltic Alliance now.",
     ("The Valiant Seafarer", "belongs_to", "Baltic Alliance", "North Sea Cooperative")),
    ("Records - the DeepWave Sonar 3000 that I maintain is now facilitating operations for the Baltic Institute, "
     "not the North Sea Cooperative anymore.", ("DeepWave Sonar 3000", "facilitates", "Baltic Institute", "North Sea Cooperative")),
])
def test_second_hop(text, expected):
    [f] = other_changes(text, ENV)
    who, key, new, old = expected
    assert (f.subject.name, f.key, f.value) == (who, key, new)
    assert f"replaces:{old}" in f.tags and LINK_VALUE in f.tags and ONLY_IF_ENTITY in f.tags


@pytest.mark.parametrize("text", [
    "She is no longer working at Destiny Lab.",             # a pronoun is no entity to look up
    "Tom is now happy instead of sad.",                     # no relation verb, no names
    "The meeting is no longer on Monday.",                  # no new value
])
def test_no_second_hop(text):
    assert other_changes(text, ENV) == []


def test_a_key_memory_view_knows_as_another_fact_is_no_candidate():
    from memd.extract import update_match
    from memd.vault.memfile import MemoryDoc

    doc = MemoryDoc.parse("# A\n- **Expertise**: Mechanical Systems\n- **Years Of Experience**: 6\n")
    assert [f.norm_key for f in update_match.lines_for(doc, "expertise")] == ["expertise"]


@pytest.mark.parametrize("text", [
    "As a French teacher, I love grammar.",     # teaches French: no nationality
    "Going by Google, it is far.",              # no one is called Google
    "I was on the Atkins diet years ago.",      # a past diet is no current one
])
def test_look_alikes_of_implied_changes(text):
    assert implied_facts(text, ENV) == []
