"""Our own recall probes for bench/retrieval_bench.py: a persona memory and a chat we wrote.

The data sets are a development split; these probes are not. The memory mixes the layouts a
person meets: memd's own (`- key: value`, `## User Relationships`), mem-agent's (`- **Key**:
value`, `[[x.md]]`), a table, relations written on either side. The questions ask about the user,
about people and places by name, through one or two relations, and things memory does not hold
(the answer must then be None). The chat is asked when-questions and what-questions.
"""

from __future__ import annotations

from datetime import datetime, timezone

MEMORY = {
    "user.md": """# User Information
- user_name: Priya Raman
- age: 36
- living_location: Ghent, Belgium
- job_title: hydrologist
- employer: Flanders Water Agency
- languages: Tamil; English; Dutch
- allergies: shellfish

## User Relationships
- partner: [[entities/tomas_vermeulen.md]]
- sister: [[entities/anjali_raman.md]]
- climbing_club: [[entities/boulder_hall.md]]
""",
    "entities/tomas_vermeulen.md": """# Tomas Vermeulen
- job_title: furniture maker
- workshop: [[entities/oak_and_iron.md]]
- birthday: 1987-03-14
""",
    "entities/anjali_raman.md": """# Anjali Raman

## Basic Information
- **Type**: Person
- **Age**: 31
- **Profession**: Pediatric Nurse
- **Lives In**: Chennai

## Relationships
- **Studies_With**: [[kavya_iyer.md]]
""",
    "entities/kavya_iyer.md": """# Kavya Iyer

## Basic Information
- **Profession**: Cardiologist
- **Hobbies**: Carnatic violin
""",
    "entities/oak_and_iron.md": """# Oak and Iron Workshop

| Key | Value |
|---|---|
| Founded | 2015 |
| Location | Dampoort, Ghent |
| Employees | 4 |
""",
    "entities/boulder_hall.md": """# Boulder Hall Ghent
- opening_hours: 7 AM to 11 PM
- membership_fee: 45 euros a month
""",
}

# (question, gold answer or None when memory does not hold it, hops)
MEMORY_QUESTIONS = [
    ("What is my name?", "Priya Raman", 0),
    ("How old am I?", "36", 0),
    ("Where do I live?", "Ghent, Belgium", 0),
    ("What do I do for work?", "hydrologist", 0),
    ("Who is my employer?", "Flanders Water Agency", 0),
    ("What languages do I speak?", "Tamil; English; Dutch", 0),
    ("What am I allergic to?", "shellfish", 0),
    ("What is my blood type?", None, 0),
    ("Who is my partner?", "Tomas Vermeulen", 1),
    ("What does my partner do?", "furniture maker", 1),
    ("When is my partner's birthday?", "1987-03-14", 1),
    ("How old is my sister?", "31", 1),
    ("What is my sister's profession?", "Pediatric Nurse", 1),
    ("Where does my sister live?", "Chennai", 1),
    ("What are the opening hours of my climbing club?", "7 AM to 11 PM", 1),
    ("How much is the membership fee at my climbing club?", "45 euros a month", 1),
    ("What is Anjali's profession?", "Pediatric Nurse", 0),
    ("What does Tomas do?", "furniture maker", 0),
    ("What is my sister's favourite film?", None, 1),
    ("When was my partner's workshop founded?", "2015", 2),
    ("Where is my partner's workshop located?", "Dampoort, Ghent", 2),
    ("How many employees does my partner's workshop have?", "4", 2),
    ("What is the profession of the person my sister studies with?", "Cardiologist", 2),
    ("What are the hobbies of the person my sister studies with?", "Carnatic violin", 2),
]

CHAT = [  # (speaker, text)
    ("Priya", "We finally booked the flights: Lisbon on the 14th of June for a week."),
    ("Tomas", "Nice! Did the agency approve your leave?"),
    ("Priya", "Yes, and yesterday I handed in the flood model report, so I'm free."),
    ("Tomas", "I sold the walnut dining table last Friday, by the way."),
    ("Priya", "To the couple from Bruges? That's great news."),
    ("Tomas", "Yes. They want matching chairs too, maybe in autumn."),
]
CHAT_TIME = datetime(2024, 5, 22, 19, 5, tzinfo=timezone.utc)

CHAT_QUESTIONS = [  # (question, words the answer must contain)
    ("When did Priya hand in the flood model report?", "21 May 2024"),
    ("When did Tomas sell the walnut dining table?", "17 May 2024"),
    ("Where are the flights booked to?", "Lisbon"),
    ("Who bought the walnut dining table?", "Bruges"),
]

# Questions we wrote for the mem-agent fixture memory `client_success` (a team's memory: user.md
# is the team, so "we" and "our" are the user). (question, gold or None)
CLIENT_SUCCESS = [
    ("When is OrbitBank's renewal date?", "2026-02-15"),
    ("What is the ARR of OrbitBank?", "$610,000"),
    ("Who is the sponsor at OrbitBank?", "Malik Okafor"),
    ("What CRM do we use?", "HubSpot Enterprise"),
    ("What is our net revenue retention target?", "117%"),
    ("What is our average onboarding time?", "28 days"),
    ("Who is our team lead?", "Maya Chen"),
    ("What is the title of our team lead?", "Director of Client Success"),
    ("What is the email of our team lead?", "maya.chen@example.com"),
    ("How long has our team lead been in the role?", "4.5 years"),
    ("What happens on Wednesday?", "Pipeline forecast review"),
    ("What is the CSAT goal?", "4.6 / 5"),
    ("What is OrbitBank's advocate score?", "6/10"),
    ("What is the stock price of OrbitBank?", None),
]
