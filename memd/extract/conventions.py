"""What a memory item's tags and values mean to the loop, whichever backend produced it.

    tag "negation"        the fact (entity, key, value) no longer holds: remove it
    value "*"             with "negation": whatever the key holds
    tag "from_buffer"     the item came from a buffered turn ...
    tag "turn:<id>"       ... this one, so exactly that turn leaves the buffer
    value "DATE: text"    a dated event or plan (DATE is YYYY-MM-DD, YYYY-MM, YYYY-Www or YYYY)
    tag "update"          the value replaces what the key holds; the old one goes to History
    tag "replaces:<old>"  ... the old value as the user said it ("St. Mary's")
    tag "as_of:<date>"    ... the date the change is known from
    tag "correction"      ... the old value was never true ("I meant Linz, not Graz"): it is
                          replaced without a History line (the journal still has it)
    tag "only_if_held"    ... the key is a guess: change the line holding <old>, or nothing
    tag "only_if_key"     ... the change is implied ("Marine Biology has become my true calling"):
                          change the one line memory holds under this key (or one that means the
                          same, in the file's words), or write nothing
    tag "link_value"      the value names an entity: the line links to it (a new entity file
                          links back under the same key)
    tag "only_if_entity"  the item's entity must already be in memory, or nothing is written
    (applied by memd/extract/supersede.py)

Multi-valued keys accumulate values; every other key holds one value, replaced by a newer one.
"""

from __future__ import annotations

import re

NEGATION_TAG = "negation"
ANY_VALUE = "*"
FROM_BUFFER_TAG = "from_buffer"
TURN_TAG_PREFIX = "turn:"
UPDATE_TAG = "update"
REPLACES_PREFIX = "replaces:"
AS_OF_PREFIX = "as_of:"
ONLY_IF_HELD = "only_if_held"
CORRECTION_TAG = "correction"
ONLY_IF_KEY = "only_if_key"
LINK_VALUE = "link_value"
ONLY_IF_ENTITY = "only_if_entity"

MULTI_VALUED_KEYS = frozenset(
    """likes dislikes preferences favorites fears hobbies activities allergies intolerances
    health_conditions languages learning plans wishes event pets children siblings education
    previous_location previous_employer previous_job_title previous_workplace friend colleague
    cousin child son daughter sister brother pet past_activities business values""".split()
)
# Keys that describe things that happen rather than what someone is.
EVENT_KEYS = frozenset({"event", "plans"})

DATED_VALUE = re.compile(r"^(?P<date>\d{4}(?:-W\d{2}|-\d{2}(?:-\d{2})?)?): (?P<text>.+)$")


def split_dated(value: str) -> tuple[str | None, str]:
    """'2023-05-07: went to a support group' -> ('2023-05-07', 'went to a support group')."""
    m = DATED_VALUE.match(value)
    if not m:
        return None, value
    return m.group("date"), m.group("text")
