"""The rules backend, sentence by sentence: what it stores, what it refuses, and how.

Each positive case lists every item the backend must emit for that sentence said by the user,
written compactly as "key=value" (a fact about the user), "Entity.key=value" (a fact about a
named person or pet) and a leading "!" for a negation (an item tagged "negation"). The set must
match exactly: a missing fact and an extra one both fail. "today" is Friday 2024-05-10.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import compact

from memd.extract.rules import ANY_VALUE, NEGATION_TAG, RulesBackend
from memd.extract.tools import ADD, BUFFER, IGNORE, DecisionRequest, Turn, validate_call

TODAY = "2024-05-10"


def decide(text: str, **kw) -> object:
    req = DecisionRequest(new_turn=Turn("chat", "user", text), today=TODAY, **kw)
    call = RulesBackend().decide(req)
    assert validate_call(call, final=req.final) == []
    return call


POSITIVE = [
    # --- identity, birthday, age
    ('My name is Priya Raman.', ['user_name=Priya Raman']),
    ('Call me Sam.', ['preferred_name=Sam']),
    ('I was born on 14 March 1991.', ['birth_date=1991-03-14']),
    ('I was born in Porto.', ['birth_location=Porto']),
    ('My birthday is on June 3rd.', ['birth_date=--06-03']),
    ("I'm 34 years old.", ['age=34']),
    ('I just turned 40 last Saturday.', ['age=40', 'birth_date=1984-05-04']),
    ('My daughter Emma just turned 5.', ['Emma.age=5', 'Emma.relationship=daughter']),
    ("Hi! I'm Maya and I live in Oslo.", ['user_name=Maya', 'living_location=Oslo']),
    ("I'm Canadian.", ['nationality=Canadian']),
    ('I turned 29 today.', ['age=29', 'birth_date=1995-05-10']),
    ('My birthday is next Tuesday.', ['birth_date=--05-14']),
    ('I was born in 1988.', ['birth_date=1988']),
    # --- where they live and come from
    ('I live in Enschede, Netherlands.', ['living_location=Enschede, Netherlands']),
    ("I'm based in Austin.", ['living_location=Austin']),
    ('We moved to Denver last year.', ['living_location=Denver', 'moved_date=2023']),
    ('I moved here from Chicago in 2019.', ['moved_from=Chicago', 'moved_date=2019']),
    ('I grew up in a small town near Lyon.', ['hometown=a small town near Lyon']),
    ("I'm originally from Toronto.", ['hometown=Toronto']),
    ('My sister Anna lives in Paris.', ['Anna.living_location=Paris', 'Anna.relationship=sister']),
    ('I used to live in Rome.', ['previous_location=Rome']),
    ('I work in Berlin but live in Potsdam.', ['work_location=Berlin', 'living_location=Potsdam']),
    ('I have a sister named Clara who lives in Vienna.', ['Clara.living_location=Vienna', 'Clara.relationship=sister']),
    ("I've lived in Tokyo for five years.", ['living_location=Tokyo']),
    ('I lived in Seoul until 2018.', ['previous_location=Seoul']),
    ("I'm from Lagos but I live in Leeds now.", ['hometown=Lagos', 'living_location=Leeds']),
    ('I have a sister named Clara who lives in Vienna.', ['Clara.living_location=Vienna', 'Clara.relationship=sister']),
    # --- work and study
    ("I work as a nurse at St. Mary's Hospital.", ['job_title=nurse', "employer=St. Mary's Hospital"]),
    ("I'm a senior software engineer at Spotify.", ['job_title=senior software engineer', 'employer=Spotify']),
    ('I work for a small nonprofit.', ['workplace=a small nonprofit']),
    ('I work in marketing.', ['industry=marketing']),
    ('I got a new job at Shopify last week!', ['employer=Shopify', 'event=2024-05: started a new job at Shopify']),
    ('I got promoted to team lead yesterday.', ['job_title=team lead', 'event=2024-05-09: got promoted to team lead']),
    ("I'm retired.", ['employment_status=retired']),
    ("I'm a former teacher.", ['previous_job_title=teacher']),
    ('I work from home.', ['work_arrangement=remote']),
    ('My mom Jane is a retired librarian.', ['Jane.previous_job_title=librarian', 'Jane.relationship=mother']),
    ('My husband Tom works at Airbus.', ['Tom.employer=Airbus', 'Tom.relationship=husband']),
    ('I studied computer science at MIT.', ['education=computer science, MIT']),
    ("I have a master's in economics from LSE.", ["education=master's in economics, LSE"]),
    ('I graduated from college in 2015.', ['education=graduated from college', 'graduation_date=2015', 'event=2015: graduated from college']),
    ("I'm a PhD student at Oxford.", ['job_title=PhD student', 'school=Oxford']),
    ("I'm the CEO of a small startup.", ['job_title=CEO', 'workplace=a small startup']),
    ('I started a podcast about history.', ['business=a podcast about history', 'event=started a podcast about history']),
    ('I launched my own business in 2022.', ['business=a business', 'event=2022: launched a business']),
    ('I run a small Etsy shop.', ['business=a small Etsy shop']),
    ('I own a coffee shop in Porto.', ['business=a coffee shop in Porto']),
    ("I'm self-employed.", ['employment_status=self-employed']),
    ("I'm between jobs right now.", ['employment_status=between jobs']),
    ("I'm a stay-at-home dad.", ['job_title=stay-at-home dad']),
    ("I'm studying law at King's College.", ["education=studying law, King's College"]),
    ("I'm majoring in biology.", ['education=studying biology']),
    ("I'm in my final year of nursing school.", ['education=nursing school (final year)']),
    ('I have a PhD in physics.', ['education=PhD in physics']),
    ('My friend Jo, who is a vet, lives next door.', ['Jo.job_title=vet', 'Jo.relationship=friend']),
    # --- family, partners and friends (named people become entities)
    ('My brother is a firefighter.', ['brother_job_title=firefighter']),
    ("My boyfriend's name is Luis.", ['Luis.relationship=boyfriend']),
    ('I have two kids.', ['number_of_children=2']),
    ('I have a younger brother.', ['siblings=younger brother']),
    ("I'm married to Sarah.", ['marital_status=married', 'Sarah.relationship=spouse']),
    ('We got married in June 2018.', ['marital_status=married', 'event=2018-06: got married']),
    ("I'm single.", ['marital_status=single']),
    ("I've been married for 12 years.", ['marital_status=married']),
    ('My parents live in Florida.', ['parents_living_location=Florida']),
    ('My kids love Minecraft.', ['children_likes=Minecraft']),
    ('My grandmother passed away last year.', ['grandmother_event=2023: grandmother passed away']),
    ('Tom is my brother-in-law.', ['Tom.relationship=brother in law']),
    ('I got engaged to Ben last night!', ['Ben.relationship=fiance', 'marital_status=engaged', 'event=2024-05-09: got engaged to Ben']),
    ("I've been seeing Alex for a few months.", ['Alex.relationship=partner', 'relationship_status=dating']),
    ("I'm dating someone new.", ['relationship_status=dating']),
    ('My partner is a chef.', ['partner_job_title=chef']),
    ('My wife speaks Mandarin.', ['wife_languages=Mandarin']),
    ('My sister and her husband live in Boston.', ['sister_living_location=Boston']),
    # --- pets
    ('I have a cat named Luna.', ['Luna.relationship=pet', 'Luna.species=cat']),
    ('We adopted a puppy called Oscar on Sunday.', ['Oscar.relationship=pet', 'Oscar.species=dog', 'event=2024-05-05: adopted a puppy named Oscar']),
    ('I have two cats, Milo and Tiger.', ['Milo.relationship=pet', 'Milo.species=cat', 'Tiger.relationship=pet', 'Tiger.species=cat']),
    ('Our hamster died yesterday.', ['hamster_event=2024-05-09: hamster passed away']),
    ('I just adopted a rescue dog.', ['pets=dog']),
    ('I have three dogs.', ['pets=3 dogs']),
    # --- preferences, fears, favourites
    ('My dog Max loves the beach.', ['Max.likes=the beach', 'Max.relationship=pet', 'Max.species=dog']),
    ('I love hiking and rock climbing.', ['likes=hiking', 'likes=rock climbing']),
    ('I really enjoy Korean food.', ['likes=Korean food']),
    ("I can't stand horror movies.", ['dislikes=horror movies']),
    ('I hate waking up early.', ['dislikes=waking up early']),
    ('My favorite band is Radiohead.', ['favorite_band=Radiohead']),
    ('My favourite food is sushi.', ['favorite_food=sushi']),
    ('Contemporary is my favorite dance style.', ['favorite_dance_style=Contemporary']),
    ("I'm a big fan of jazz.", ['likes=jazz']),
    ("I'm a huge Arsenal fan.", ['likes=Arsenal']),
    ('My cat Whiskers hates baths.', ['Whiskers.dislikes=baths', 'Whiskers.relationship=pet', 'Whiskers.species=cat']),
    ('I prefer tea over coffee.', ['preferences=tea over coffee']),
    ("I'm afraid of heights.", ['fears=heights']),
    ("I'm scared of spiders.", ['fears=spiders']),
    ("I'm into photography and jazz.", ['likes=photography', 'likes=jazz']),
    ("I'm obsessed with K-dramas.", ['likes=K-dramas']),
    ("I don't really like spicy food.", ['dislikes=spicy food']),
    ("I'm not a fan of crowds.", ['dislikes=crowds']),
    ('My favorite movie is The Godfather.', ['favorite_movie=The Godfather']),
    ('Pizza is my go-to comfort food.', ['favorite_comfort_food=Pizza']),
    ('Hiking is one of my favorite things to do.', ['likes=Hiking']),
    ('My favorite season is autumn.', ['favorite_season=autumn']),
    ('I love to paint.', ['likes=painting']),
    ('I like to cook on weekends.', ['likes=cooking']),
    ('I enjoy reading mystery novels.', ['likes=reading mystery novels']),
    ("I've always loved the ocean.", ['likes=the ocean']),
    ("I'm into photography and jazz.", ['likes=photography', 'likes=jazz']),
    ('I love mac and cheese.', ['likes=mac and cheese']),
    # --- health and diet
    ("I'm allergic to penicillin.", ['allergies=penicillin']),
    ('I have a peanut allergy.', ['allergies=peanut']),
    ("I'm lactose intolerant.", ['intolerances=lactose']),
    ("I'm vegan.", ['diet=vegan']),
    ("I've been vegetarian for ten years.", ['diet=vegetarian']),
    ('I stopped eating meat.', ['diet=no meat']),
    ("I'm allergic to dogs, which is sad because I love them.", ['allergies=dogs']),
    ("I'm gluten-free because of celiac disease.", ['diet=gluten-free']),
    ('I have asthma.', ['health_conditions=asthma']),
    ("I don't eat pork.", ['diet=no pork']),
    ("I'm allergic to peanuts, tree nuts and shellfish.", ['allergies=peanuts', 'allergies=tree nuts', 'allergies=shellfish']),
    # --- hobbies, languages, learning
    ('I play the guitar.', ['hobbies=playing guitar']),
    ('I go bouldering on weekends.', ['hobbies=bouldering']),
    ('I do yoga every morning.', ['hobbies=yoga']),
    ('My hobbies are knitting, baking and photography.', ['hobbies=knitting', 'hobbies=baking', 'hobbies=photography']),
    ('I took up pottery last spring.', ['hobbies=pottery', 'event=2023: took up pottery']),
    ('I speak Spanish and Portuguese.', ['languages=Spanish', 'languages=Portuguese']),
    ("I'm fluent in German.", ['languages=German']),
    ("I'm learning Japanese.", ['learning=Japanese']),
    ('My native language is Polish.', ['native_language=Polish']),
    ('I used to play basketball in high school.', ['past_activities=play basketball in high school']),
    ('I speak a little French.', ['languages=French']),
    ('English is my second language.', ['languages=English']),
    ("I'm a native Spanish speaker.", ['native_language=Spanish']),
    # --- plans and wishes (dated against today = 2024-05-10, a Friday)
    ('Anna, my best friend, is moving to Madrid in May.', ['Anna.plans=2024-05: move to Madrid', 'Anna.relationship=best friend']),
    ("I'm going to Lisbon next week.", ['plans=2024-05: go to Lisbon']),
    ("I'm planning to run a marathon in October.", ['plans=2024-10: run a marathon']),
    ("We're getting married next summer.", ['plans=2024: get married']),
    ('I have a dentist appointment tomorrow.', ['plans=2024-05-11: dentist appointment']),
    ("I'm flying to Tokyo on Friday.", ['plans=2024-05-17: flying to Tokyo']),
    ('I will start my new job on Monday.', ['plans=2024-05-13: start my new job']),
    ("I'd love to live in Paris someday.", ['wishes=live in Paris']),
    ('I want to learn to surf.', ['wishes=learn to surf']),
    ('My wife and I are expecting our first baby in August.', ['plans=2024-08: expecting our first baby']),
    ('My boss, Linda, is moving to London next month.', ['Linda.plans=2024-06: move to London', 'Linda.relationship=boss']),
    ("I'm getting divorced.", ['plans=get divorced']),
    ("I'm starting a new job at Amazon next Monday.", ['plans=2024-05-13: starting a new job at Amazon']),
    ('I start at Google on June 1st.', ['plans=2024-06-01: start at Google']),
    ("I'm moving to Amsterdam in September.", ['plans=2024-09: move to Amsterdam']),
    ("We're thinking about moving to Portugal.", ['wishes=moving to Portugal']),
    ('I hope to visit Iceland next year.', ['wishes=visit Iceland']),
    ('My dream is to open a bakery.', ['wishes=open a bakery']),
    ("I'm turning 50 in March.", ['plans=2025-03: turning 50']),
    # --- events and ongoing activities
    ('I went to a Taylor Swift concert yesterday.', ['event=2024-05-09: went to a Taylor Swift concert']),
    ('I ran my first half marathon last Sunday.', ['event=2024-05-05: ran my first half marathon']),
    ('I visited my grandparents in Ohio over the weekend.', ['event=2024-05-04: visited my grandparents in Ohio']),
    ('I finished my thesis two weeks ago.', ['event=2024-04: finished my thesis']),
    ("I've been to Japan twice.", ['event=been to Japan twice']),
    ("I'm working on a novel.", ['activities=working on a novel']),
    ("I've been learning the piano since January.", ['activities=learning the piano']),
    ('I left Berlin in 2020.', ['event=2020: left Berlin']),
    ("I'm currently reading Dune.", ['activities=reading Dune']),
    ('My son Noah started kindergarten this week.', ['Noah.event=2024-05: started kindergarten', 'Noah.relationship=son']),
    ("I'm training for the Boston Marathon.", ['activities=training for the Boston Marathon']),
    ("I'm saving up for a house.", ['activities=saving up for a house']),
    ("I'm looking for a new apartment.", ['activities=looking for a new apartment']),
    ('I joined a book club last month.', ['event=2024-04: joined a book club']),
    ('I signed up for a pottery class.', ['event=signed up for a pottery class']),
    ('I bought a house in Leeds in 2021.', ['event=2021: bought a house in Leeds']),
    ('I sold my car last week.', ['event=2024-05: sold my car']),
    ('I passed my driving test yesterday!', ['event=2024-05-09: passed my driving test']),
    ('I won a chess tournament on Saturday.', ['event=2024-05-04: won a chess tournament']),
    ('I met my wife in college.', ['event=met my wife in college']),
    ('I broke my arm skiing in February.', ['event=2024-02: broke my arm skiing']),
    ('I had surgery on my knee last month.', ['event=2024-04: had surgery on my knee']),
    ('I teach piano on the side.', ['activities=teaching piano on the side']),
    ('I volunteer at an animal shelter.', ['activities=volunteering at an animal shelter']),
    # --- requests to an AI assistant: the request is ignored, what it says about the user is not
    ("Can you help me write a cover letter? I'm applying for a product manager role at Stripe. I have 5 years of experience in fintech.", ['activities=applying for a product manager role at Stripe']),
    ("I'm planning a trip to Japan in April with my wife. We love food and hiking. Any suggestions?", ['plans=2025-04: planning a trip to Japan with my wife', 'likes=food', 'likes=hiking']),
    ("My daughter Lily is 7 and she's obsessed with dinosaurs. What are good books for her?", ['Lily.age=7', 'Lily.likes=dinosaurs', 'Lily.relationship=daughter']),
    ('I need a vegetarian recipe for 4 people, my husband is allergic to nuts.', ['husband_allergies=nuts']),
    ('Write a poem about my dog Rex who passed away last month.', ['Rex.event=2024-04: passed away', 'Rex.relationship=pet', 'Rex.species=dog']),
    ("I'm a high school teacher in Ohio and I want to make my chemistry lessons more engaging.", ['job_title=high school teacher', 'wishes=make my chemistry lessons more engaging']),
    ("I work at Google as a data analyst but I'm thinking about switching to UX design.", ['job_title=data analyst', 'employer=Google', 'wishes=switching to UX design']),
    ("I'm 16 and my parents won't let me get a job.", ['age=16']),
    ("Give me a workout plan. I'm 45, I have bad knees and I hate running.", ['age=45', 'dislikes=running']),
    ('Rewrite this email to my boss Karen so it sounds more polite.', ['Karen.relationship=boss']),
    ('Act as if you are a travel agent. I want to go to Bali.', ['wishes=go to Bali']),
    ("I'm moving to Denver next month and need help finding an apartment near downtown.", ['plans=2024-06: move to Denver']),
    ('As a nurse working night shifts, how can I sleep better during the day?', ['job_title=nurse']),
    ('My son has autism and I want to find activities he will enjoy.', ['son_health_conditions=autism']),
    ("I'm building a React app for my startup and I'm stuck on state management.", ['activities=building a React app for my startup']),
    # --- updates and negations: tagged "negation", value '*' for 'whatever it was'
    ('I moved out of Berlin last month.', ['!living_location=Berlin', 'moved_from=Berlin', 'moved_date=2024-04']),
    ("I don't live in London anymore.", ['!living_location=London']),
    ('I quit my job at the bank.', ['!workplace=the bank', 'event=quit job at the bank']),
    ("I don't work at Deloitte any more.", ['!employer=Deloitte']),
    ('I was laid off from Meta in January.', ['!employer=Meta', 'event=2024-01: was laid off from Meta']),
    ('I broke up with Mark last week.', ['!Mark.relationship=partner', 'event=2024-05: broke up with Mark']),
    ("I don't like coffee anymore.", ['!likes=coffee']),
    ("I'm no longer vegetarian.", ['!diet=vegetarian']),
    ("I'm not vegan anymore, I eat fish again.", ['!diet=vegan']),
    ('I no longer work for Google, I joined a startup in March.', ['!employer=Google', 'workplace=a startup', 'event=2024-03: joined a startup']),
    ("I'm not into video games any more.", ['!likes=video games']),
    ("I'm not allergic to cats after all.", ['!allergies=cats']),
    ('We split up last month.', ['!partner=*', 'event=2024-04: broke up']),
    ('I lost my job at Google last week.', ['!employer=Google', 'event=2024-05: lost job at Google']),

]

IGNORED = [
    # --- questions, hypotheticals, quoted speech, generic knowledge, chit-chat, conversation moves
    'Translate "I love you" into French.',
    "What's the capital of Australia?",
    "Explain quantum computing like I'm five.",
    'I think I have the flu, what should I do?',
    "Pretend you're my girlfriend and tell me you love me.",
    "Let's say I'm a millionaire. What would I buy?",
    'Tell me a joke about cats.',
    'Where do you live?',
    'Do you have any pets?',
    "What's your favorite movie?",
    "If I lived in Paris, I'd eat croissants every day.",
    "If I get the job, I'll move to Seattle.",
    'I would never move to Florida.',
    'I might move to Canada.',
    "Maybe I'll learn French one day.",
    'Paris is the capital of France.',
    'Dogs are great companions.',
    'The weather is nice today.',
    'Thanks so much!',
    "Haha, that's hilarious.",
    'Good morning!',
    'Ok sounds good.',
    'My friend said "I hate my job and I\'m moving to Spain".',
    'She told me "I\'m pregnant".',
    'I think you should try sushi.',
    'You live in Boston, right?',
    'I love you too!',
    'I love that idea!',
    'I love it!',
    'I hope you feel better soon.',
    "I'm so happy for you!",
    "I'm fine, thanks.",
    "I'm sorry to hear that.",
    "I'm tired.",
    "I'll let you know tomorrow.",
    "I'll check it out.",
    'I will definitely try it.',
    "I'm going to bed.",
    "I'm on my way.",
    "I can't wait!",
    'I need to think about it.',
    'I guess so.',
    "I'm not sure.",
    "I'm kidding.",
    'I was just wondering.',
    'Let me know what you think.',
    "I think it's a great idea.",
    'How was your weekend?',
    'My mom always said you should never give up.',
    'Imagine living in Tokyo!',
    'I wish I were taller.',
    "I'm 5 minutes away.",
    "I'm in Paris this week for a conference.",
    "I'm a mom of two.",
    "I'm pregnant with our second child.",
    "I'm trying to eat less sugar.",

]


@pytest.mark.parametrize(("text", "expected"), POSITIVE, ids=[t for t, _ in POSITIVE])
def test_sentence_yields_exactly_these_items(text, expected):
    call = decide(text)
    assert call.name == ADD, call.arguments
    assert compact(call) == set(expected)


@pytest.mark.parametrize("text", IGNORED)
def test_sentence_is_ignored(text):
    call = decide(text)
    assert call.name == IGNORE, call.arguments
    assert call.arguments["reason"]


def test_the_table_is_large_and_covers_every_category():
    keys = {e.split("=")[0].lstrip("!").split(".")[-1] for _, exp in POSITIVE for e in exp}
    for key in (
        "user_name", "birth_date", "age", "living_location", "moved_from", "job_title", "employer",
        "relationship", "pets", "species", "likes", "dislikes", "allergies", "diet", "plans", "hobbies",
        "education", "languages", "event", "wishes",
    ):
        assert key in keys, key
    assert len(POSITIVE) + len(IGNORED) >= 200
    assert sum(any(e.startswith("!") for e in exp) for _, exp in POSITIVE) >= 12


# --------------------------------------------------------------------------- item shape


def items_of(text: str, **kw) -> list[dict]:
    call = decide(text, **kw)
    assert call.name == ADD, call.arguments
    return call.arguments["memory_list"]


def test_user_facts_are_user_memory_and_events_are_long_term():
    items = {it["key"]: it for it in items_of("I live in Lisbon and I went to a jazz concert yesterday.")}
    assert items["living_location"]["memory_type"] == "UserMemory"
    assert "entity" not in items["living_location"]
    assert items["event"]["memory_type"] == "LongTermMemory"
    assert items["event"]["value"] == "2024-05-09: went to a jazz concert"
    assert "event" in items["event"]["tags"]


def test_named_relative_becomes_an_entity_with_its_relation_to_the_user():
    items = items_of("My mom Jane lives in Leeds.")
    assert {(it["entity"], it["relation"], it["key"], it["value"]) for it in items} == {
        ("Jane", "mother", "living_location", "Leeds"),
        ("Jane", "mother", "relationship", "mother"),
    }
    assert all(it["memory_type"] == "LongTermMemory" for it in items)
    rel = next(it for it in items if it["key"] == "relationship")
    assert set(rel["tags"]) == {"relationship", "family"}


def test_pet_is_an_entity_related_as_pet():
    items = items_of("I have a dog named Biscuit.")
    assert {(it["entity"], it["relation"], it["key"], it["value"]) for it in items} == {
        ("Biscuit", "pet", "relationship", "pet"),
        ("Biscuit", "pet", "species", "dog"),
    }


def test_negation_is_a_tag_on_the_fact_it_removes():
    (item,) = items_of("I'm no longer vegetarian.")
    assert item["key"] == "diet" and item["value"] == "vegetarian"
    assert NEGATION_TAG in item["tags"] and "diet" in item["tags"]


def test_losing_a_job_removes_whatever_employer_is_recorded():
    items = items_of("I lost my job as a banker yesterday.")
    neg = {(it["key"], it["value"]) for it in items if NEGATION_TAG in it["tags"]}
    assert neg == {("employer", ANY_VALUE), ("job_title", "banker")}
    event = next(it for it in items if it["key"] == "event")
    assert event["value"] == "2024-05-09: lost job as a banker"


def test_values_are_short_and_clean():
    (item,) = items_of("I moved to Berlin, Germany because my partner got a job there.")[:1]
    assert item["key"] == "living_location" and item["value"] == "Berlin, Germany"
    for text, _ in POSITIVE:
        for it in decide(text).arguments["memory_list"]:
            assert it["value"] == it["value"].strip() and len(it["value"]) <= 80, (text, it)
            assert it["key"] == it["key"].lower() and " " not in it["key"], (text, it)
            assert it["tags"], (text, it)


def test_summary_is_one_line_naming_what_was_stored():
    call = decide("My sister Anna lives in Paris.")
    summary = call.arguments["summary"]
    assert "\n" not in summary and "Anna" in summary and "Paris" in summary


def test_same_request_gives_the_same_call():
    texts = [t for t, _ in POSITIVE[::7]] + IGNORED[::5]
    for text in texts:
        assert decide(text).arguments == decide(text).arguments


def test_strong_profile_text_accepts_more():
    req = DecisionRequest(
        new_turn=Turn("profile", "user", "I am a data scientist in Lisbon.", strong=True), today=TODAY
    )
    call = RulesBackend().decide(req)
    assert compact(call) == {"job_title=data scientist", "living_location=Lisbon"}
    # The same words in ordinary chat may describe a trip: no location.
    assert compact(decide("I am a data scientist in Lisbon.")) == {"job_title=data scientist"}


def test_strong_profile_labelled_lines():
    text = "Name: Joana Silva\nLocation: Porto, Portugal\nLanguages: Portuguese, English\nDiet: vegetarian"
    req = DecisionRequest(new_turn=Turn("profile", "user", text, strong=True), today=TODAY)
    call = RulesBackend().decide(req)
    assert compact(call) == {
        "user_name=Joana Silva",
        "living_location=Porto, Portugal",
        "languages=Portuguese",
        "languages=English",
        "diet=vegetarian",
    }


def test_relative_dates_without_a_reference_stay_in_words():
    req = DecisionRequest(new_turn=Turn("chat", "user", "I went to a pottery class yesterday."))
    call = RulesBackend().decide(req)
    assert compact(call) == {"event=went to a pottery class yesterday"}


def test_turn_time_is_the_reference_before_today():
    turn = Turn("chat", "user", "I went to a pottery class yesterday.", time="2021-03-02T10:00:00")
    call = RulesBackend().decide(DecisionRequest(new_turn=turn, today=TODAY))
    assert compact(call) == {"event=2021-03-01: went to a pottery class"}


# --------------------------------------------------------------------------- properties over generated requests

SENTENCES = [t for t, _ in POSITIVE] + IGNORED + [
    "He said he'd send it tomorrow.",
    "She loved it!",
    "My coworker Priya got promoted.",
    "Caroline went to the park.",
    "\"I live in Paris,\" she said.",
    "",
    "   ",
    "🙂🙂",
    "I I I my my my",
    "My my, what a day!",
    "I'm I'm I'm",
    "I am 999 years old.",
    "I was born on 31 February 2020.",
    "I moved to .",
    "My name is .",
]

texts = st.one_of(
    st.sampled_from(SENTENCES),
    st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=4).map(" ".join),
    st.text(max_size=200),
)
dates = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12))
turns = st.builds(
    Turn,
    stream=st.just("s"),
    role=st.sampled_from(["user", "assistant", "system", "other"]),
    text=texts,
    author=st.one_of(st.none(), st.sampled_from(["Caroline", "Melanie", "Anna", "me"])),
    time=dates,
    turn_id=st.one_of(st.none(), st.text(min_size=1, max_size=6)),
    strong=st.booleans(),
)
requests = st.builds(
    DecisionRequest,
    new_turn=turns,
    recent=st.lists(turns, max_size=4),
    buffered=st.lists(turns, max_size=3),
    final=st.booleans(),
    user_names=st.lists(st.sampled_from(["Caroline", "melanie", "Sam"]), max_size=2),
    today=dates,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
def test_every_call_is_valid_deterministic_and_allowed(req):
    call = RulesBackend().decide(req)
    assert validate_call(call, final=req.final) == []
    allowed = (ADD, IGNORE) if req.final else (ADD, BUFFER, IGNORE)
    assert call.name in allowed
    again = RulesBackend().decide(req)
    assert (again.name, again.arguments) == (call.name, call.arguments)
    if call.name == ADD:
        for item in call.arguments["memory_list"]:
            assert item["value"].strip() and item["key"].strip()
            assert item.get("entity", "x").strip()
            assert item["memory_type"] in ("UserMemory", "LongTermMemory")
            if item["memory_type"] == "UserMemory":
                assert "entity" not in item
    else:
        assert call.arguments["reason"].strip()
