"""The `rules` extraction backend: deterministic, offline, no model. The default.

`RulesBackend().decide(request)` reads the new turn (and, for pronouns, the turns around it) and
returns exactly one tool call: add_memory, buffer_memory or ignore_memory. It never searches.
With `request.final` it only adds or ignores. Every call it returns passes `validate_call`.

What it reads
    First-person statements of the user ("I moved to Lisbon from Berlin in May"), statements
    about the user's people ("my sister Anna lives in Paris"), and, in multi-party logs, what
    each named speaker says about themselves: a turn with role "other" and an author is about
    that author unless the author is one of `request.user_names`. Assistant and system turns
    are ignored: assistants restate and speculate, they rarely state facts about the user.
    Questions, hypotheticals ("if I lived in Paris"), quoted speech, generic knowledge and
    small talk produce nothing. Neither do made-up worlds ("write a story where I'm a
    detective", "in my dream I was a singer"), fenced code blocks, or a turn in which an AI
    assistant speaks of itself ("As an AI language model, I ...", pasted into the chat). A turn
    that marks itself as sarcastic ("/s", "Oh great, another Monday") keeps its events but
    none of its likes, dislikes, favourites, preferences or wishes.

Memory items (schema: memd/extract/tools.py; conventions shared with the loop:
memd/extract/conventions.py)
    key          snake_case, mem-agent style. Facts about the user:
                   identity   user_name, preferred_name, nationality, birth_date,
                              birth_location, age
                   places     living_location, moved_from, moved_date, previous_location,
                              hometown, work_location
                   work       job_title, previous_job_title, employer, previous_employer,
                              workplace, previous_workplace, industry, employment_status,
                              work_arrangement, business
                   study      education, school, graduation_date, languages,
                              native_language, learning
                   people     marital_status, relationship_status, partner, children,
                              siblings, number_of_children (_sons, _daughters, _siblings,
                              _brothers, _sisters, _grandchildren), pets
                   taste      likes, dislikes, preferences, favorites, favorite_<thing>
                              (favorite_book, favorite_dance_style...), fears, hobbies
                   health     allergies, intolerances, diet, health_conditions
                   time       event, plans, wishes, activities, past_activities
                 On an entity: the same keys, plus relationship (sister, friend, pet...) and
                 species for pets.
                 A relative without a name is kept on the speaker under a prefixed key:
                 "my mom is a nurse" -> mother_job_title: nurse.
    entity       set when the fact is about someone else: a named relative, a pet, or the
                 author of a turn in a multi-party log. Absent for facts about the user.
    relation     how `entity` relates to the user (mother, sister, partner, friend, pet...).
                 Only set when the user said it; "my sister Anna" from another speaker is that
                 speaker's sister, written as relationship: "Caroline's sister" on Anna and
                 sister: Anna on Caroline.
    memory_type  UserMemory for facts about the user; LongTermMemory for facts about anyone
                 else and for events and plans (the user's included).
    value        short: "Berlin, Germany", "data scientist", "contemporary dance".
                 Dates are ISO at the precision that was said: 2023-05-07, 2023-W19, 2023-05,
                 2023 (see rules_dates.py); a birthday without a year is --MM-DD.
                 Dated values (event, plans, and <relation>_event / _plans) read
                 "DATE: text", e.g. "2023-05-07: went to an LGBTQ support group";
                 `split_dated` takes them apart.
    tags         a topic (location, work, family, relationship, pet, preference, favorite,
                 hobby, diet, health, allergy, education, language, event, plan, wish,
                 activity, identity, age, birthday, date) plus the markers below.

Negation convention (updates the loop must apply as removals)
    An item whose tags contain "negation" (NEGATION_TAG) says that the fact (entity, key,
    value) no longer holds: the loop maps it to a remove_fact operation and must not write it.
    value "*" (ANY_VALUE) means "whatever value is recorded under this key".
        "I'm no longer vegetarian"        -> diet: vegetarian            [negation]
        "I don't work at Acme any more"   -> employer: Acme              [negation]
        "I lost my job as a banker"       -> employer: *, job_title: banker [negation]
                                              and event: "DATE: lost job as a banker"
        "I moved out of Berlin"           -> living_location: Berlin     [negation]
                                              and moved_from: Berlin
        "I broke up with Tom"             -> entity Tom, relationship: partner [negation]
        "I don't play soccer anymore"     -> hobbies: playing soccer     [negation]
        "I don't have a dog anymore"      -> pets: dog                   [negation]
    Single-valued keys (living_location, employer, job_title, diet...) are simply replaced by
    a later positive item; multi-valued keys (MULTI_VALUED_KEYS) accumulate, so removing one
    value from them needs a negation item.

Update convention (statements that change a fact; rules_updates.py, applied by supersede.py)
    "I quit Google and joined Stripe"  -> employer: Stripe  [update, replaces:Google, as_of:DATE]
    "my specialty shifted from A to B" -> specialty: B      [update, replaces:A]
    "I now work at Stripe"             -> employer: Stripe  [update]
    The apply step finds the line memory holds (the key or a synonym, in any layout, or the line
    holding the old value), changes it in place and keeps the old value under `## History`. A key
    guessed from a verb ("no longer supervising X") adds "only_if_held": change X's line or nothing.
    Third-person statements between other people (rules_people.py) and the merge of both with the
    general rules (rules_merge.py) run per sentence.

Buffering
    A statement whose subject is "he"/"she" with no person to resolve it to (in the turn's
    earlier sentences, `recent`, or `buffered`) is buffered, when it is the only thing of value
    in the turn. A later non-final call re-reads the buffered turns with the new context; a
    buffered turn whose references now resolve is added in that call, and every item that came
    from a buffered turn carries the tag "from_buffer" (FROM_BUFFER_TAG) and, when the turn
    has a turn_id, "turn:<turn_id>", so the loop can drop exactly those turns from the buffer
    and cite the right source. With `final` set, whatever still does not resolve is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from memd.extract import rules_lexicon as lex
from memd.extract.ascii_fold import folded_request, unfold_items
from memd.extract.conventions import (
    ANY_VALUE,
    DATED_VALUE,
    EVENT_KEYS,
    FROM_BUFFER_TAG,
    MULTI_VALUED_KEYS,
    NEGATION_TAG,
    TURN_TAG_PREFIX,
    split_dated,
)
from memd.extract.rules_clauses import (
    analyse_sentence,
    labelled_facts,
    sentences_of,
    turn_mentions,
)
from memd.extract.rules_dates import reference_date
from memd.extract.rules_merge import merge_updates
from memd.extract.patterns import Env, Fact, Mention, Subject
from memd.extract.rules_text import (
    declarative_part,
    is_assistant_voice,
    is_sarcastic,
    is_small_talk,
    third_person,
)
from memd.extract.tools import (
    ADD,
    BUFFER,
    IGNORE,
    DecisionRequest,
    MemoryItem,
    ToolCall,
    Turn,
)

# The conventions (tags, "*", dated values, multi-valued keys) are shared with the loop that
# applies them; they live in one place so a backend and the loop cannot drift apart.
__all__ = [
    "ANY_VALUE", "DATED_VALUE", "EVENT_KEYS", "FROM_BUFFER_TAG", "MULTI_VALUED_KEYS", "NEGATION_TAG",
    "TURN_TAG_PREFIX", "RulesBackend", "split_dated",
]


@dataclass(frozen=True)
class Speaker:
    is_user: bool
    name: str | None


@dataclass
class _Found:
    """A fact with its resolved subject and the speaker whose words it came from."""

    fact: Fact
    speaker: Speaker
    subject: Subject
    owner: Speaker  # whose relative an unnamed relative subject is
    from_buffer: bool
    turn: Turn


def _turn_key(t: Turn) -> tuple:
    return (t.stream, t.turn_id) if t.turn_id else (t.stream, t.role, t.author, t.time, t.text)


MAX_SENTENCES = 60
_TASTE_KEYS = frozenset({"likes", "dislikes", "favorites", "preferences", "wishes"})
MAX_SENTENCES_STRONG = 400

_GREETING_START = re.compile(r"\s*(?:hi|hello|hey|hiya|heya|greetings)\b", re.I)
# "I'm Maria and I work as a nurse ...": a turn that opens with a name and goes on about the
# speaker is an introduction too (not "I'm Canadian and I ...": a demonym is no name).
_NAMED_START = re.compile(r"\s*I(?:'m|’m|\s+am)\s+(?P<n>[A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?(?:\s+and\s+I\b|,\s+(?:a|an)\s)")
_CAP_WORD = re.compile(r"(?<![.!?]\s)(?<!^)(?<![.!?]\s\s)\b([A-Z][a-z]{2,})\b")


def _names_another(text: str, known: set[str]) -> bool:
    """Whether `text` names, mid-sentence, someone other than the people in `known` (and their
    short forms: "Deb" is Deborah)."""
    low = {k.casefold() for k in known}
    for m in _CAP_WORD.finditer(text.strip()):
        w = m.group(1)
        if w in lex.NOT_NAMES or w in lex.DEMONYMS or w.casefold() in low or any(k.startswith(w.casefold()) for k in low):
            continue
        return True
    return False


# Beyond lex.NOT_GIVEN_NAMES, what else follows "I'm" in "I'm X and I ...": moods, parties, star
# signs, origins (the intro rule has no greeting to go by, so it refuses more than a mention does).
_NOT_AN_INTRO_NAME = frozenset("""Also Asian Aussie Back Black Brit Busy Cancer Capricorn Conservative Democrat
Done Fine Free Gemini Glad Good Great Green Happy Here Hispanic Home Irish Jedi Kiwi Latina Latino Leo Liberal Libertarian
Libra Native New Northern Not Okay Pisces Aquarius Aries Ready Republican Sagittarius Scorpio Scot Sorry Southern Still
Straight Sure Taurus Texan Tired Trans Virgo White Yankee""".split())


def _named_start(text: str) -> bool:
    m = _NAMED_START.match(text)
    n = m.group("n") if m else ""
    return bool(m) and n not in lex.DEMONYMS and n not in lex.NOT_NAMES and n not in lex.NOT_GIVEN_NAMES and n not in _NOT_AN_INTRO_NAME \
        and not n.endswith(("ish", "ic", "ese", "ian", "ean", "can", "ite", "ist"))  # Californian, Republican


_OBJECT_ANTECEDENT = re.compile(
    r"\b(?:gave|got|bought|made|took|showed|sent|cooked|baked|brought|knitted|painted|wrote|"
    r"recommended|lent|read|played|sang|built|ordered|planned|organized|organised|picked)\s+"
    r"(?:(?:her|him|them|my\s+\w+(?:\s+[A-Z][a-z]+)?|[A-Z][a-z]+)\s+)?(?:to\s+see\s+)?"
    r"(?P<np>(?:a|an|the|some|this|that|my|our)\s+(?:[\w'-]+\s+){0,3}?[\w'-]+|[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
    r"(?=\s+(?:for|to|on|at|in|with|from|last|yesterday|today|this|because|and)\b|\s*[,.!?;]|\s*$)"
)


class RulesBackend:
    """Deterministic extraction by patterns; see the module docstring for what it emits."""

    name = "rules"
    # Decisions depend on the turns alone, never on what memory holds: an import can make them in a
    # worker process while it writes (ExtractionLoop.planner).
    searches_memory = False
    # Every item of an add carries a `turn:` tag naming the turn it came from, so buffered turns it
    # did not use keep waiting (ExtractionLoop._settle_buffer).
    tags_buffered_turns = True

    def decide(self, request: DecisionRequest) -> ToolCall:
        # The patterns read ASCII letters: accented text is read folded and what was extracted is
        # given back in the person's spelling ("Malmö", never "Malm"); see ascii_fold.py.
        request, back = folded_request(request)
        call = self._decide(request)
        if back and call.name == ADD:
            call = replace(call, arguments=unfold_items(call.arguments, back))
        return call

    def _decide(self, request: DecisionRequest) -> ToolCall:
        new = request.new_turn
        user_names = {n.casefold() for n in request.user_names if n}
        new_key = _turn_key(new)
        buffered = [t for t in request.buffered if _turn_key(t) != new_key]
        new_is_buffered = len(buffered) != len(request.buffered)

        found: list[_Found] = []
        dangling: list[str] = []
        # The new turn first: what it says, resolved against what came before it.
        before = list(request.recent) + buffered
        f_new, d_new = self._read_turn(new, request, before, [], user_names, from_buffer=new_is_buffered)
        found += f_new
        # Buffered turns: re-read with everything known now, the new turn included.
        resolved_buffered = 0
        # A buffered turn waits for a person to refer to; a new turn that names nobody cannot
        # resolve it, so outside a final pass only re-read the buffer when there is someone new.
        reread = request.final or bool(turn_mentions(new.text))
        for i, bt in enumerate(buffered if reread else []):
            ctx_before = buffered[:i]
            ctx_after = buffered[i + 1:] + list(request.recent) + [new]
            f_b, d_b = self._read_turn(bt, request, ctx_before, ctx_after, user_names, from_buffer=True)
            if request.final or not d_b:
                # Outside a final pass, a buffered turn is added only once it fully resolves,
                # so the loop can drop it from the buffer for good.
                found += f_b
                if f_b:
                    resolved_buffered += 1
            if request.final:
                dangling += d_b
        dangling += d_new

        items = self._items(found, user_names)
        if items:
            summary = self._summary(items, resolved_buffered)
            return ToolCall(ADD, {"memory_list": [it.to_dict() for it in items], "summary": summary})
        if dangling and not request.final and d_new:
            return ToolCall(BUFFER, {"reason": f"unresolved reference: {d_new[0]}"})
        return ToolCall(IGNORE, {"reason": self._ignore_reason(new, dangling, request.final)})

    # ------------------------------------------------------------------ reading one turn

    def _speaker(self, turn: Turn, user_names: set[str]) -> Speaker | None:
        if turn.role == "user":
            return Speaker(True, turn.author)
        if turn.role == "other" and turn.author:
            return Speaker(turn.author.casefold() in user_names, turn.author)
        return None

    def _read_turn(
        self,
        turn: Turn,
        request: DecisionRequest,
        before: list[Turn],
        after: list[Turn],
        user_names: set[str],
        *,
        from_buffer: bool,
    ) -> tuple[list[_Found], list[str]]:
        """Facts of one turn with subjects resolved, and the references that did not resolve."""
        speaker = self._speaker(turn, user_names)
        if speaker is None or not turn.text.strip():
            return [], []
        sentences = sentences_of(turn.text)
        if is_assistant_voice(" ".join(sentences[:MAX_SENTENCES])):
            return [], []  # an assistant's words pasted into the chat
        sarcastic = is_sarcastic(turn.text)
        context = [t for t in before + after if t.text]
        known = {n for n in request.user_names if n}
        for t in context + [turn]:
            if t.author:
                known.add(t.author)
            known.update(m.name for m in turn_mentions(t.text) if m.name)
        env = Env(
            ref=reference_date(turn.time, request.today),
            strong=turn.strong,
            intro=bool(_GREETING_START.match(turn.text)) or turn.strong or _named_start(turn.text),
            known_names=frozenset(known),
        )
        out: list[_Found] = []
        dangling: list[str] = []
        if turn.strong:
            for fact in labelled_facts(turn.text):
                out.append(_Found(fact, speaker, fact.subject, speaker, from_buffer, turn))
        own_mentions: list[Mention] = []
        offset = 0
        # A long paste is not read to the end: facts about a person come in a few sentences,
        # and the bound keeps one message from stalling the loop. Profile text gets more room.
        limit = MAX_SENTENCES_STRONG if turn.strong else MAX_SENTENCES
        for idx, sentence in enumerate(sentences[:limit]):
            res = analyse_sentence(sentence, env, offset)
            # "My daughter Lily is 7 and she loves dinosaurs": the sentence's own people count.
            own_mentions.extend(res.mentions)
            following = sentences[idx + 1] if idx + 1 < len(sentences) else ""
            for fact in merge_updates(sentence, env, res.facts, following):
                if sarcastic and (fact.key in _TASTE_KEYS or fact.key.startswith("favorite_")):
                    continue  # "I just love sitting in traffic /s"
                subj, owner = fact.subject, speaker
                if subj.kind == "pronoun":
                    hit = self._resolve(subj.pronoun or "", own_mentions, speaker, before, after, turn, user_names)
                    if hit is None:
                        dangling.append(f"'{subj.pronoun}' in \"{_excerpt(sentence)}\"")
                        continue
                    subj, owner = hit
                if fact.needs_object:
                    obj = self._object(sentences[:idx], before)
                    if obj is None:
                        continue
                    fact = Fact(fact.subject, fact.key, obj, fact.tags, fact.negated)
                out.append(_Found(fact, speaker, subj, owner, from_buffer, turn))
            offset += len(sentence) + 1
        return out, dangling

    def _resolve(
        self,
        pronoun: str,
        own: list[Mention],
        speaker: Speaker,
        before: list[Turn],
        after: list[Turn],
        turn: Turn,
        user_names: set[str],
    ) -> tuple[Subject, Speaker] | None:
        """The person 'he'/'she' refers to: nearest compatible mention, earlier turns first."""
        want = {"he": "male", "she": "female"}.get(pronoun)

        def pick(mentions: list[Mention] | tuple[Mention, ...], owner: Speaker) -> tuple[Subject, Speaker] | None | bool:
            fits = [m for m in mentions if m.relation != "pet" and m.gender != "plural" and m.gender in (None, want)]
            if not fits:
                return None
            last = fits[-1]
            # Two different people who both fit, in the same turn: ambiguous, do not guess.
            others = {(m.name, m.relation) for m in fits if (m.name, m.relation) != (last.name, last.relation)}
            if others and last.gender is None:
                return False
            if last.name:
                if last.name.casefold() in user_names:
                    return Subject("self"), Speaker(True, last.name)
                return Subject("person", last.name, last.relation if owner.is_user else None), owner
            return Subject("relative", None, last.relation), owner

        got = pick(own, speaker)
        if got:
            return got
        if got is False:
            return None
        # Nearest earlier turns first, then the turns after (a name given a moment later).
        def named_other(t: Turn) -> bool:
            own_names = {m.name for m in turn_mentions(t.text) if m.name}  # "my coworker Priya" is a mention
            return _names_another(t.text, {n for n in (speaker.name, turn.author, t.author) if n} | user_names | own_names)

        # The turns after (a buffered turn re-read later: they may also hold turns said before it,
        # in any order) are read only when none of them names someone else.
        turns = list(reversed(before)) + ([] if any(named_other(t) for t in after) else list(after))
        for i, t in enumerate(turns):
            owner = self._speaker(t, user_names)
            if owner is None:
                continue
            got = pick(turn_mentions(t.text), owner)
            if got:
                return got
            if got is False or (i < len(before) and named_other(t)):
                # "How old is Luna?" / "She is 5": the turn in between names someone the mentions
                # do not hold; "she" may be them, so no one further back is guessed.
                return None
        return None

    def _object(self, earlier_sentences: tuple[str, ...] | list[str], before: list[Turn]) -> str | None:
        """What 'it' in 'she loved it' refers to: the last thing given, made or shown before."""
        candidates = list(reversed(earlier_sentences))
        for t in reversed(before):
            candidates.extend(reversed(sentences_of(t.text)))
        for s in candidates[:4]:
            decl = declarative_part(s)
            if not decl:
                continue
            found = list(_OBJECT_ANTECEDENT.finditer(decl))
            if found:
                np = found[-1].group("np")
                np = re.sub(r"^(?:a|an|the|some|this|that)\s+", "", np)
                if np and np.split()[0].lower() not in ("it", "that", "this", "time", "chance"):
                    return np
        return None

    # ------------------------------------------------------------------ items

    def _items(self, found: list[_Found], user_names: set[str]) -> list[MemoryItem]:
        items: list[MemoryItem] = []
        seen: set[tuple] = set()
        for fd in found:
            for it in self._to_items(fd, user_names):
                k = (it.entity, it.key, it.value, tuple(sorted(it.tags)))
                if k in seen:
                    continue
                seen.add(k)
                items.append(it)
        return items

    def _to_items(self, fd: _Found, user_names: set[str]) -> list[MemoryItem]:
        fact, subj = fd.fact, fd.subject
        tags = list(fact.tags)
        if fact.negated:
            tags.append(NEGATION_TAG)
        if fd.from_buffer:
            tags.append(FROM_BUFFER_TAG)
            if fd.turn.turn_id:
                tags.append(TURN_TAG_PREFIX + fd.turn.turn_id)
        speaker = fd.speaker
        if subj.kind == "person" and subj.name and subj.name.casefold() in user_names:
            subj, speaker = Subject("self"), Speaker(True, subj.name)
        if subj.kind == "person" and speaker.name and subj.name == speaker.name:
            subj = Subject("self")

        if subj.kind == "self":
            if speaker.is_user:
                mtype = "LongTermMemory" if fact.key in EVENT_KEYS else "UserMemory"
                return [MemoryItem(fact.key, mtype, fact.value, tags)]
            return [MemoryItem(fact.key, "LongTermMemory", third_person(fact.value), tags, entity=speaker.name)]

        if subj.kind == "relative":
            owner = fd.owner
            key = f"{subj.relation}_{fact.key}"
            value = fact.value
            if fact.key == "event" and subj.relation:
                # A dated event is filed under Events by its date alone: the text must say whose
                # it is ("2023: father passed away", never "2023: passed away" as if the user had).
                when_, text = split_dated(value)
                who = lex.relation_label(subj.relation).replace("_", " ")
                value = f"{when_}: {who} {text}" if when_ else value  # undated: its key says whose
            if owner.is_user:
                return [MemoryItem(key, "LongTermMemory", value, tags)]
            return [MemoryItem(key, "LongTermMemory", third_person(value), tags, entity=owner.name)]

        # A named person (or pet).
        name = subj.name or ""
        value = fact.value if fd.owner.is_user else third_person(fact.value)
        if fact.key == "relationship" and not fd.owner.is_user:
            rel = subj.relation or fact.value
            label = lex.relation_label(rel)
            out = [MemoryItem("relationship", "LongTermMemory", f"{fd.owner.name}'s {label}", tags, entity=name)]
            if fd.owner.name:
                out.append(MemoryItem(rel, "LongTermMemory", name, tags, entity=fd.owner.name))
            return out
        relation = subj.relation if fd.owner.is_user else None
        return [MemoryItem(fact.key, "LongTermMemory", value, tags, entity=name, relation=relation)]

    # ------------------------------------------------------------------ messages

    @staticmethod
    def _summary(items: list[MemoryItem], resolved_buffered: int) -> str:
        parts = []
        for it in items[:4]:
            who = it.entity or "user"
            neg = "no longer " if NEGATION_TAG in it.tags else ""
            parts.append(f"{who} {neg}{it.key}: {it.value}")
        more = f" (+{len(items) - 4} more)" if len(items) > 4 else ""
        tail = f"; resolved {resolved_buffered} buffered turn(s)" if resolved_buffered else ""
        text = "; ".join(parts) + more + tail
        return text if len(text) <= 300 else text[:297] + "..."

    @staticmethod
    def _ignore_reason(turn: Turn, dangling: list[str], final: bool) -> str:
        if turn.role == "assistant":
            return "assistant turn: assistants rarely state facts about the user"
        if turn.role == "system":
            return "system message"
        if turn.role == "other" and not turn.author:
            return "message without a known author"
        if final and dangling:
            return f"reference never resolved: {dangling[0]}"
        text = turn.text.strip()
        if not text:
            return "empty message"
        if is_small_talk(text):
            return "greeting or acknowledgement"
        sentences = sentences_of(text)
        if sentences and all(declarative_part(s) is None for s in sentences):
            return "question, no statement of fact"
        return "no personal facts stated"


def _excerpt(sentence: str, limit: int = 60) -> str:
    s = sentence.strip()
    return s if len(s) <= limit else s[: limit - 3] + "..."
