"""Word lists for the rules backend: relations, occupations, species, languages, diets.

General English vocabulary only; nothing here is tuned to a data set. Kept apart from the
patterns so a reader can extend a list without reading regular expressions.
"""

from __future__ import annotations

import re


def alternation(words: list[str] | set[str] | frozenset[str]) -> str:
    """A regex alternation, longest first so 'best friend' wins over 'friend'."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=lambda w: (-len(w), w)))


# Spoken relation word -> the canonical snake_case relation written to memory.
RELATIONS: dict[str, str] = {
    "mom": "mother", "mum": "mother", "mother": "mother", "mommy": "mother", "mama": "mother",
    "dad": "father", "father": "father", "daddy": "father", "papa": "father",
    "sister": "sister", "sis": "sister", "brother": "brother", "bro": "brother",
    "wife": "wife", "husband": "husband", "hubby": "husband", "partner": "partner",
    "spouse": "spouse", "boyfriend": "boyfriend", "girlfriend": "girlfriend",
    "fiance": "fiance", "fiancé": "fiance", "fiancee": "fiancee", "fiancée": "fiancee",
    "son": "son", "daughter": "daughter", "kid": "child", "child": "child", "baby": "child",
    "stepson": "stepson", "stepdaughter": "stepdaughter",
    "grandma": "grandmother", "grandmother": "grandmother", "granny": "grandmother",
    "nana": "grandmother", "grandpa": "grandfather", "grandfather": "grandfather",
    "granddad": "grandfather", "grandad": "grandfather",
    "grandson": "grandson", "granddaughter": "granddaughter",
    "aunt": "aunt", "auntie": "aunt", "uncle": "uncle", "cousin": "cousin",
    "niece": "niece", "nephew": "nephew",
    "stepmom": "stepmother", "stepmother": "stepmother", "stepdad": "stepfather",
    "stepfather": "stepfather", "stepbrother": "stepbrother", "stepsister": "stepsister",
    "mother-in-law": "mother_in_law", "father-in-law": "father_in_law",
    "sister-in-law": "sister_in_law", "brother-in-law": "brother_in_law",
    "friend": "friend", "best friend": "best_friend", "bestie": "best_friend",
    "boss": "boss", "manager": "manager", "coworker": "colleague", "co-worker": "colleague",
    "colleague": "colleague", "roommate": "roommate", "flatmate": "roommate",
    "housemate": "roommate", "neighbor": "neighbor", "neighbour": "neighbor",
    "mentor": "mentor", "therapist": "therapist", "landlord": "landlord", "landlady": "landlord",
    "classmate": "classmate", "teammate": "teammate", "ex": "ex", "ex-boyfriend": "ex_boyfriend",
    "ex-girlfriend": "ex_girlfriend", "ex-husband": "ex_husband", "ex-wife": "ex_wife",
    "godmother": "godmother", "godfather": "godfather", "twin": "twin",
}
# Plural forms point at the same canonical relation; they refer to "they".
RELATION_PLURALS: dict[str, str] = {
    "parents": "parents", "kids": "children", "children": "children", "sons": "son",
    "daughters": "daughter", "sisters": "sister", "brothers": "brother", "siblings": "sibling",
    "grandparents": "grandparents", "grandkids": "grandchildren", "grandchildren": "grandchildren",
    "cousins": "cousin", "friends": "friend", "coworkers": "colleague", "co-workers": "colleague",
    "colleagues": "colleague", "roommates": "roommate", "in-laws": "in_laws",
}
FEMALE = frozenset(
    "mother sister wife girlfriend fiancee daughter stepdaughter grandmother granddaughter aunt "
    "niece stepmother stepsister mother_in_law sister_in_law ex_girlfriend ex_wife godmother".split()
)
MALE = frozenset(
    "father brother husband boyfriend fiance son stepson grandfather grandson uncle nephew "
    "stepfather stepbrother father_in_law brother_in_law ex_boyfriend ex_husband godfather".split()
)
FAMILY = frozenset(
    "mother father sister brother wife husband partner spouse boyfriend girlfriend fiance fiancee "
    "son daughter child stepson stepdaughter grandmother grandfather grandson granddaughter aunt "
    "uncle cousin niece nephew stepmother stepfather stepbrother stepsister mother_in_law "
    "father_in_law sister_in_law brother_in_law twin parents children sibling grandparents "
    "grandchildren in_laws godmother godfather".split()
)
WORK_RELATIONS = frozenset("boss manager colleague mentor".split())

RELATION_MODIFIERS = (
    "little|big|older|younger|baby|twin|eldest|oldest|youngest|late|new|dear|lovely|sweet|"
    "amazing|awesome|wonderful|beautiful|own|only|old|favorite|childhood|close|good|great"
)


def relation_gender(relation: str | None) -> str | None:
    if relation in FEMALE:
        return "female"
    if relation in MALE:
        return "male"
    return None


def relation_label(relation: str) -> str:
    """How a canonical relation reads in a value: 'best_friend' -> 'best friend'."""
    return relation.replace("_", " ")


# Occupation head nouns. A job title is up to three modifiers plus one of these.
JOB_HEADS = frozenset(
    """accountant actor actress administrator analyst animator anthropologist apprentice
    architect archivist artist assistant astronaut athlete attorney auditor author baker banker
    barber barista bartender biologist blogger bookkeeper builder butcher buyer carpenter
    cashier ceo cfo cto coo chef chemist cleaner clerk coach comedian consultant contractor cook
    cop counselor counsellor curator dancer dentist designer detective developer dietitian
    director doctor driver economist editor educator electrician engineer entrepreneur farmer
    firefighter fisherman florist founder co-founder cofounder freelancer gardener geologist
    hairdresser historian homemaker illustrator influencer instructor intern investor janitor
    journalist judge lawyer lecturer librarian lifeguard linguist mechanic manager marketer
    mathematician midwife model musician nanny nurse officer optician owner painter paralegal
    paramedic pastor pharmacist photographer physician physicist physiotherapist pilot plumber
    poet politician postdoc priest producer professor programmer psychiatrist psychologist rabbi
    realtor receptionist recruiter reporter researcher retiree salesman saleswoman salesperson
    scientist secretary singer soldier songwriter specialist statistician streamer student
    surgeon tailor teacher technician therapist trainer translator tutor veterinarian vet
    waiter waitress welder writer youtuber dj sailor guard marine ranger vlogger podcaster
    copywriter strategist coordinator supervisor executive paralegal sommelier tattooist
    mover courier clerk caregiver carer choreographer composer conductor filmmaker novelist
    screenwriter sculptor potter""".split()
) | {"stay-at-home mom", "stay-at-home dad", "stay-at-home parent", "real estate agent",
     "social worker", "police officer", "flight attendant", "personal trainer",
     "software engineer", "data scientist", "web developer", "graphic designer",
     "product manager", "project manager", "grad student", "phd student", "medical student",
     "law student", "college student", "high school student", "teaching assistant"}

# Adjectives that say how the speaker feels about the job, not what the job is.
JOB_NOISE_MODIFIERS = frozenset(
    "really very pretty good great bad terrible proud happy tired busy big huge total full-time "
    "part-time new first only actual real professional certified licensed".split()
)

SPECIES: dict[str, str] = {
    "dog": "dog", "puppy": "dog", "pup": "dog", "doggo": "dog", "cat": "cat", "kitten": "cat",
    "kitty": "cat", "hamster": "hamster", "rabbit": "rabbit", "bunny": "rabbit",
    "parrot": "parrot", "bird": "bird", "budgie": "budgie", "fish": "fish",
    "goldfish": "goldfish", "turtle": "turtle", "tortoise": "tortoise",
    "guinea pig": "guinea pig", "horse": "horse", "pony": "pony", "snake": "snake",
    "lizard": "lizard", "gecko": "gecko", "ferret": "ferret", "chinchilla": "chinchilla",
    "rat": "rat", "mouse": "mouse", "hedgehog": "hedgehog", "chicken": "chicken",
    "goat": "goat", "pig": "pig", "iguana": "iguana", "cockatiel": "cockatiel",
}
# Breeds name their species: "my golden retriever Max" is a dog.
BREEDS: dict[str, str] = {
    "golden retriever": "dog", "labrador retriever": "dog", "retriever": "dog", "labrador": "dog",
    "german shepherd": "dog", "border collie": "dog", "collie": "dog", "poodle": "dog",
    "beagle": "dog", "bulldog": "dog", "french bulldog": "dog", "frenchie": "dog", "pug": "dog",
    "husky": "dog", "corgi": "dog", "dachshund": "dog", "chihuahua": "dog", "terrier": "dog",
    "jack russell": "dog", "yorkie": "dog", "shih tzu": "dog", "rottweiler": "dog",
    "greyhound": "dog", "spaniel": "dog", "cocker spaniel": "dog", "doberman": "dog",
    "great dane": "dog", "pit bull": "dog", "pitbull": "dog", "schnauzer": "dog",
    "sheepdog": "dog", "shiba inu": "dog", "bernese mountain dog": "dog", "cavapoo": "dog",
    "labradoodle": "dog", "goldendoodle": "dog", "whippet": "dog", "mutt": "dog",
    "maine coon": "cat", "ragdoll": "cat", "sphynx": "cat", "siamese cat": "cat",
}
SPECIES.update(BREEDS)
PROPER_BREEDS = frozenset({"german shepherd", "jack russell", "labrador", "labrador retriever", "maine coon",
                           "great dane", "shih tzu", "bernese mountain dog", "yorkie", "chihuahua", "doberman",
                           "rottweiler", "siamese cat", "french bulldog", "shiba inu", "border collie"})
SPECIES_PLURALS: dict[str, str] = {
    "dogs": "dog", "puppies": "dog", "cats": "cat", "kittens": "cat", "hamsters": "hamster",
    "rabbits": "rabbit", "bunnies": "rabbit", "parrots": "parrot", "birds": "bird",
    "turtles": "turtle", "guinea pigs": "guinea pig", "horses": "horse", "snakes": "snake",
    "chickens": "chicken", "goats": "goat", "ferrets": "ferret", "rats": "rat",
    "retrievers": "dog", "labradors": "dog", "poodles": "dog", "beagles": "dog", "pugs": "dog",
    "huskies": "dog", "corgis": "dog", "dachshunds": "dog", "chihuahuas": "dog", "terriers": "dog",
}
BREEDS_PLURAL = frozenset(
    "retrievers labradors poodles beagles pugs huskies corgis dachshunds chihuahuas terriers".split()
)
PET_MODIFIERS = (
    "new|little|old|sweet|cute|fluffy|lovely|adorable|rescue|black|white|grey|gray|orange|tabby|"
    "senior|baby|two|three|furry|beloved|late|pet|family"
)

# Verbs whose habit is a hobby: "I run every morning", "I paint in my free time".
HOBBY_VERBS = frozenset(
    """run jog swim cycle bike hike climb boulder surf ski snowboard skate dance sing paint draw
    sketch knit crochet sew quilt bake cook garden fish hunt golf box row sail kayak canoe camp
    meditate journal write skateboard sculpt embroider""".split()
)
HOBBY_GERUNDS = frozenset(
    """running jogging swimming cycling biking hiking climbing bouldering surfing skiing
    snowboarding skating dancing singing painting drawing sketching knitting crocheting sewing
    quilting baking cooking gardening fishing hunting golfing boxing rowing sailing kayaking
    canoeing camping meditating journaling writing skateboarding sculpting embroidering gaming
    photography yoga pilates pottery woodworking reading""".split()
)

# Someone who does a hobby, and the hobby: "an avid reader" reads.
HOBBYISTS = {
    "reader": "reading", "runner": "running", "hiker": "hiking", "swimmer": "swimming",
    "cyclist": "cycling", "climber": "climbing", "gamer": "gaming", "baker": "baking",
    "home cook": "cooking", "cook": "cooking", "gardener": "gardening", "knitter": "knitting",
    "photographer": "photography", "painter": "painting", "golfer": "golfing", "skier": "skiing",
    "surfer": "surfing", "dancer": "dancing", "singer": "singing", "writer": "writing",
    "traveler": "traveling", "traveller": "travelling", "birder": "birdwatching",
    "birdwatcher": "birdwatching", "angler": "fishing", "chess player": "playing chess",
    "tennis player": "playing tennis", "guitarist": "playing guitar", "pianist": "playing piano",
    "musician": "music", "crafter": "crafting", "quilter": "quilting", "woodworker": "woodworking",
    "potter": "pottery", "sailor": "sailing", "skater": "skating", "skateboarder": "skateboarding",
    "snowboarder": "snowboarding", "bookworm": "reading", "foodie": "food", "camper": "camping",
    "kayaker": "kayaking", "collector": "collecting", "gardner": "gardening",
}

LANGUAGES = frozenset(
    """English Spanish French German Italian Portuguese Dutch Swedish Norwegian Danish Finnish
    Polish Czech Slovak Hungarian Romanian Bulgarian Greek Turkish Russian Ukrainian Serbian
    Croatian Bosnian Slovenian Albanian Arabic Hebrew Persian Farsi Urdu Hindi Bengali Punjabi
    Tamil Telugu Marathi Gujarati Kannada Malayalam Nepali Sinhala Chinese Mandarin Cantonese
    Japanese Korean Vietnamese Thai Indonesian Malay Tagalog Filipino Swahili Amharic Yoruba
    Zulu Afrikaans Icelandic Irish Welsh Catalan Basque Galician Latin Esperanto Estonian
    Latvian Lithuanian Georgian Armenian Kazakh Uzbek Mongolian Khmer Lao Burmese Somali Hausa
    Igbo Maori Hawaiian ASL""".split()
)

DEMONYMS = frozenset(
    """American Canadian Mexican Brazilian Argentinian Argentine Chilean Colombian Peruvian
    Venezuelan Cuban British English Scottish Welsh Irish French German Italian Spanish
    Portuguese Dutch Belgian Swiss Austrian Swedish Norwegian Danish Finnish Icelandic Polish
    Czech Slovak Hungarian Romanian Bulgarian Greek Turkish Russian Ukrainian Serbian Croatian
    Israeli Lebanese Egyptian Moroccan Nigerian Kenyan Ethiopian Ghanaian South African Indian
    Pakistani Bangladeshi Chinese Japanese Korean Vietnamese Thai Filipino Indonesian Malaysian
    Singaporean Australian Kiwi Iranian Iraqi Syrian Saudi Jamaican Haitian Puerto Rican""".split()
)

DIETS = {
    "vegetarian": "vegetarian", "vegan": "vegan", "pescatarian": "pescatarian",
    "pescetarian": "pescatarian", "flexitarian": "flexitarian", "keto": "keto", "paleo": "paleo",
    "gluten-free": "gluten-free", "gluten free": "gluten-free", "dairy-free": "dairy-free",
    "dairy free": "dairy-free", "kosher": "kosher", "halal": "halal", "plant-based": "plant-based",
    "plant based": "plant-based", "raw vegan": "raw vegan", "low-carb": "low-carb",
    "low carb": "low-carb", "sugar-free": "sugar-free", "teetotal": "teetotal",
    "sober": "sober",
}
DIET_FOODS = "meat|red meat|pork|beef|fish|seafood|shellfish|dairy|eggs|gluten|sugar|alcohol|chicken|animal products|carbs"
# Foods and substances a body can react to: what "I can't eat X" and "X makes me sick" are about.
TRIGGER_FOODS = frozenset(
    """gluten dairy lactose milk cheese wheat eggs egg nuts peanuts soy shellfish seafood fish
    caffeine coffee alcohol sugar fructose histamine onions garlic tomatoes corn pork beef meat
    beans legumes FODMAPs MSG sulfites sulphites chocolate citrus strawberries wine beer cream
    butter yogurt bread pasta grains""".split()
) | {"spicy food", "red meat", "ice cream", "raw fish", "fried food", "processed food"}

HEALTH = [
    "asthma", "diabetes", "type 1 diabetes", "type 2 diabetes", "celiac disease",
    "coeliac disease", "ADHD", "epilepsy", "migraines", "arthritis", "IBS", "Crohn's disease",
    "lactose intolerance", "eczema", "psoriasis", "dyslexia", "autism", "hypertension",
    "high blood pressure", "anemia", "insomnia", "tinnitus", "anxiety", "depression",
    "social anxiety", "an anxiety disorder", "panic attacks", "PCOS", "endometriosis", "fibromyalgia",
    "sleep apnea", "multiple sclerosis", "MS", "lupus", "hypothyroidism", "hyperthyroidism",
    "GERD", "acid reflux", "chronic fatigue syndrome", "chronic fatigue", "chronic pain",
    "back pain", "chronic back pain", "bipolar disorder", "OCD", "PTSD", "osteoporosis",
    "scoliosis", "high cholesterol", "heart disease", "a heart condition", "COPD", "long COVID",
    "cancer", "breast cancer", "rheumatoid arthritis", "gout", "vertigo", "sciatica",
    "glaucoma", "Hashimoto's", "narcolepsy", "ADD", "Tourette's", "cerebral palsy",
    "dementia", "Alzheimer's", "Parkinson's", "kidney disease", "hearing loss",
    "an eating disorder", "a thyroid condition", "celiac", "diabetes type 1", "diabetes type 2",
    "type one diabetes", "type two diabetes", "sickle cell anemia", "cystic fibrosis", "POTS",
]
# Conditions named by their adjective: "I'm diabetic" -> diabetes.
HEALTH_ADJECTIVES = {
    "diabetic": "diabetes", "type 1 diabetic": "type 1 diabetes", "type 2 diabetic": "type 2 diabetes",
    "celiac": "celiac disease", "coeliac": "celiac disease", "asthmatic": "asthma",
    "epileptic": "epilepsy", "anemic": "anemia", "anaemic": "anemia", "autistic": "autism",
    "dyslexic": "dyslexia", "hard of hearing": "hard of hearing", "deaf": "deaf",
    "colorblind": "color blindness", "color blind": "color blindness", "colour blind": "color blindness",
    "colour-blind": "color blindness", "color-blind": "color blindness", "bipolar": "bipolar disorder",
    "hypoglycemic": "hypoglycemia", "insulin resistant": "insulin resistance", "immunocompromised": "immunocompromised",
    "neurodivergent": "neurodivergent", "hearing impaired": "hearing impairment", "visually impaired": "visual impairment",
}

# Capitalised words that are never a person's or a place's name in these positions.
NOT_NAMES = frozenset(
    """I Im The A An And But So Or Nor My Our Your His Her Their Its This That These Those It We
    You He She They Me Us Him Them Mom Mum Dad Mother Father Grandma Grandpa Granny Nana Sis Bro
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Today Tomorrow Yesterday Tonight
    Yes Yeah Yep Yup No Nope Oh Ooh Hey Hi Hello Heya Thanks Thank Thx Wow Whoa Woah Well Also
    Just Really Lol Haha Hahaha OK Ok Okay Sure God Gosh Christmas Easter Thanksgiving Halloween
    What Where When Who Why How Which Whose Is Are Was Were Do Does Did Have Has Had Will Would
    Can Could Should Shall May Might Must Let Please Happy Merry Dear Love Congrats
    Congratulations Good Great Nice Cool Awesome Amazing Sorry Anyway Anyways Btw Plus Then Now
    Here There Because If As At In On For With From To By About After Before Since Until While
    Though Although Not Never Always Maybe Perhaps Even Still Definitely Totally Actually
    Honestly Seriously Guess Check Look See Wait Speaking Talking Sounds Glad Hope Bye Cheers
    Right True Exactly Absolutely Agreed Same Me Mine Omg Ugh Hmm Um Uh Aww Aw Yay Hooray
    Welcome Anything Nothing Something Everything Everyone Someone Nobody Everybody Lately
    Last Next Every Some Any All Both Each Another Other Such One Two Three First Second
    Mr Mrs Ms Dr Prof Sir Madam Bless Cause Lots Much Many More Most Best Better Wanna Gonna
    Gotta Got Go Went Made Make Took Take Get Just Once Almost Spring Summer Fall Autumn Winter
    Weekend Morning Evening Night Afternoon Haven Hasn Didn Don Isn Aren Wasn Weren Won""".split()
)
MONTH_NAMES = frozenset(
    "January February March April May June July August September October November December".split()
)

# Capitalised words that follow "my wife is" or "I'm" and are no given name: creeds, diets, conditions,
# states of life ("my sister is Catholic", "I'm Vegan and I ...").
NOT_GIVEN_NAMES = frozenset(
    """Agnostic Atheist Autistic Bipolar Blind Buddhist Catholic Celiac Christian Deaf Diabetic Divorced Gay Hindu
    Jewish Lesbian Married Mormon Muslim Orthodox Pescatarian Pregnant Protestant Queer Retired Sikh Single
    Vegan Vegetarian""".split()
)
