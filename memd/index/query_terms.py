"""A query as a person types or asks it, reduced to the words that should decide the ranking.

"When did Caroline go to the LGBTQ support group?" is asked in question form; the words "when",
"did", "to", "the" are in almost every turn and only add noise to BM25. They are dropped when
other words remain; a query of only such words ("what is it") keeps them all, so it still finds
what it literally says. A question (ends in "?" or is long) is complete: its last word is not a
prefix. Typed fragments ("lisb") are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 64  # a query longer than this is cut: ranking by 64 words says all a query can
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each either else ever few for from further
get gets got had has have having he her here hers herself him himself his how i if in into is it its itself
just let lets me might mine more most much must my myself no nor not now of off on once only or other
our ours ourselves out over own please same shall she should so some such than that the their theirs them
themselves then there these they this those through to too under until up upon us very was we were what
whatever when where whether which while who whom whose why will with within would yes yet you your yours
yourself yourselves s t d ll m re ve tell know remember recall
""".split())
LONG_QUERY = 5  # this many words or more: a question or a sentence, not typing


@dataclass(frozen=True)
class QueryTerms:
    words: list[str]  # the words that rank, in query order, without repeats (lower case)
    prefix_last: bool  # match the last word as a prefix (the user may still be typing it)
    dropped: list[str]  # stop words left out


def parse_query(text: str) -> QueryTerms:
    raw = [w.lower() for w in _WORD.findall(text)]
    seen: set[str] = set()
    words: list[str] = []
    for w in raw:
        if w not in seen:
            seen.add(w)
            words.append(w)
    content = [w for w in words if w not in STOP_WORDS]
    kept = content if content else words
    dropped = [w for w in words if w not in kept]
    complete = text.rstrip().endswith(("?", ".", "!")) or len(raw) >= LONG_QUERY
    return QueryTerms(kept[:MAX_WORDS], prefix_last=bool(kept) and not complete, dropped=dropped)
