"""The extraction loop, every decision path, with a scripted backend (the only fake: the model)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from memd.errors import MemdError
from memd.extract.loop import ExtractionLoop
from memd.extract.tools import DecisionRequest, ToolCall, Turn


class Scripted:
    """Replays a list of tool calls (or exceptions) and keeps every request it was given."""

    name = "scripted"

    def __init__(self, *calls):
        self.calls = list(calls)
        self.requests: list[DecisionRequest] = []
        self.seen_searches: list[list[str]] = []  # the loop grows one request's searches: snapshot them

    def decide(self, request):
        self.requests.append(request)
        self.seen_searches.append([s.query for s in request.searches])
        nxt = self.calls.pop(0)
        if isinstance(nxt, Exception):
            raise nxt
        return nxt


def add(*items, summary="s"):
    return ToolCall("add_memory", {"memory_list": [dict(key=k, value=v, memory_type="UserMemory", tags=t, **extra)
                                                   for k, v, t, extra in items], "summary": summary})


def item(key, value, tags=(), **extra):
    return (key, value, list(tags), extra)


IGNORE = ToolCall("ignore_memory", {"reason": "chit-chat"})
BUFFER = ToolCall("buffer_memory", {"reason": "who is he?"})


def turn(text, n, stream="s1", role="user", **kw):
    return Turn(stream=stream, role=role, text=text, turn_id=str(n), **kw)


def user_md(vault):
    return (vault / "memory/user.md").read_text()


def test_add_writes_facts_traceable_to_the_turn(app, vault):
    loop = ExtractionLoop(app, Scripted(add(item("living_location", "Lisbon"), item("likes", "jazz"))))
    d = loop.process(turn("I live in Lisbon and love jazz", 7, source_link="[[memory-sources/x#^t7]]"))
    assert d.tool == "add_memory" and len(d.applied.journal_ids) == 2
    assert "- living_location: Lisbon" in user_md(vault)
    why = app.why("user", "living_location")["facts"][0]
    assert why["source"]["ref"] == "s1#7" and why["source"]["kind"] == "ingest"
    assert why["source"]["detail"] == "I live in Lisbon and love jazz"
    assert why["source"]["link"] == "[[memory-sources/x#^t7]]"
    [rec] = loop.streams.decisions("s1")
    assert rec["tool"] == "add_memory" and rec["journal_ids"] == d.applied.journal_ids


def test_same_fact_again_no_write_and_new_value_updates(app, vault):
    loop = ExtractionLoop(app, Scripted(add(item("employer", "Acme")), add(item("employer", "Acme")),
                                        add(item("employer", "Globex"))))
    loop.process(turn("I work at Acme", 1))
    d = loop.process(turn("Still at Acme", 2))
    assert d.applied.journal_ids == [] and d.applied.results[0].status == "noop"
    d = loop.process(turn("I joined Globex", 3))
    entry = app.state.journal_entry(d.applied.journal_ids[0])
    assert entry["change"]["hunks"][0]["old"] == ["- employer: Acme"]
    assert "- employer: Globex" in user_md(vault) and "Acme" not in user_md(vault)


def test_contradicting_a_hand_written_line_goes_to_review(app, vault):
    (vault / "memory").mkdir()
    (vault / "memory/user.md").write_text("# User Information\n- living_location: Berlin\n")
    loop = ExtractionLoop(app, Scripted(add(item("living_location", "Lisbon"))))
    d = loop.process(turn("I live in Lisbon", 1))
    assert d.applied.review_ids and user_md(vault) == "# User Information\n- living_location: Berlin\n"
    assert app.review_list()[0]["proposed"] == "- living_location: Lisbon"


def test_relations_entities_events_and_negations(app, vault):
    loop = ExtractionLoop(app, Scripted(
        add(item("job_title", "nurse", entity="Anna", relation="sister"), item("event", "2024-05-01: moved to Paris", ["event"], entity="Anna")),
        add(item("diet", "vegetarian")),
        add(item("diet", "vegetarian", ["negation"])),
        add(item("employer", "*", ["negation"])),
    ))
    loop.process(turn("My sister Anna, a nurse, moved to Paris on May 1", 1))
    assert "- sister: [[entities/anna.md]]" in user_md(vault)
    anna = (vault / "memory/entities/anna.md").read_text()
    assert "- relationship: sister" in anna and "- job_title: nurse" in anna and "- 2024-05-01: moved to Paris" in anna
    loop.process(turn("I'm vegetarian", 2))
    assert "- diet: vegetarian" in user_md(vault)
    loop.process(turn("I'm not vegetarian any more", 3))
    assert "diet" not in user_md(vault)
    app.set_fact(None, "employer", "Acme", app_source())
    loop.process(turn("I quit my job", 4))
    assert "employer" not in user_md(vault)


def app_source():
    from memd.state import Source

    return Source("test")


def test_search_results_are_fed_back_and_limited_to_three(app, vault):
    app.set_fact(None, "living_location", "Lisbon", app_source())
    search = lambda q: ToolCall("search_memory", {"query": q})
    backend = Scripted(search("where do I live"), search("Lisbon"), search("city"), search("again"),
                       add(item("likes", "fado")))
    loop = ExtractionLoop(app, backend)
    d = loop.process(turn("I love the music here", 1))
    assert backend.seen_searches[:4] == [[], ["where do I live"], ["where do I live", "Lisbon"],
                                                               ["where do I live", "Lisbon", "city"]]
    assert "living_location: Lisbon" in backend.requests[1].searches[0].results
    assert backend.requests[3].allow_search is False  # a 4th search is refused...
    assert any("search limit" in w for w in d.warnings)  # ...once, then the backend adds
    assert d.tool == "add_memory" and "- likes: fado" in user_md(vault)


def test_invalid_call_gets_one_retry_then_ignore_and_partial_calls_are_never_applied(app, vault):
    partial = ToolCall("add_memory", {"memory_list": [{"key": "city", "value": "Oslo"}]})  # no memory_type/tags
    loop = ExtractionLoop(app, Scripted(partial, add(item("city", "Oslo"))))
    d = loop.process(turn("I live in Oslo", 1))
    assert d.tool == "add_memory" and len(d.warnings) == 1 and "- city: Oslo" in user_md(vault)
    loop = ExtractionLoop(app, Scripted(partial, ToolCall("delete_everything", {})))
    d = loop.process(turn("I live in Bergen", 2))
    assert d.tool == "ignore_memory" and len(d.warnings) == 2 and "Bergen" not in user_md(vault)


def test_buffer_survives_restart_and_is_added_at_stream_end(app, config, vault):
    from memd.app import Memd

    backend = Scripted(BUFFER)
    ExtractionLoop(app, backend).process(turn("He said he'd send the contract", 1))
    app.close()
    with Memd(config) as app2:  # a restart: the buffer is in the state database
        backend2 = Scripted(add(item("plans", "receive the contract from Tom")))
        loop2 = ExtractionLoop(app2, backend2)
        assert [t.text for t in loop2.streams.buffered("s1")] == ["He said he'd send the contract"]
        d = loop2.end_stream("s1")
        req = backend2.requests[0]
        assert req.final and req.new_turn.text == "He said he'd send the contract" and not req.allow_search
        assert d.tool == "add_memory" and loop2.streams.buffered("s1") == []
        assert "- plans: receive the contract from Tom" in user_md(vault)


def test_buffer_flushes_past_n_turns(app):
    app.config.extract.buffer_max_turns = 2
    backend = Scripted(BUFFER, BUFFER, BUFFER, IGNORE)
    loop = ExtractionLoop(app, backend)
    for n in range(3):
        loop.process(turn(f"dangling {n}", n))
    final = backend.requests[-1]
    assert final.final and [t.text for t in final.buffered] == ["dangling 0", "dangling 1"]
    assert loop.streams.buffered("s1") == []


def test_idle_buffers_are_flushed_by_the_scheduler_hook(app):
    now = [datetime(2024, 1, 1, tzinfo=timezone.utc)]
    backend = Scripted(BUFFER, IGNORE)
    loop = ExtractionLoop(app, backend, clock=lambda: now[0])
    loop.process(turn("she loved it", 1))
    assert loop.flush_idle() == []  # not idle yet (the turn's wall-clock activity is "now")
    now[0] = datetime.now(timezone.utc) + timedelta(minutes=31)
    [d] = loop.flush_idle()
    assert d.tool == "ignore_memory" and d.final and loop.streams.buffered("s1") == []


def test_an_add_consumes_the_buffer_for_llm_backends(app):
    loop = ExtractionLoop(app, Scripted(BUFFER, add(item("friend", "Tom"))))
    loop.process(turn("he is nice", 1))
    loop.process(turn("I mean Tom, my friend", 2))
    assert loop.streams.buffered("s1") == []
    assert [t.text for t in loop.streams.recent("s1")] == ["he is nice", "I mean Tom, my friend"]


def test_context_window_and_user_names(app):
    app.config.extract.window_turns = 3
    app.config.import_.me = ["Sam"]
    backend = Scripted(*[IGNORE] * 6)
    loop = ExtractionLoop(app, backend)
    for n in range(6):
        loop.process(turn(f"t{n}", n))
    last = backend.requests[-1]
    assert [t.text for t in last.recent] == ["t2", "t3", "t4"] and last.user_names == ["Sam"]


def test_secrets_are_redacted_before_the_backend_sees_them(app, vault):
    backend = Scripted(add(item("wifi_password", "[REDACTED:secret]")))
    loop = ExtractionLoop(app, backend)
    d = loop.process(turn("my password is hunter22 and card 4111 1111 1111 1111", 1))
    seen = backend.requests[0].new_turn.text
    assert "hunter22" not in seen and "4111" not in seen
    assert d.applied.dropped and not (vault / "memory/user.md").exists()
    stored = " ".join(t.text for t in loop.streams.recent("s1"))
    assert "hunter22" not in stored


def test_never_store_categories_and_patterns(app, vault):
    app.config.privacy.never_store_categories = ["health"]
    app.config.privacy.never_store_patterns = [r"\bsalary\b"]
    loop = ExtractionLoop(app, Scripted(add(item("health_conditions", "asthma", ["health"]),
                                            item("salary", "100k"), item("likes", "tea"))))
    d = loop.process(turn("I have asthma, earn 100k salary and like tea", 1))
    assert [i.key for i, _ in d.applied.dropped] == ["health_conditions", "salary"]
    text = user_md(vault)
    assert "- likes: tea" in text and "asthma" not in text and "100k" not in text


def test_backend_failure_keeps_the_turn_for_later(app):
    loop = ExtractionLoop(app, Scripted(MemdError("connection refused")))
    with pytest.raises(MemdError, match="kept and will be retried"):
        loop.process(turn("I live in Rome", 1))
    assert [t.text for t in loop.streams.buffered("s1")] == ["I live in Rome"]


def test_remember_decides_at_once(app, vault):
    loop = ExtractionLoop(app, Scripted(BUFFER, add(item("city", "Rome"))), source_kind="remember")
    ds = loop.remember("I live in Rome")
    assert [d.tool for d in ds] == ["buffer_memory", "add_memory"] and ds[1].final
    assert "- city: Rome" in user_md(vault)
    assert app.why("user", "city")["facts"][0]["source"]["kind"] == "remember"


def test_in_memory_streams_for_imports_save_decisions_in_one_batch(app, vault):
    loop = ExtractionLoop(app, Scripted(IGNORE, BUFFER, add(item("city", "Oslo"))), source_kind="import:chatgpt",
                          in_memory=True)
    loop.process(turn("hello", 1, stream="conv-1"))
    loop.process(turn("he moved there", 2, stream="conv-1"))
    loop.end_stream("conv-1")
    assert "- city: Oslo" in user_md(vault)
    assert loop.streams.persistent.decisions("conv-1") == []
    assert loop.streams.save() == 3
    assert [d["tool"] for d in loop.streams.persistent.decisions("conv-1")] == ["add_memory", "buffer_memory", "ignore_memory"]
    assert app.why("user", "city")["facts"][0]["source"]["kind"] == "import:chatgpt"


def test_relations_between_other_people_become_links(app, vault):
    loop = ExtractionLoop(app, Scripted(add(item("sister", "Anna", entity="Caroline"),
                                            item("sister", "a lawyer", entity="Caroline"))))
    loop.process(turn("Caroline: my sister Anna is a lawyer", 1, role="other", author="Caroline"))
    caroline = (vault / "memory/entities/caroline.md").read_text()
    assert "- sister: [[entities/anna.md]]" in caroline  # a name: a link to Anna's file
    assert "- sister: a lawyer" in caroline  # not a name: a plain fact
    assert (vault / "memory/entities/anna.md").exists()
    assert not (vault / "memory/user.md").exists()  # nothing about the user
