"""Capture (issue 9): the forms rules_doings.py, rules_intents.py, rules_feelings.py, rules_photos.py and the
'does me good' pattern of rules_values.py read, the value repairs of rules_text.clean_value and
the value gate's vagueness checks (value_intent.py).

Two levels: the backend's items for a statement (exact, so a rule that starts writing more is
seen), and what lands in a real vault's user.md through the real loop (a complete phrase on its
own line, nothing for the near misses).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from memd.extract.rules import RulesBackend
from memd.extract.rules_text import clean_value, third_person
from memd.extract.value_gate import check_value
from support import decide, kept

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)  # a Monday


WRITES = [
    ("I'm busy taking care of my grandmother's garden.", {"activities=taking care of my grandmother's garden"}),
    ("I'm getting ready for a piano recital next month.", {"plans=2025-04: getting ready for a piano recital"}),
    ("Lately I've been getting into pottery.", {"activities=getting into pottery"}),
    ("I do strength training every morning.", {"activities=do strength training every morning"}),
    ("We went kayaking on the river last weekend.", {"event=2025-03-08: went kayaking on the river"}),
    ("Yesterday I chose to switch to night shifts.", {"event=2025-03-09: chose to switch to night shifts"}),
    ("I can't wait to visit my cousins in Dublin in April!", {"plans=2025-04: visit my cousins in Dublin"}),
    ("I'm off to see a flamenco show tonight.", {"plans=2025-03-10: see a flamenco show"}),
    ("We had some neighbors over for a barbecue.", {"event=had some neighbors over for a barbecue"}),
    ("I'm always on the lookout for vintage vinyl records.", {"activities=looking for vintage vinyl records"}),
    ("I'm putting a lot of effort into my woodworking shop.", {"activities=working on my woodworking shop"}),
    ("Gardening helps me unwind after long shifts.", {"likes=gardening"}),
    ("Baking bread brings me so much joy.", {"likes=baking bread"}),
    ("I felt so proud crossing the finish line of my first half marathon.",
     {"event=felt proud crossing the finish line of my first half marathon"}),
    ("I'm trying to stay active, volunteering at the food bank.", {"activities=volunteering at the food bank"}),
    ("I finally finished the quilt for my niece and mailed it on Friday.",
     {"event=2025-03-07: finished the quilt for my niece"}),
    ("My plan is to build a greenhouse in the backyard.", {"plans=build a greenhouse in the backyard"}),
    ("Here's a snap of the birdhouse I built.", {"event=built the birdhouse"}),
    ("Here's a photo of me climbing the old lighthouse stairs.", {"activities=climbing the old lighthouse stairs"}),
    ("I'm totally hooked on bouldering.", {"likes=bouldering"}),
    ("I'm so pumped for the launch tomorrow!", {"plans=2025-03-11: the launch"}),
    ("Can't wait for tomorrow's grand opening!", {"plans=2025-03-11: the grand opening"}),
    ("Giving people peace and awareness brings me so much joy.", {"likes=giving people peace and awareness"}),
    ("Joining a climbing gym has been a game-changer for me.", {"event=joined a climbing gym"}),
    ("Taking up running was so worth it.", {"event=took up running"}),
    ("Not much, just finished a 5k race yesterday.", {"event=2025-03-09: finished a 5k race"}),
    ("I enjoy reading, watching movies, and exploring nature.",
     {"likes=reading", "likes=watching movies", "likes=exploring nature"}),
    ("I love cooking, especially Italian food.", {"likes=cooking"}),
    ("I've played chess before.", {"event=played chess"}),
]


@pytest.mark.parametrize(("text", "expected"), WRITES, ids=[t for t, _ in WRITES])
def test_statement_writes_these_items(text, expected):
    assert kept(decide(text)) == expected


NOTHING = [
    "I'm busy dealing with it.",
    "Thanks, I'm getting ready for bed.",
    "I got into trouble at school once.",
    "I got into Stanford!",
    "I do it every day.",
    "I make sure to drink enough water.",
    "Can't wait to see it!",
    "Anyway, I'm off to bed.",
    "We should have some friends over sometime.",
    "I'm tempted to give it a try.",
    "It helps me relax.",
    "My family makes me happy.",
    "I felt great.",
    "I felt so proud of you.",
    "My plan is to make a positive impact.",
    "I'm looking for ways to be happier.",
    "I love the colors!",
    "I love the idea, learning to knit is fun.",
    "Here's a photo of it I took.",
    "Here's a pic of the cake my mom baked.",
    "I'm so pumped for you!",
    "Their encouragement keeps me grounded.",
    "Coffee makes me happy.",
    "Glimpsing that calms me.",
    "Setting small goals and tracking my progress helps me stay motivated.",
    "I got a surprise for you!",
    "I'll get the video to you soon!",
    "I've watched a bunch of them.",
    "Getting the chance to meet you was a blessing.",
    "Not much, just chilling.",
    "I'm glad you liked it, volunteering at the shelter must be fun.",
    "I left before.",
]


@pytest.mark.parametrize("text", NOTHING)
def test_near_miss_writes_nothing(text):
    assert kept(decide(text)) == set()


def test_a_named_speaker_of_a_chat_log_gets_the_fact():
    assert kept(decide("I went snorkeling in Bali last month!", author="Priya")) == {
        "Priya.event=2025-02: went snorkeling in Bali"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("finished my first screenplay and printed it", "finished my first screenplay"),
    ("got some new beds for them", "got some new beds"),
    ("finished another painting like our last one", "finished another painting"),
    ("made such great friends through it", "made such great friends"),
    ("bake cookies with someone close to them", "bake cookies with someone close to them"),  # "close to" stays whole
    ("a walk in the park", "a walk in the park"),
    ("watched a bunch of them", "watched a bunch of them"),  # a part of them: the whole is the point
    ("created after sticking with it", "created after sticking with it"),  # cut, it would still be cut
    ("got a surprise for you", "got a surprise for you"),  # about the other person: refused as a whole
])
def test_a_value_is_cut_before_a_pronoun_it_points_with(raw, expected):
    assert clean_value(raw, max_words=12) == expected


def test_a_from_without_its_to_is_not_left_dangling():
    v = clean_value("refine my wardrobe from casual business attire to smart-casual business attire", max_words=8)
    assert v == "refine my wardrobe"


def test_me_time_stays_me_time_in_the_third_person():
    assert third_person("took my me-time walk with me") == "took their me-time walk with them"


@pytest.mark.parametrize(("key", "value", "refused"), [
    ("wishes", "getting a dog", False),
    ("plans", "make their own strategy game", False),
    ("plans", "work on their business and some new dance routines", False),
    ("plans", "make a positive impact", True),
    ("plans", "use my position to inspire innovation within my team", True),
    ("plans", "convey the importance of collaboration", True),
    ("plans", "set clear boundaries", True),
    ("wishes", "make a meaningful contribution and continue learning along the way", True),
    ("activities", "looking into local politics", False),
    ("activities", "exploring options", True),
    ("activities", "looking into incorporating more eco-friendly fabrics", True),
    ("likes", "the colors", True),
    ("likes", "talking", True),
    ("likes", "reading", False),
    ("likes", "watching their pets play with one another", False),
    ("likes", "the ocean", False),
    ("event", "felt accomplished reaching the top", False),
    ("event", "felt some company", True),
    ("event", "wanted some company", True),
    ("event", "organized a toy drive for kids in need", False),
    ("wishes", "become an organizer of tournaments for computer games", False),
    ("wishes", "become a better person", True),
    ("wishes", "integrating more yoga and meditation into my routine", False),
    ("plans", "add more vegetables to my diet", False),
    ("plans", "incorporate mindfulness practices into my routine", True),
    ("plans", "integrate my findings into my routine", True),
    ("activities", "exploring painting as a creative outlet", False),
    ("event", "took up running", False),
])
def test_the_gate_keeps_concrete_intentions_and_refuses_vague_ones(key, value, refused):
    assert (check_value(key, value) is not None) == refused, check_value(key, value)


def test_captured_facts_land_whole_in_a_real_vault(app):
    from memd.extract.loop import ExtractionLoop

    loop = ExtractionLoop(app, RulesBackend(), source_kind="remember", clock=lambda: NOW)
    for text in ("I'm busy taking care of my grandmother's garden.", "Gardening helps me unwind after long shifts.",
                 "I finally finished the quilt for my niece and mailed it on Friday.", "I do it every day.",
                 "I felt so proud of you.", "Can't wait to see it!"):
        loop.remember(text)
    user_md = app.config.vault / app.memory_dir / "user.md"
    lines = [line.split(" ↗")[0].rstrip() for line in user_md.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    assert "- activities: taking care of my grandmother's garden" in lines
    assert "- likes: gardening" in lines
    assert any(line.endswith("finished the quilt for my niece") for line in lines)
    assert not any("mailed it" in line or "every day" in line or "proud of" in line or "see it" in line for line in lines)
