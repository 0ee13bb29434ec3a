"""The predicate rules of the rules backend: which facts a clause states, given who it is about.

core.py holds the types (Subject, Fact, Mention, Env, Clause), the rule registry and
match_predicate, which applies the rules to a clause's predicate; fragments.py the regex building
blocks (LOC, NAME, JOB, ...); values.py the helpers that turn matched text into values. The rules
themselves live in one module per domain, and rules that only map a pattern to a key and a value
are rows of tables.toml (see tables.py).

Rules are tried in the order they were registered, so the order of the imports below is part of
the behaviour: the narrow rules of one domain must stay ahead of the general ones of a later one
("I'm an avid reader" is a hobby before "I'm a <job>" can read it, and the catch-all past tense of
events.py comes last). Do not reorder them without running tests/extract/test_patterns_equivalence.py.
"""

from __future__ import annotations

from memd.extract.patterns.core import (
    SELF,
    Clause,
    Env,
    Fact,
    Mention,
    Rule,
    SentenceResult,
    Subject,
    first_chars,
    match_predicate,
    rule,
    rules_for,
)
from memd.extract.patterns.fragments import (
    ADV,
    FOODS,
    HAVE,
    JOB,
    LANG_ALT,
    LOC,
    LOC_ANY,
    NAME,
    ORG,
    REL_ALL,
    REL_MODS,
    SPECIES_ALL,
    WORKPLACE,
)
from memd.extract.patterns.values import (
    _f,
    clean_org,
    clean_place,
    dated,
    explicit_name,
    object_value,
    split_list,
    valid_name,
    value_of,
    vp_value,
    when,
)

# The domains, in registration order (see the module docstring).
from memd.extract.patterns import reported  # noqa: E402,F401  isort: skip
from memd.extract.patterns import places  # noqa: E402,F401  isort: skip
from memd.extract.patterns import identity  # noqa: E402,F401  isort: skip
from memd.extract.patterns import work  # noqa: E402,F401  isort: skip
from memd.extract.patterns import roles  # noqa: E402,F401  isort: skip
from memd.extract.patterns import diet  # noqa: E402,F401  isort: skip
from memd.extract.patterns import health  # noqa: E402,F401  isort: skip
from memd.extract.patterns import family  # noqa: E402,F401  isort: skip
from memd.extract.patterns import pets  # noqa: E402,F401  isort: skip
from memd.extract.patterns import education  # noqa: E402,F401  isort: skip
from memd.extract.patterns import likes as _likes  # noqa: E402  isort: skip
from memd.extract.patterns import hobbies  # noqa: E402,F401  isort: skip
from memd.extract.patterns import plans as _plans  # noqa: E402  isort: skip
from memd.extract.patterns import events as _events  # noqa: E402  isort: skip

from memd.extract.patterns import tables as _tables  # noqa: E402  isort: skip

if _tables.unregistered():  # a row of tables.toml that no domain module places in the order
    raise ImportError(f"memd.extract.patterns: tables.toml rows never registered: {_tables.unregistered()}")

liked_items = _likes.liked_items
APPOINTMENTS = _plans.APPOINTMENTS
EVENT_VERBS = _events.EVENT_VERBS

__all__ = [
    "ADV", "APPOINTMENTS", "EVENT_VERBS", "FOODS", "HAVE", "JOB", "LANG_ALT", "LOC", "LOC_ANY", "NAME", "ORG",
    "REL_ALL", "REL_MODS", "SELF", "SPECIES_ALL", "WORKPLACE",
    "Clause", "Env", "Fact", "Mention", "Rule", "SentenceResult", "Subject",
    "_f", "clean_org", "clean_place", "dated", "explicit_name", "first_chars", "liked_items", "match_predicate",
    "object_value", "rule", "rules_for", "split_list", "valid_name", "value_of", "vp_value", "when",
]
