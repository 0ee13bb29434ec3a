"""Capture precision (issue 9, "facts a person would sign"): forms of chat that used to write a wrong
or broken line, each with a twin that must still write.

    a dash glued to a word           "California- a gorgeous ..." cut the word's last letter off
    another subject's "and"          "I love how you paint and teach kids": teaching is the listener's
    a chat about the chat            "since we spoke last", "I'm off to go do some research"
    what it took, how much fun       "took a bit of work", "had tons of fun outside"
    a general opinion                "Hiking is a great way to relax": said of anyone
    the listener's act               "your support and encouragement mean a lot to me"
    a pointer to the photo           "I love that first movie", "got this as a treat"
    a clause that is an object       "what I've achieved", "how far I've come"
    a relative clause run on         "the help I got from people I looked up to was invaluable"

Two levels, as in test_capture.py: the backend's items that pass the value gate, and the
real loop into a real vault for a few of them.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from memd.extract.rules import RulesBackend
from memd.extract.rules_text import clean_value
from memd.extract.value_gate import check_value
from support import decide, kept

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)  # a Monday


WRITES = [
    ("I moved to Lisbon- best decision ever.", "living_location=Lisbon"),
    ("I paint landscapes and teach kids about art.", "activities=teaching kids about art"),
    ("Since we last talked, I adopted a puppy.", "pets=dog"),
    ("Took some trial and error, but I fixed my old bike.", "event=fixed my old bike"),
    ("We had a blast at the county fair last weekend.", "event=2025-03-08: had a blast at the county fair"),
    ("I took a lot of photos at the wedding.", "event=took a lot of photos at the wedding"),
    ("Swimming is a great way for me to unwind.", "likes=swimming"),
    ("Family and friends are important to me.", "values=family and friends"),
    ("I'm off to see a flamenco show with my sister.", "plans=2025-03-10: see a flamenco show with my sister"),
    ("I love the first Harry Potter movie.", "likes=the first Harry Potter movie"),
    ("Helping those in need is important to me.", "values=helping those in need"),
    ("It reminds me how much I love performing.", "likes=performing"),
    ("I got an awesome book about castles while I was there.", "event=got an awesome book about castles"),
]


@pytest.mark.parametrize(("text", "expected"), WRITES)
def test_the_twin_still_writes(text, expected):
    assert expected in kept(decide(text))


NOTHING = [
    "I love how you paint and teach kids about art.",
    "I can imagine how much you miss your garden and walking by the river.",
    "Since we spoke last, not much has happened.",
    "Well, I'm off to go do some research.",
    "I'm off to spend some time with them now. Have a good day!",
    "Took a bit of work, but I'm glad it got done.",
    "We had tons of fun outside.",
    "We all had a good laugh!",
    "Me and my team had a blast to the very end!",
    "I had a great accomplishment this week!",
    "Hiking is a great way to relax.",
    "Volunteering is a great way to meet people.",
    "Your kindness and patience mean a lot to me.",
    "I love that first album too.",
    "I got this as a gift from my aunt.",
    "Old photos remind me of what I've achieved.",
    "They remind me how far I've come.",
    "The advice I got from people I looked up to was invaluable.",
    "Another script that I contributed to was shown on the big screen.",
    "Here's a photo of the lake I found online.",
    "That trip reminded me of a holiday we had to Spain.",
]


@pytest.mark.parametrize("text", NOTHING)
def test_near_miss_writes_nothing(text):
    assert kept(decide(text)) == set()


def test_a_named_speaker_gets_the_twin_and_not_the_near_miss():
    assert kept(decide("I love how you paint and teach kids about art.", author="Mel")) == set()
    assert "Mel.activities=teaching kids about art" in kept(decide("I paint and teach kids about art.", author="Mel"))


@pytest.mark.parametrize(("raw", "expected"), [
    ("to California- a gorgeous sunset", "to California"),  # the word keeps its last letter
    ("at Coca-Cola", "at Coca-Cola"),  # a hyphen inside a word is no dash
    ("go for a ride sometimes", "go for a ride"),  # how often is not part of the thing
])
def test_clean_value_cuts_at_a_dash_and_drops_how_often(raw, expected):
    assert clean_value(raw, max_words=12) == expected


@pytest.mark.parametrize(("key", "value"), [
    ("likes", "sometimes"),
    ("event", "got this as a treat"),
    ("event", "decided to include this at the beginning"),
    ("event", "looked up to was invaluable"),
    ("event", "contributed to was shown on the big screen"),
    ("event", "wrapped that up"),
    ("event", "painted this after"),
    ("event", "sorted this out"),
])
def test_the_gate_refuses_a_pointer_or_a_run_on(key, value):
    assert check_value(key, value) is not None


@pytest.mark.parametrize(("key", "value"), [
    ("event", "got this awesome book"),  # a determiner, not a pronoun
    ("likes", "helping those in need"),
    ("event", "made sure veterans are supported"),
    ("activities", "go for a ride sometimes"),
])
def test_the_gate_keeps_the_whole_ones(key, value):
    assert check_value(key, value) is None


def test_through_the_real_loop_only_the_twin_reaches_the_vault(app):
    from memd.extract.loop import ExtractionLoop

    loop = ExtractionLoop(app, RulesBackend(), source_kind="remember", clock=lambda: NOW)
    for text in ("Hiking is a great way to relax.", "Since we spoke last, not much has happened.",
                 "Took a bit of work, but I'm glad it got done.", "I moved to Lisbon- best decision ever.",
                 "Took some trial and error, but I fixed my old bike."):
        loop.remember(text)
    user_md = app.config.vault / app.memory_dir / "user.md"
    lines = [line.split(" ↗")[0].rstrip() for line in user_md.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    assert any(line.endswith("fixed my old bike") for line in lines)
    assert any(line.endswith(": Lisbon") for line in lines)
    for wrong in ("hiking", "spoke", "took a bit", "trial and error", "Lisbon-"):
        assert not any(wrong in line for line in lines), (wrong, lines)


# Recall forms (issue 9): a state of interest, a favourite said as "one of my favorites", a wish on
# a bucket list, a dropped subject before "been ...ing", a purpose clause that points back.
RECALL = [
    ("Lately I've become interested in extreme sports.", {"likes=extreme sports"}),
    ("I'm really interested in marine biology.", {"likes=marine biology"}),
    ("My sister is interested in astronomy.", {"sister_likes=astronomy"}),
    ("One of my favorite yoga routines is a gentle flow.", {"favorite_yoga_routines=a gentle flow"}),
    ("Lisbon was one of my favs.", {"likes=Lisbon"}),
    ("Visiting castles is really on my bucket list.", {"wishes=visiting castles"}),
    ("Japan is at the top of my bucket list.", {"wishes=Japan"}),
    ("Been tweaking a bread recipe to make it fluffier.", {"activities=tweaking a bread recipe"}),
    ("Been rehearsing hard and working on business plans.", {"activities=rehearsing hard and working on business plans"}),
]


@pytest.mark.parametrize(("text", "expected"), RECALL)
def test_recall_forms_write(text, expected):
    assert kept(decide(text)) == expected


RECALL_NEAR_MISSES = [
    "I'm not interested in politics.",
    "I'd be interested in hearing more.",
    "I'm interested in what you do.",
    "I was interested in it.",
    "This is one of my favorite spots.",
    "It's on my bucket list.",
    "Been thinking a lot about my plans lately.",
    "Been doing it for 3 years.",
]


@pytest.mark.parametrize("text", RECALL_NEAR_MISSES)
def test_recall_near_misses_write_nothing(text):
    assert kept(decide(text)) == set()


def test_a_purpose_clause_is_cut_only_after_a_whole_thing():
    assert clean_value("tweaking a dessert recipe to make it yummier", max_words=12) == "tweaking a dessert recipe"
    assert clean_value("learn how to train them better", max_words=12) == "learn how to train them better"


# More precision forms: an obligation said as "gotta", a verb that shares a modal after "and", a
# possessive pointing at someone named elsewhere, an adjective whose noun was cut at a comma, a
# demonstrative kept as said, and a clause run into "was my favorite part".
MORE_NOTHING = [
    "We gotta push ourselves out of our comfort zones!",
    "We'll rock the dance floor and teach others to chase their dreams.",
    "I love their work.",
    "So I'm always on the hunt for unique, trendy pieces.",
    "Seeing my characters I worked so hard on come alive was my favorite part.",
]


@pytest.mark.parametrize("text", MORE_NOTHING)
def test_more_near_misses_write_nothing(text):
    assert kept(decide(text)) == set()


MORE_WRITES = [
    ("I will move to Berlin and start at Google next month.", {"plans=2025-04: move to Berlin", "plans=2025-04: start at Google"}),
    ("I moved to Berlin and started working at Zalando.", {"living_location=Berlin", "employer=Zalando",
                                                            "event=started working at Zalando"}),
    ("I snapped that pic on my trip to the Smoky Mountains.", {"event=snapped that pic on my trip to the Smoky Mountains"}),
    ("I've gotta say, I moved to Paris.", {"living_location=Paris"}),
    ("I realized that I love painting.", {"likes=painting"}),
]


@pytest.mark.parametrize(("text", "expected"), MORE_WRITES)
def test_more_twins_write(text, expected):
    assert kept(decide(text)) == expected


def test_gotta_is_an_obligation_not_a_past_tense():
    from memd.extract.rules_text import normalise

    assert normalise("We gotta go") == "We have to go"
    assert normalise("I've gotta say") == "I have got to say"


# Recall forms, second round: a habit said with "usually" for any verb of doing, an effort under
# way ("trying to do more yoga"), a plan whose things are named in the plural without an article.
ROUND2 = [
    ("I usually take public transport.", {"activities=usually take public transport"}),
    ("We usually hit the beach or the lake.", {"activities=usually hit the beach or the lake"}),
    ("I'm trying to do more yoga and meditation myself to help relax.", {"activities=trying to do more yoga and meditation"}),
    ("I'm trying to build a treehouse for my kids.", {"activities=trying to build a treehouse for my kids"}),
    ("I'm tempted to try dairy-free flavors now!", {"wishes=try dairy-free flavors"}),
]


@pytest.mark.parametrize(("text", "expected"), ROUND2)
def test_round2_forms_write(text, expected):
    assert kept(decide(text)) == expected


ROUND2_NOTHING = [
    "I usually get too consumed with work.",
    "I usually go to bed early.",
    "I usually do it.",
    "I'm trying to stay positive.",
    "I'm trying to find a way to juggle it all.",
    "I'm trying to do more of it.",
    "I want to try new things.",
]


@pytest.mark.parametrize("text", ROUND2_NOTHING)
def test_round2_near_misses_write_nothing(text):
    assert kept(decide(text)) == set()


def test_a_demonstrative_with_a_name_is_the_named_thing():
    assert kept(decide("I'm really into this book called Sapiens.")) == {"likes=the book called Sapiens"}
    assert kept(decide("I love this book.")) == set()


def test_waiting_alone_is_no_plan():
    assert check_value("plans", "waiting") is not None
    assert check_value("activities", "waiting for the results of the bar exam") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("I'm using the Pomodoro Technique to stay focused.", {"activities=using the Pomodoro Technique to stay focused"}),
    ("I'm currently using a gaming PC with a powerful graphics card.", {"activities=using a gaming PC with a powerful graphics card"}),
    ("I'm prepping for my dance recital more than ever!", {"activities=prepping for my dance recital"}),
])
def test_what_someone_uses_and_preps_for(text, expected):
    assert kept(decide(text)) == expected


def test_using_a_pronoun_is_nothing():
    assert kept(decide("I'm using it to stay organized.")) == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("Playing games is my escape from life's struggles.", {"likes=playing games"}),
    ("Writing and creative projects are what get me through tough times.", {"likes=writing", "likes=creative projects"}),
    ("Gaming has been a refuge for me in tough times.", {"likes=gaming"}),
    ("Art is such a source of joy.", set()),  # said of anyone
    ("Art is an escape.", set()),
    ("It is my escape.", set()),
])
def test_what_the_speaker_turns_to_is_liked(text, expected):
    assert kept(decide(text)) == expected


def test_a_pursuit_done_a_lot_is_the_pursuit():
    assert kept(decide("I've been reading a lot in the past week!")) == {"activities=reading"}
    assert kept(decide("I've been playing a lot.")) == set()  # playing what is not said
    assert kept(decide("I've been painting for a month.")) == set()
