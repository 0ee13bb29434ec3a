"""The rules backend on everyday first-person chat: what a person tells an assistant in passing.

A second table beside test_rules.py, written against the same compact notation: "key=value"
for a fact about the user, "Entity.key=value" for a named person or pet, a leading "!" for a
negation (an item tagged "negation"). Each set must match exactly. The turn is written on
Wednesday 2024-06-12 (ISO week 2024-W24), which is also "today".

DISTRACTORS must produce nothing: questions, hypotheticals, fiction and role-play requests,
quoted speech, generic knowledge, sarcasm, instructions to the assistant, code, and assistant
boilerplate pasted into the chat.
"""

from __future__ import annotations

import pytest

from memd.extract.rules import NEGATION_TAG, RulesBackend
from memd.extract.tools import ADD, IGNORE, DecisionRequest, Turn, validate_call

WHEN = "2024-06-12T10:00:00"
TODAY = "2024-06-12"


def decide(text: str, role: str = "user"):
    req = DecisionRequest(new_turn=Turn("chat", role, text, time=WHEN), today=TODAY)
    call = RulesBackend().decide(req)
    assert validate_call(call, final=req.final) == []
    return call


def compact(call) -> set[str]:
    out = set()
    for it in call.arguments["memory_list"]:
        neg = "!" if NEGATION_TAG in it["tags"] else ""
        ent = f"{it['entity']}." if it.get("entity") else ""
        out.add(f"{neg}{ent}{it['key']}={it['value']}")
    return out


EVERYDAY = [
    # --- the misses seen in the product demo
    ('Quick update: I started learning Portuguese this week.', ['learning=Portuguese', 'event=2024-W24: started learning Portuguese']),
    ('I started learning to play the guitar last month.', ['learning=guitar', 'event=2024-05: started learning guitar']),
    ("I can't eat gluten.", ['intolerances=gluten']),
    ("I'm lactose intolerant.", ['intolerances=lactose']),
    ('Gluten makes me sick.', ['intolerances=gluten']),
    ("I don't eat meat.", ['diet=no meat']),
    ('I avoid dairy.', ['diet=no dairy']),
    ('I got a new job at Spotify as a product manager!', ['employer=Spotify', 'job_title=product manager', 'event=started a new job as a product manager at Spotify']),
    # --- work
    ('I quit my job at Deloitte.', ['!employer=Deloitte', 'event=quit job at Deloitte']),
    ('I just started working at a bakery downtown.', ['workplace=a bakery', 'event=started working at a bakery']),
    ('I work as a dental hygienist.', ['job_title=dental hygienist']),
    ("I'm a software developer at a fintech startup.", ['job_title=software developer', 'workplace=a fintech startup']),
    ("I've been a nurse for ten years.", ['job_title=nurse']),
    ('I was promoted to senior manager last week.', ['job_title=senior manager', 'event=2024-W23: got promoted to senior manager']),
    ('I got laid off last Friday.', ['!employer=*', 'event=2024-06-07: was laid off']),
    ('I work night shifts at a hospital.', ['workplace=a hospital']),
    ("I'm starting a new job at Google next month.", ['plans=2024-07: starting a new job at Google']),
    ('I retired last year.', ['employment_status=retired', 'event=2023: retired']),
    ("I'm a stay-at-home mom.", ['job_title=stay-at-home mom']),
    ('I run my own bakery.', ['business=a bakery']),
    ("I'm unemployed right now.", ['employment_status=unemployed']),
    ('I left my job at Amazon last month.', ['!employer=Amazon', 'event=2024-05: left job at Amazon']),
    ("I'm an accountant.", ['job_title=accountant']),
    ("I'm a high school math teacher.", ['job_title=high school math teacher']),
    ('I work in finance.', ['industry=finance']),
    ("I've worked at IBM for 8 years.", ['employer=IBM']),
    ('I used to work at Walmart.', ['previous_employer=Walmart']),
    ('I used to be a teacher.', ['previous_job_title=teacher']),
    ('I got hired as a barista at a local cafe.', ['job_title=barista', 'workplace=a local cafe', 'event=got hired as barista at a local cafe']),
    ('I work at a hospital as a nurse.', ['job_title=nurse', 'workplace=a hospital']),
    ("I'm a teacher at Lincoln Elementary.", ['job_title=teacher', 'employer=Lincoln Elementary']),
    ("I'm a barista at Starbucks.", ['job_title=barista', 'employer=Starbucks']),
    ("I'm currently job hunting.", ['employment_status=job hunting']),
    ("I've been working at Microsoft since 2019.", ['employer=Microsoft']),
    ("I'm a software engineer and I live in Seattle.", ['job_title=software engineer', 'living_location=Seattle']),
    ("I'm a nurse and my husband is a teacher.", ['job_title=nurse', 'husband_job_title=teacher']),
    ('I work remotely.', ['work_arrangement=remote']),
    ("I'm a freelance graphic designer.", ['job_title=freelance graphic designer']),
    # --- family
    ('My son is 12.', ['son_age=12']),
    ('I have three kids.', ['number_of_children=3']),
    ('My daughter just started college.', ['daughter_event=started college']),
    ('My brother Jake is a pilot.', ['Jake.job_title=pilot', 'Jake.relationship=brother']),
    ('My parents are divorced.', ['parents_marital_status=divorced']),
    ('We had a baby girl last month!', ['event=2024-05: had a baby girl']),
    ('My grandpa turned 90 yesterday.', ['grandfather_age=90', 'grandfather_birth_date=1934-06-11']),
    ("I'm an only child.", ['number_of_siblings=0']),
    ('My sister Emma got married in April.', ['Emma.marital_status=married', 'Emma.event=2024-04: got married', 'Emma.relationship=sister']),
    ('My husband works as an electrician.', ['husband_job_title=electrician']),
    ('My dad passed away in 2019.', ['father_event=2019: passed away']),
    ('My mom just retired.', ['mother_employment_status=retired']),
    ('My brother lives in Chicago with his wife.', ['brother_living_location=Chicago']),
    ('My daughter is allergic to peanuts.', ['daughter_allergies=peanuts']),
    ('My husband is vegetarian.', ['husband_diet=vegetarian']),
    ('My son plays soccer.', ['son_hobbies=playing soccer']),
    ('My girlfriend is from Italy.', ['girlfriend_hometown=Italy']),
    ('I have two older sisters.', ['number_of_sisters=2']),
    ('I have a stepdaughter.', ['children=stepdaughter']),
    ('I have a 5-year-old son.', ['children=5-year-old son']),
    ('My son Jack is starting kindergarten in September.', ['Jack.plans=2024-09: starting kindergarten', 'Jack.relationship=son']),
    ('My daughter Emma is 8.', ['Emma.age=8', 'Emma.relationship=daughter']),
    ('My wife Sarah works at a bank.', ['Sarah.workplace=a bank', 'Sarah.relationship=wife']),
    ('My kids are obsessed with Pokemon.', ['children_likes=Pokemon']),
    ('My fiance is a firefighter.', ['fiance_job_title=firefighter']),
    ('My wife is a doctor.', ['wife_job_title=doctor']),
    ('My mom is from Brazil.', ['mother_hometown=Brazil']),
    # --- partners
    ('I have a girlfriend named Mia.', ['Mia.relationship=girlfriend']),
    ('We broke up last month.', ['!partner=*', 'event=2024-05: broke up']),
    ("I'm divorced.", ['marital_status=divorced']),
    ('I got divorced last year.', ['marital_status=divorced', 'event=2023: got divorced']),
    ("I'm engaged!", ['marital_status=engaged']),
    ('My partner Sam is a chef.', ['Sam.job_title=chef', 'Sam.relationship=partner']),
    ("I'm in a relationship.", ['relationship_status=in a relationship']),
    ("I'm married with two kids.", ['marital_status=married', 'number_of_children=2']),
    ('My best friend Sarah is getting married in September.', ['Sarah.plans=2024-09: get married', 'Sarah.relationship=best friend']),
    ('My husband and I have been married for 20 years.', ['marital_status=married']),
    ("I'm single again.", ['marital_status=single']),
    # --- pets
    ('I have a golden retriever named Max.', ['Max.relationship=pet', 'Max.species=dog']),
    ('We got a kitten last weekend.', ['pets=cat', 'event=2024-06-08: got a kitten']),
    ('My dog died last week.', ['dog_event=2024-W23: passed away']),
    ('I have two cats.', ['pets=2 cats']),
    ("My cat's name is Luna.", ['Luna.relationship=pet', 'Luna.species=cat']),
    ('We adopted a rescue dog named Bella in March.', ['Bella.relationship=pet', 'Bella.species=dog', 'event=2024-03: adopted a dog named Bella']),
    ("I don't have a dog anymore.", ['!pets=dog']),
    ('My cat Mochi is 3 years old.', ['Mochi.age=3', 'Mochi.relationship=pet', 'Mochi.species=cat']),
    ('I have a goldfish.', ['pets=goldfish']),
    ("I'm getting a puppy next week!", ['plans=2024-W25: get a puppy']),
    ('Our dog Biscuit is a beagle.', ['Biscuit.relationship=pet', 'Biscuit.species=dog']),
    ('My dog Rocky loves the park.', ['Rocky.likes=the park', 'Rocky.relationship=pet', 'Rocky.species=dog']),
    ('I have a dog and two cats.', ['pets=dog', 'pets=2 cats']),
    ('We have a parrot named Kiwi.', ['Kiwi.relationship=pet', 'Kiwi.species=parrot']),
    ('My cat is 15 years old.', ['cat_age=15']),
    ("I'm a proud cat mom.", ['pets=cat']),
    # --- homes and moves
    ('I just bought my first house!', ['event=bought my first house']),
    ('We moved to Austin in January.', ['living_location=Austin', 'moved_date=2024-01']),
    ('I live in a small apartment in Brooklyn.', ['living_location=Brooklyn']),
    ("I'm moving to Seattle next month.", ['plans=2024-07: move to Seattle']),
    ('I rent a flat in Manchester.', ['living_location=Manchester']),
    ('I grew up in Ohio.', ['hometown=Ohio']),
    ('I was born and raised in Chicago.', ['hometown=Chicago']),
    ("We're renovating our kitchen.", ['activities=renovating our kitchen']),
    ('I live with my boyfriend in Denver.', ['living_location=Denver']),
    ('I moved to Canada from India five years ago.', ['living_location=Canada', 'moved_from=India', 'moved_date=2019']),
    ('I moved in with my girlfriend last month.', ['event=2024-05: moved in with my girlfriend']),
    ('We bought a house in Portland last year.', ['event=2023: bought a house in Portland']),
    ("I've lived in Chicago my whole life.", ['living_location=Chicago']),
    ('I just moved into a new apartment.', ['event=moved into a new apartment']),
    ("I'm from Nigeria but live in London.", ['hometown=Nigeria', 'living_location=London']),
    ("I'm 35 and live in Toronto.", ['age=35', 'living_location=Toronto']),
    # --- health and diet
    ("I'm diabetic.", ['health_conditions=diabetes']),
    ('I have type 2 diabetes.', ['health_conditions=type 2 diabetes']),
    ('I was diagnosed with ADHD last year.', ['health_conditions=ADHD', 'event=2023: diagnosed with ADHD']),
    ("I'm allergic to shellfish.", ['allergies=shellfish']),
    ("I'm celiac.", ['health_conditions=celiac disease']),
    ("I've been sober for two years.", ['diet=sober']),
    ('I quit smoking last year.', ['event=2023: quit smoking']),
    ('I broke my leg last week.', ['event=2024-W23: broke my leg']),
    ('I have a nut allergy.', ['allergies=nut']),
    ("I'm vegan now.", ['diet=vegan']),
    ("I'm not vegan anymore.", ['!diet=vegan']),
    ('I stopped being vegetarian last year.', ['!diet=vegetarian']),
    ("I don't drink alcohol.", ['diet=no alcohol']),
    ('Dairy upsets my stomach.', ['intolerances=dairy']),
    ("I can't have caffeine.", ['intolerances=caffeine']),
    ('I have high blood pressure.', ['health_conditions=high blood pressure']),
    ('I suffer from migraines.', ['health_conditions=migraines']),
    ("I'm on a keto diet.", ['diet=keto']),
    ('I keep kosher.', ['diet=kosher']),
    ('I eat halal.', ['diet=halal']),
    ("I'm sensitive to gluten.", ['intolerances=gluten']),
    ('Milk gives me a stomach ache.', ['intolerances=milk']),
    ("I can't digest lactose.", ['intolerances=lactose']),
    ('I stay away from sugar.', ['diet=no sugar']),
    ('I cut out dairy last month.', ['diet=no dairy', 'event=2024-05: cut out dairy']),
    ("I'm asthmatic.", ['health_conditions=asthma']),
    ('I was diagnosed with depression in 2020.', ['health_conditions=depression', 'event=2020: diagnosed with depression']),
    ('I have anxiety.', ['health_conditions=anxiety']),
    ("I've had migraines since I was a kid.", ['health_conditions=migraines']),
    ("I've been a vegan since 2015.", ['diet=vegan']),
    ("I'm pescatarian.", ['diet=pescatarian']),
    ("I'm allergic to bee stings.", ['allergies=bee stings']),
    ("I'm allergic to penicillin and latex.", ['allergies=penicillin', 'allergies=latex']),
    # --- hobbies
    ('I play tennis on weekends.', ['hobbies=playing tennis']),
    ('I love gardening.', ['likes=gardening']),
    ('I started running again.', ['hobbies=running']),
    ('I paint in my free time.', ['hobbies=painting']),
    ('I collect vinyl records.', ['hobbies=collecting vinyl records']),
    ('I sing in a choir.', ['hobbies=singing in a choir']),
    ('In my spare time I like to bake.', ['likes=baking']),
    ('I go fishing with my dad.', ['hobbies=fishing']),
    ('I took up knitting during the pandemic.', ['hobbies=knitting']),
    ("I'm really into board games.", ['likes=board games']),
    ('I joined a running club.', ['event=joined a running club']),
    ("I've been playing guitar for 10 years.", ['hobbies=playing guitar']),
    ('I run every morning before work.', ['hobbies=running']),
    ("I'm training for my first marathon.", ['activities=training for my first marathon']),
    ('I volunteer at a food bank on Saturdays.', ['activities=volunteering at a food bank on Saturdays']),
    ('I love cooking Thai food.', ['likes=cooking Thai food']),
    # --- learning and education
    ("I'm taking Spanish lessons.", ['learning=Spanish']),
    ("I'm learning to drive.", ['learning=driving']),
    ("I'm teaching myself Python.", ['learning=Python']),
    ('I enrolled in a coding bootcamp.', ['event=enrolled in a coding bootcamp']),
    ("I've been learning Korean for a year.", ['learning=Korean']),
    ("I'm trying to learn Mandarin.", ['learning=Mandarin']),
    ("I'm learning French for my trip to Paris.", ['learning=French']),
    ("I'm taking piano lessons.", ['learning=piano']),
    ("I'm taking a pottery class.", ['learning=pottery']),
    ("I have a bachelor's degree in nursing.", ["education=bachelor's degree in nursing"]),
    ('I graduated from Stanford in 2018.', ['education=graduated from Stanford', 'graduation_date=2018', 'event=2018: graduated from Stanford']),
    ("I'm in my second year at university.", ['education=university (second year)']),
    ('I dropped out of college.', ['event=dropped out of college']),
    ('I got my PhD last year.', ['education=PhD', 'graduation_date=2023', 'event=2023: got my PhD']),
    ("I got my master's degree in May.", ["education=master's degree", 'graduation_date=2024-05', "event=2024-05: got my master's degree"]),
    ('I study at the University of Toronto.', ['school=University of Toronto']),
    ("I'm doing a PhD in chemistry.", ['education=studying for a PhD in chemistry']),
    ("I'm a college student.", ['job_title=college student']),
    ('I passed the bar exam.', ['event=passed the bar exam']),
    ("I just got my driver's license!", ["event=got my driver's license"]),
    # --- languages
    ('I speak fluent Italian.', ['languages=Italian']),
    ("I'm bilingual in English and Spanish.", ['languages=English', 'languages=Spanish']),
    ('My first language is Tagalog.', ['native_language=Tagalog']),
    ('I can speak a bit of German.', ['languages=German']),
    ("I'm fluent in Spanish and French.", ['languages=Spanish', 'languages=French']),
    ('I speak Hindi at home.', ['languages=Hindi']),
    ('Spanish is my native language.', ['native_language=Spanish']),
    # --- birthdays and age
    ('My birthday is on March 3rd.', ['birth_date=--03-03']),
    ('I turn 30 next month.', ['plans=2024-07: turning 30']),
    ("I'm 27.", ['age=27']),
    ('I was born in 1990.', ['birth_date=1990']),
    ("It's my birthday today!", ['birth_date=--06-12']),
    ("My son's birthday is July 4th.", ['son_birth_date=--07-04']),
    ("I'm turning 40 next week.", ['plans=2024-W25: turning 40']),
    ('I was born on July 4th, 1990.', ['birth_date=1990-07-04']),
    # --- travel and other plans, dated against Wednesday 2024-06-12
    ("I'm going to Japan in October.", ['plans=2024-10: go to Japan']),
    ("We're flying to Rome next Friday.", ['plans=2024-06-21: flying to Rome']),
    ('I have a trip to Iceland in August.', ['plans=2024-08: trip to Iceland']),
    ("We're going on a cruise in December.", ['plans=2024-12: go on a cruise']),
    ("I'm heading to Mexico next week.", ['plans=2024-W25: heading to Mexico']),
    ('I just got back from Peru.', ['event=got back from Peru']),
    ("I'm planning a trip to Italy in September.", ['plans=2024-09: planning a trip to Italy']),
    ("We're visiting my in-laws in Ohio next weekend.", ['plans=2024-06-22: visiting my in-laws in Ohio']),
    ('I fly to Berlin tomorrow.', ['plans=2024-06-13: fly to Berlin']),
    ('I leave for Madrid on Monday.', ['plans=2024-06-17: leave for Madrid']),
    ("We're taking the kids to Disney World in July.", ['plans=2024-07: taking the kids to Disney World']),
    ("I'm planning to go back to school next year.", ['plans=2025: planning to go back to school']),
    ('I want to become a nurse.', ['wishes=become a nurse']),
    ("I'm thinking about adopting a dog.", ['wishes=adopting a dog']),
    # --- preferences
    ("I can't stand cilantro.", ['dislikes=cilantro']),
    ("I'm a morning person.", ['preferences=morning person']),
    ("I'm a night owl.", ['preferences=night owl']),
    ('I love spicy food.', ['likes=spicy food']),
    ('Coffee is my favorite drink.', ['favorite_drink=Coffee']),
    ('My favorite color is green.', ['favorite_color=green']),
    ('I hate the cold.', ['dislikes=the cold']),
    ("I don't like seafood.", ['dislikes=seafood']),
    ("I'm a huge Taylor Swift fan.", ['likes=Taylor Swift']),
    ('I listen to a lot of jazz.', ['likes=jazz']),
    ("I've never liked mushrooms.", ['dislikes=mushrooms']),
    ("I'm not really into sports.", ['dislikes=sports']),
    ('I hate flying.', ['dislikes=flying']),
    ("I'm terrified of spiders.", ['fears=spiders']),
    ('My favorite book is Dune.', ['favorite_book=Dune']),
    ("I'm obsessed with true crime podcasts.", ['likes=true crime podcasts']),
    ('Italian food is my favorite.', ['favorites=Italian food']),
    ("I'm a Yankees fan.", ['likes=Yankees']),
    ('I prefer cats to dogs.', ['preferences=cats over dogs']),
    # --- updates and negations
    ('We broke up.', ['!partner=*', 'event=broke up']),
    ('I no longer live in Boston.', ['!living_location=Boston']),
    ("I'm not married anymore.", ['!marital_status=married']),
    ("I'm no longer seeing Jake.", ['!Jake.relationship=partner']),
    ("I'm not dating Tom anymore.", ['!Tom.relationship=partner']),
    ("I'm not working at the bank anymore.", ['!workplace=the bank']),
    ("I'm no longer at Google.", ['!employer=Google']),
    ('I stopped working at the cafe.', ['!workplace=the cafe']),
    ("I'm no longer a teacher.", ['!job_title=teacher']),
    ("I'm not a student anymore.", ['!job_title=student']),
    ('My girlfriend and I split up.', ['!partner=*', 'event=broke up']),
    ('My boyfriend and I broke up.', ['!partner=*', 'event=broke up']),
    ('We got divorced last year.', ['marital_status=divorced', 'event=2023: got divorced']),
    ('I sold my car.', ['event=sold my car']),
    ('I sold my house.', ['event=sold my house']),
    ('I moved away from Chicago.', ['!living_location=Chicago', 'moved_from=Chicago']),
    ("I don't eat sugar anymore.", ['diet=no sugar']),
    ("I'm not into yoga anymore.", ['!likes=yoga']),
    ('I stopped playing tennis.', ['!hobbies=playing tennis']),
    ('I gave up running.', ['!hobbies=running']),
    ("I don't play soccer anymore.", ['!hobbies=playing soccer']),
    ('I cancelled my gym membership.', ['event=cancelled my gym membership']),
    # --- a few sentences in one message
    ("Hi, I'm Tom. I'm a dentist in Leeds and I have two daughters.", ['user_name=Tom', 'job_title=dentist', 'number_of_daughters=2']),
    ("So I finally did it: I quit my job at the bank and I'm starting my own bakery!", ['!workplace=the bank', 'event=quit job at the bank', 'activities=starting my own bakery']),
    ("Quick update: we moved to Lisbon last month and I'm learning Portuguese.", ['living_location=Lisbon', 'moved_date=2024-05', 'learning=Portuguese']),
    ('Just got back from a week in Mexico with my sister.', ['event=got back from a week in Mexico with my sister']),
    ("We're expecting twins in November!", ['plans=2024-11: expecting twins']),
    # --- sarcasm flips tastes, not events; code is not speech; birthdays that are today
    ('Oh great, I got laid off today.', ['!employer=*', 'event=2024-06-12: was laid off']),
    ("Here's my script:\n```\nI live in Paris\n```\nI'm a data analyst.", ['job_title=data analyst']),
    ('Tomorrow is my 30th birthday.', ['birth_date=1994-06-13']),
    ("Today is my daughter's 5th birthday!", ['daughter_birth_date=2019-06-12']),
    # --- engagements with a date, said about the engagement
    ("My daughter's wedding is in August.", ['daughter_plans=2024-08: wedding']),
    ('My flight is on Friday.', ['plans=2024-06-14: flight']),
    ('My birthday party is next week.', ['plans=2024-W25: birthday party']),
    # --- more of the same, said differently
    ('I just started learning Italian.', ['learning=Italian']),
    ('I began learning the piano in January.', ['learning=piano', 'event=2024-01: began learning piano']),
    ("I've started learning to code.", ['learning=coding']),
    ('Last month I started learning Japanese.', ['learning=Japanese', 'event=2024-05: started learning Japanese']),
    ("I can't drink milk.", ['intolerances=milk']),
    ('I cannot eat eggs.', ['intolerances=eggs']),
    ('Eggs make me sick.', ['intolerances=eggs']),
    ("I don't do dairy.", ['diet=no dairy']),
    ('I avoid gluten and dairy.', ['diet=no gluten', 'diet=no dairy']),
    ("I'm gluten intolerant.", ['intolerances=gluten']),
    ("I'm intolerant to lactose.", ['intolerances=lactose']),
    ('I got a job at Google as a software engineer.', ['job_title=software engineer', 'employer=Google', 'event=started a new job as a software engineer at Google']),
    ('I landed a job as a nurse at Mercy Hospital.', ['job_title=nurse', 'employer=Mercy Hospital', 'event=started a new job as a nurse at Mercy Hospital']),
    ('I just got hired at Amazon.', ['employer=Amazon', 'event=got hired at Amazon']),
    ('I accepted a position at Deloitte as an analyst.', ['job_title=analyst', 'employer=Deloitte', 'event=started a new job as an analyst at Deloitte']),
    ("I'm a product manager at Spotify.", ['job_title=product manager', 'employer=Spotify']),
    ('I work for the city as a bus driver.', ['job_title=bus driver', 'workplace=the city']),
    ('I quit my job last week.', ['!employer=*', 'event=2024-W23: quit job']),
    ('I resigned from my job at the bank.', ['!workplace=the bank', 'event=resigned from job at the bank']),
    ('My wife and I just had our second baby.', ['event=had our second baby']),
    ('My sister just had a baby boy!', ['sister_event=had a baby boy']),
    ("My dog's name is Rex.", ['Rex.relationship=pet', 'Rex.species=dog']),
    ('We have two dogs, Max and Bella.', ['Max.relationship=pet', 'Max.species=dog', 'Bella.relationship=pet', 'Bella.species=dog']),
    ('I have a cat and a dog.', ['pets=cat', 'pets=dog']),
    ('My husband and I are vegan.', ['diet=vegan']),
    ('I stopped drinking alcohol last year.', ['diet=no alcohol']),
    ("I don't drink coffee anymore.", ['diet=no coffee']),
    ('I quit drinking.', ['diet=no alcohol']),
    ('I live in Brooklyn with my wife and two kids.', ['living_location=Brooklyn']),
    ('We live in a house in the suburbs of Chicago.', ['living_location=the suburbs of Chicago']),
    ('We just moved into a new place in Austin.', ['living_location=Austin']),
    ("I'm moving back to London next year.", ['plans=2025: move to London']),
    ("We relocated to Denver for my husband's job.", ['living_location=Denver']),
    ("I'm from Texas originally.", ['hometown=Texas']),
    ("I've been living in Berlin for three years.", ['living_location=Berlin']),
    ('I play the piano and the violin.', ['hobbies=playing piano', 'hobbies=playing violin']),
    ("I've been doing yoga for years.", ['hobbies=yoga']),
    ('I knit every evening.', ['hobbies=knitting']),
    ('I do CrossFit three times a week.', ['hobbies=crossfit']),
    ('I love reading fantasy novels.', ['likes=reading fantasy novels']),
    ("I'm a big reader.", ['hobbies=reading']),
    ('I go to the gym every morning.', ['hobbies=going to the gym']),
    ("I'm in a book club.", ['activities=member of a book club']),
    ("I'm part of a running group.", ['activities=member of a running group']),
    ('I speak English, French and a bit of Arabic.', ['languages=English', 'languages=French', 'languages=Arabic']),
    ('Mandarin is my first language.', ['native_language=Mandarin']),
    ("I'm a native English speaker.", ['native_language=English']),
    ("I'm learning sign language.", ['learning=sign language']),
    ("I'm taking an online course in data science.", ['learning=data science']),
    ('I have a degree in computer science.', ['education=computer science']),
    ('I finished my PhD in May.', ['education=PhD', 'graduation_date=2024-05', 'event=2024-05: finished my PhD']),
    ("I'm in my last year of high school.", ['education=high school (last year)']),
    ("I'm a second-year medical student.", ['job_title=second-year medical student']),
    ('My birthday is next Friday.', ['birth_date=--06-21']),
    ("I'll be 40 in December.", ['plans=2024-12: turning 40']),
    ("I'm turning 21 tomorrow!", ['plans=2024-06-13: turning 21']),
    ("We're going to Hawaii for our honeymoon next month.", ['plans=2024-07: go to Hawaii for our honeymoon']),
    ("We're spending two weeks in Thailand in March.", ['plans=2025-03: spending two weeks in Thailand']),
    ('I have a flight to Tokyo on Saturday.', ['plans=2024-06-15: flight to Tokyo']),
    ("I'll be in New York next week.", ['plans=2024-W25: be in New York']),
    ("I don't like horror movies.", ['dislikes=horror movies']),
    ("I'm not a big fan of sushi.", ['dislikes=sushi']),
    ('I absolutely love Italian food.', ['likes=Italian food']),
    ('Dark chocolate is my weakness.', ['likes=Dark chocolate']),
    ("I'm not a morning person.", ['preferences=not a morning person']),
    ("I don't eat pork or beef.", ['diet=no pork', 'diet=no beef']),
    ("I don't like my job.", ['dislikes=my job']),
    ("I'm no longer on keto.", ['!diet=keto']),
    ("I'm not single anymore.", ['!marital_status=single']),
    ("I'm not engaged anymore.", ['!marital_status=engaged']),
    ("I moved out of my parents' house.", ["event=moved out of my parents' house"]),
    ('We sold our house in Seattle.', ['event=sold our house in Seattle']),
    ("I'm no longer a vegetarian.", ['!diet=vegetarian']),
    ('My brother quit his job.', ['!brother_employer=*', 'brother_event=quit job']),
    ('My mom lives in Spain.', ['mother_living_location=Spain']),
    ('My dad is a retired firefighter.', ['father_previous_job_title=firefighter']),
    ('My son started high school this year.', ['son_event=2024: started high school']),
    ('My daughter is learning to swim.', ['daughter_learning=swimming']),
    ('My grandmother turned 100 last week.', ['grandmother_age=100']),
]

DISTRACTORS = [
    # --- instructions to the assistant
    'Write me a poem about my dog.',
    'Help me plan a birthday party for my wife.',
    'Draft an email to my landlord about the broken heater.',
    'Make a shopping list for a vegan dinner.',
    'Summarize this article about climate change.',
    'Translate "I live in Madrid" into German.',
    "Give me ideas for my sister's wedding.",
    "Write a story where I'm a detective in London.",
    'Write a song in which I am a pirate who lives in Jamaica.',
    'Pretend you are my mom and tell me to go to bed.',
    'Act as my personal trainer.',
    'Roleplay as a barista named Joe.',
    'Tell me about the history of Rome.',
    "I'm looking for a gift for my husband.",
    "I'm looking for a recipe that uses leftover rice.",
    # --- questions
    'Can you recommend a good book?',
    "What's a good recipe for lasagna?",
    'Should I move to Berlin?',
    'Do you think I should learn Spanish or French?',
    "How do I tell my boss I'm quitting?",
    'Is it normal to be allergic to cats?',
    'What should I cook for my vegetarian friends?',
    'Can dogs eat chocolate?',
    'Can you explain how mortgages work?',
    'How long does it take to learn Japanese?',
    'Which is healthier, rice or quinoa?',
    'Is it true that cats hate water?',
    # --- hypotheticals and uncertainty
    "If I were rich, I'd buy a boat.",
    "If I had a dog, I'd name him Max.",
    'Suppose I moved to Tokyo, how much would rent cost?',
    'What if I quit my job?',
    "If I get the promotion I'll buy a car.",
    "I wonder if I'm allergic to gluten.",
    "I'm not sure if I'm lactose intolerant.",
    "I'd never eat snails.",
    "Let's imagine I live on Mars.",
    # --- other people's words, fiction, generic knowledge
    'My friend thinks I should become a lawyer.',
    'He said "I\'m moving to Canada next year."',
    'My boss always says "I\'m the best manager in town."',
    'In the movie, the hero says "I was born in Texas."',
    'My character is a 30-year-old nurse from Boston.',
    'In my novel, the main character moves to Paris.',
    "Vegans don't eat honey.",
    'Gluten is found in wheat, barley and rye.',
    'Dogs need daily exercise.',
    'Lisbon is a beautiful city.',
    'Most people in Norway speak English.',
    'Python is a popular programming language.',
    # --- sarcasm
    'Oh great, another Monday. I just love sitting in traffic.',
    'Yeah right, like I\'d ever go skydiving.',
    'I love doing my taxes. /s',
    # --- code and assistant boilerplate pasted into the chat
    'def greet(): print("I live in Paris")',
    'const bio = "I work at Google as an engineer";',
    "SELECT name FROM users WHERE city = 'London';",
    "```\nI live in Berlin and I love techno.\n```",
    "As an AI language model, I don't have personal preferences.",
    'I am a large language model trained by OpenAI.',
    "I'm sorry, but I can't help with that.",
    "I'm here to help! Let me know if you have any other questions.",
    'Sure! Here is a poem about your dog.',
    # --- conversation moves
    "I'm so excited!",
    'That makes sense.',
    "I'll think about it.",
    'I see what you mean.',
    "I'm not a fan of this answer.",
    'Thank you so much, that was really helpful!',
    "I'm just curious.",
    # --- near misses of the everyday patterns
    "I can't eat another bite.",
    "I can't have coffee right now, I'm driving.",
    'I avoid the highway at rush hour.',
    'I listen to my gut.',
    "I'll be there in 10 minutes.",
    "I'm a huge fan of your work.",
    'Milk is good for you.',
    'Coffee makes me happy.',
    "I don't drink and drive.",
    'I stopped running to catch my breath.',
    'I quit playing the game because it was boring.',
    'I gave up trying.',
    'Write a poem where my cat is a pirate.',
    'Tell me a story about a girl who lives in Paris.',
    'In the story, I live in Paris and work as a spy.',
    'In my dream I was a famous singer.',
    "Sure, I'll be in Tokyo.",
    'Can you make me a workout plan? I want something quick.',
    "Pretend I'm a vegan chef and give me a recipe.",
    'Imagine I just moved to Tokyo. What should I see first?',
    'Could you write a bio for me: "I live in Austin and love BBQ."',
    'My friend asked if I speak French.',
    "She asked me if I'm married.",
    "Not sure if I'm allergic to gluten or just bloated.",
    "Do I need a visa if I'm flying to Japan next week?",
    "What's the best way to learn Spanish if I'm a beginner?",
    "I'm looking for ideas for my son's birthday.",
    'How do I tell my wife I got fired?',
    'If only I could quit my job.',
    "I'd love it if you could help me.",
    "I'm not sure I like it.",
    'Everyone in my family hates cilantro.',
    'People who live in Paris love bread.',
    "It's a great day to go hiking!",
]


@pytest.mark.parametrize(("text", "expected"), EVERYDAY, ids=[t for t, _ in EVERYDAY])
def test_everyday_sentence_yields_exactly_these_items(text, expected):
    call = decide(text)
    assert call.name == ADD, call.arguments
    assert compact(call) == set(expected)


@pytest.mark.parametrize("text", DISTRACTORS)
def test_distractor_is_ignored(text):
    call = decide(text)
    assert call.name == IGNORE, call.arguments


def test_the_tables_are_large_and_cover_updates():
    assert len(EVERYDAY) >= 150
    assert len(DISTRACTORS) >= 50
    assert len({t for t, _ in EVERYDAY}) == len(EVERYDAY)
    assert sum(any(e.startswith("!") for e in exp) for _, exp in EVERYDAY) >= 20


def test_assistant_turns_are_ignored_whatever_they_say():
    call = decide("Sure! As your assistant I remember you live in Paris and love jazz.", role="assistant")
    assert call.name == IGNORE


def test_no_longer_with_a_known_person_ends_the_relationship():
    # "with" someone is a partner only when that someone is a person the chat already knows;
    # "I'm no longer with Deloitte" says nothing about a partner.
    before = [Turn("chat", "user", "My boyfriend Jake is a chef.", time=WHEN)]
    req = DecisionRequest(new_turn=Turn("chat", "user", "I'm no longer with Jake.", time=WHEN), recent=before, today=TODAY)
    call = RulesBackend().decide(req)
    assert compact(call) == {"!Jake.relationship=partner"}
    assert decide("I'm no longer with Deloitte.").name == IGNORE


@pytest.mark.parametrize("today", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_edges_of_the_calendar_do_not_break_a_decision(today):
    texts = [t for t, _ in EVERYDAY if any(w in t for w in ("yesterday", "tomorrow", "last", "next", "today", "birthday", "turn"))]
    for text in texts:
        req = DecisionRequest(new_turn=Turn("chat", "user", text), today=today)
        call = RulesBackend().decide(req)
        assert validate_call(call, final=False) == []
