"""Reviewer's findings on the lead's changes 50d8dbb..6c86812 (H7).

Each test feeds real statements through the real rules backend and extraction loop into a real
vault and reads what was written. The ones marked xfail(strict) are bugs confirmed against that
diff (most are regressions: the statement gave the right fact, or nothing, at 50d8dbb); they
turn into passing tests once fixed. The turns are dated Wednesday 2024-05-08 onwards.
"""

from __future__ import annotations

import pytest

from memd.extract.loop import ExtractionLoop
from memd.extract.rules import RulesBackend
from memd.extract.tools import Turn
from memd.vault.provenance import strip


def say(app, *texts: str) -> None:
    """Each text is one user turn in its own conversation, one day apart, in one vault."""
    for i, text in enumerate(texts):
        loop = ExtractionLoop(app, RulesBackend(), source_kind="bench")
        loop.process(Turn(stream=f"s{i}", role="user", author=None, text=text,
                          time=f"2024-05-{8 + i:02d}T10:00:00+00:00", turn_id=f"t{i}"))
        loop.end_stream(f"s{i}")


def read(app, rel: str = "") -> str:
    path = app.config.vault / (rel or app.user_path)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return "".join(strip(line).rstrip() + "\n" for line in text.splitlines())


def entity(app, slug: str) -> str:
    return read(app, f"memory/entities/{slug}.md")


# -- breakups: "X and I" --------------------------------------------------------------------


def test_tom_and_i_broke_up_ends_the_relation(app):
    # The new behaviour works for the plain case (kept as a guard for the fixes below).
    say(app, "My boyfriend Tom is a chef.", "Tom and I broke up.")
    assert "boyfriend: [[entities/tom.md]]" not in read(app)
    assert "relationship: ex-boyfriend" in entity(app, "tom")


def test_splitting_up_the_chores_is_no_breakup(app):
    say(app, "My boyfriend Tom is a chef.", "Tom and I split up the chores this week.")
    assert "boyfriend: [[entities/tom.md]]" in read(app)
    assert "ex-boyfriend" not in entity(app, "tom")


def test_breaking_up_a_fight_is_no_breakup(app):
    say(app, "My boyfriend Tom is a chef.", "Tom and I broke up a fight at the bar last night.")
    assert "boyfriend: [[entities/tom.md]]" in read(app)
    assert "ex-boyfriend" not in entity(app, "tom")


def test_broke_up_but_got_back_together_keeps_the_relation(app):
    say(app, "My girlfriend Anna is a chef.", "Anna and I broke up for a week but we got back together.")
    assert "girlfriend: [[entities/anna.md]]" in read(app)
    assert "ex-girlfriend" not in entity(app, "anna")


# -- "I'm Maria and I ..." naming the user --------------------------------------------------


def test_im_maria_and_i_names_the_user(app):
    say(app, "I'm Maria and I work as a nurse.")
    assert "user_name: Maria" in read(app)


def test_a_demonym_does_not_rename_the_user(app):
    say(app, "Hi, I'm Maria.", "I'm Texan and I love BBQ.")
    text = read(app)
    assert "user_name: Maria" in text
    assert "Texan" not in text.split("likes")[0]


@pytest.mark.parametrize("word", ["Californian", "Republican", "Capricorn", "Pisces"])
def test_a_non_name_after_im_is_no_user_name(app, word):
    say(app, f"I'm {word} and I love swimming.")
    assert "user_name" not in read(app)


# -- corrections without History ------------------------------------------------------------


def test_i_meant_x_not_y_replaces_without_history(app):
    say(app, "I live in Graz.", "Sorry, I meant Linz, not Graz.")
    text = read(app)
    assert "living_location: Linz" in text and "Graz" not in text


def test_i_mean_with_a_clause_keeps_the_value_and_the_change(app):
    say(app, "My favorite color is blue.", "I mean it's green now, not blue.")
    text = read(app)
    assert "favorite_color: green" in text
    assert "previous_favorite_color: blue" in text


def test_i_mean_now_is_a_change_not_a_correction(app):
    say(app, "I work at Google.", "I mean I work at Stripe now, not Google.")
    text = read(app)
    assert "employer: Stripe" in text
    assert "previous_employer: Google" in text


def test_i_mean_we_moved_keeps_boston_and_writes_no_clause(app):
    say(app, "I live in Boston.", "I mean we moved to Chicago, not Boston.")
    text = read(app)
    assert "living_location: Chicago" in text
    assert "we moved" not in text
    assert "Boston" in text


def test_i_meant_a_phrase_writes_no_phrase_as_employer(app):
    say(app, "I work at Google.", "I meant the new job at Stripe, not Google.")
    assert "new job" not in read(app)


# -- sarcasm guard ----------------------------------------------------------------------------


def test_sarcasm_is_not_a_like(app):
    say(app, "Oh great, I just love waiting in line.")
    assert "likes" not in read(app)


def test_yay_i_love_hiking_is_sincere(app):
    say(app, "Yay, I love hiking!")
    assert "likes: hiking" in read(app)


def test_just_love_traffic_podcasts_is_sincere(app):
    say(app, "I just love traffic podcasts.")
    assert "likes: traffic podcasts" in read(app)


# -- progressive + date -> plan -----------------------------------------------------------------


def test_a_dated_race_is_a_plan(app):
    say(app, "I'm running the Berlin marathon on September 28th.")
    assert "2024-09-28: running the Berlin marathon" in read(app)


def test_since_a_past_day_is_no_plan(app):
    say(app, "I'm reading War and Peace since May 1st.")
    text = read(app)
    assert "2025-05-01" not in text
    assert "reading War and Peace" in text


def test_teaching_since_april_is_no_plan(app):
    say(app, "I'm teaching yoga since April 2nd.")
    assert "2025-04-02" not in read(app)


# -- 'this weekend' in the past tense --------------------------------------------------------


def test_this_weekend_past_tense_is_the_weekend_gone(app):
    say(app, "This weekend we went to the zoo.")
    assert "2024-05-04: went to the zoo" in read(app)


def test_booked_for_this_weekend_is_the_coming_weekend(app):
    say(app, "I booked a hotel in Rome for this weekend.")
    text = read(app)
    assert "2024-05-04" not in text
    assert "2024-05-11: booked a hotel in Rome" in text


# -- a pet's breed ----------------------------------------------------------------------------


def test_breed_goes_to_pets_not_people(app):
    say(app, "Our dog Biscuit is a beagle.", "My brother Tom is a boxer.", "My friend Jack is a pointer.")
    assert "breed: beagle" in entity(app, "biscuit")
    assert "breed" not in entity(app, "tom") and "species" not in entity(app, "tom")
    assert "breed" not in entity(app, "jack")


# -- more found on a second pass ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["Tom and I broke up the band last year.", "I dreamt that Tom and I broke up."])
def test_not_a_breakup_keeps_the_boyfriend(app, text):
    say(app, "My boyfriend Tom is a chef.", text)
    assert "boyfriend: [[entities/tom.md]]" in read(app)


def test_not_y_anymore_is_a_change_with_history(app):
    say(app, "My favorite team is the Lakers.", "My favorite team is not the Lakers anymore, it's the Celtics.")
    text = read(app)
    assert "favorite_team: Celtics" in text
    assert "previous_favorite_team: the Lakers" in text


def test_recovering_from_surgery_on_a_past_day_is_no_plan(app):
    say(app, "I'm still recovering from my surgery on May 1st.")
    assert "2025-05-01" not in read(app)


# -- RemoveFact matching a link by slug ---------------------------------------------------------


def test_remove_by_slug_never_removes_another_person(app):
    from memd.state import Source

    src = Source("cli")
    app.add_relation(None, "friend", "Jo-Ann", src)
    app.add_relation(None, "friend", "Jo Ann", src)
    before = read(app)
    assert "[[entities/jo_ann.md]]" in before and "[[entities/jo_ann_2.md]]" in before
    app.remove_fact(None, "friend", "Jo Ann", src)
    after = read(app)
    assert "[[entities/jo_ann.md]]" in after  # Jo-Ann is still a friend
    assert "[[entities/jo_ann_2.md]]" not in after


# -- the fold cache -----------------------------------------------------------------------------


def test_fold_cache_does_not_keep_long_turns_alive():
    import gc
    import tracemalloc

    from memd.extract import ascii_fold as af

    af._fold_cached.cache_clear()
    af._words_cached.cache_clear()
    tracemalloc.start()
    try:
        for i in range(60):
            text = f"Café {i} " + "word " * 40_000 + "🙂"
            af.word_map([text])
            af.fold(text)
            del text
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        af._fold_cached.cache_clear()
        af._words_cached.cache_clear()
    assert retained < 32 * 1024 * 1024, f"{retained / 1e6:.0f} MB retained by the fold caches"


# -- likes: when-phrases cut from titles ---------------------------------------------------------


@pytest.mark.parametrize("text, value", [("I love the show Growing Up.", "the show Growing Up"),
                                         ("I love the song In My Free Time.", "the song In My Free Time")])
def test_a_title_is_not_a_time_phrase(app, text, value):
    say(app, text)
    assert f"likes: {value}" in read(app)


def test_the_topic_of_a_like_is_kept(app):
    say(app, "I love reading about life during the pandemic.")
    assert "likes: reading about life during the pandemic" in read(app)


# -- moves by others as updates ---------------------------------------------------------------------


def test_an_old_move_writes_no_false_history(app):
    say(app, "My sister Lena lives in Zurich.", "Lena moved to Berlin in 2010.")
    assert "Zurich (until 2010)" not in entity(app, "lena")


# -- substitute(): a pre-existing splice ------------------------------------------------------------


def test_correction_inside_a_degree_writes_no_doubled_word(app):
    say(app, "I have an MS in Mechanical Engineering from MIT.",
        "Actually my degree is in Aerospace Engineering, not Mechanical Engineering.")
    text = read(app)
    assert "in in" not in text
    assert "Aerospace Engineering" in text


# -- correction tag on real changes (_SELF_CORRECTION) ---------------------------------------------


@pytest.mark.parametrize("first, second, kept", [
    ("My favorite drink is coffee.", "I actually switched to tea instead of coffee.", "previous_favorite_drink: coffee"),
    ("I live in Boston.", "I actually moved to Chicago, not Boston.", "previous_living_location: Boston"),
])
def test_a_change_verb_is_no_correction(app, first, second, kept):
    say(app, first, second)
    assert kept in read(app)


def test_also_not_just_never_loses_the_first_employer(app):
    say(app, "I work at Google.", "I also work at Stripe, not just Google.")
    assert "Google" in read(app)


def test_weekday_plural_leaves_no_stray_letter(app):
    say(app, "I'm volunteering at the shelter on Saturday mornings.")
    text = read(app)
    assert "shelter s" not in text
    assert "volunteering at the shelter" in text


def test_this_weekend_said_on_sunday_is_this_weekend(app):
    loop = ExtractionLoop(app, RulesBackend(), source_kind="bench")
    loop.process(Turn(stream="s", role="user", author=None, text="I'm staying with my parents this weekend.",
                      time="2024-05-12T10:00:00+00:00", turn_id="t"))
    loop.end_stream("s")
    text = read(app)
    assert "2024-05-18" not in text
    assert "2024-05-11: staying with my parents" in text


# -- "I mean X, not Y" in ordinary talk ---------------------------------------------------------------


def test_i_mean_my_cousin_keeps_the_sister_link(app):
    say(app, "My sister Anna is a teacher.", "I mean my cousin, not Anna.")
    assert "sister: [[entities/anna.md]]" in read(app)


def test_i_mean_in_a_definition_keeps_the_city(app):
    say(app, "I live in Boston.", "When I say home I mean my parents' place, not Boston.")
    assert "living_location: Boston" in read(app)


def test_i_mean_a_dress_keeps_the_favorite_color(app):
    say(app, "My favorite color is red.", "For the party I mean the blue dress, not red.")
    assert "favorite_color: red" in read(app)


def test_not_google_is_no_like(app):
    say(app, "I mean, I like Apple, not Google.")
    assert "not Google" not in read(app)


def test_a_move_writes_no_city_in_the_old_state(app):
    say(app, "I live in Portland, Oregon.", "I moved from Portland to Seattle.")
    assert "Seattle, Oregon" not in read(app)
