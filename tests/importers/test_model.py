from datetime import datetime, timedelta, timezone

import pytest
from memd.importers.model import Conversation, Turn, canonical_json, content_ids

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)


def conv(turns, **kw):
    base = dict(source="chatgpt", source_id="c1", title="Trip", turns=turns, created=T0,
                participants=["User", "ChatGPT"], metadata={"model": "gpt-4", "tags": {"b": 1, "a": 2}})
    base.update(kw)
    return Conversation(**base)


def turns():
    return [Turn("a", "user", "I live in Lisbon.", time=T0),
            Turn("b", "assistant", "Nice city.", author="ChatGPT", time=T0 + timedelta(seconds=5))]


def test_hash_is_stable_and_ignores_dict_order_and_updated():
    one = conv(turns(), metadata={"model": "gpt-4", "tags": {"b": 1, "a": 2}}, updated=T0)
    two = conv(turns(), metadata={"tags": {"a": 2, "b": 1}, "model": "gpt-4"}, updated=T0 + timedelta(days=3))
    assert one.content_hash() == two.content_hash()
    assert len(one.content_hash()) == 64


def test_hash_changes_with_semantic_content():
    base = conv(turns()).content_hash()
    assert conv(turns(), title="Other").content_hash() != base
    changed = turns()
    changed[1] = Turn("b", "assistant", "Lovely city.", author="ChatGPT", time=changed[1].time)
    assert conv(changed).content_hash() != base


def test_turn_meta_is_not_part_of_the_hash():
    plain = Turn("a", "user", "hi", time=T0)
    tagged = Turn("a", "user", "hi", time=T0, meta={"model": "gpt-4o"})
    assert plain.content_hash() == tagged.content_hash()


def test_naive_datetimes_and_unknown_roles_are_refused():
    with pytest.raises(ValueError):
        Turn("a", "user", "x", time=datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        Turn("a", "narrator", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        conv([Turn("a", "user", "x"), Turn("a", "user", "y")])


def test_content_ids_survive_a_shifted_window_and_number_repeats():
    full = content_ids(["1|Ann|hi", "2|Bob|yo", "3|Ann|hi", "3|Ann|hi"])
    later = content_ids(["2|Bob|yo", "3|Ann|hi", "3|Ann|hi"])
    assert later == full[1:]
    assert full[3] == full[2] + "-2"
    assert len(set(full)) == 4


def test_canonical_json_sorts_keys_and_encodes_datetimes():
    assert canonical_json({"b": 1, "a": T0}) == '{"a":"2024-05-01T09:30:00Z","b":1}'
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


def test_first_time_falls_back_to_the_earliest_turn():
    c = conv(turns(), created=None)
    assert c.first_time == T0
    assert conv([Turn("a", "user", "x")], created=None).first_time is None


# --- the canonical form is written directly; it must stay json.dumps's, byte for byte ------------
HOSTILE = ["", "plain", "quote \" and \\ backslash", "line\nbreak\r\ttab", "\x00\x1f\x7f control", "é ü 中文 😀",
           "\u2028\u2029 separators", "\ufeff bom", "</script>", "null", "true", "{\"json\": [1]}", " edge "]


def test_turn_canonical_form_is_canonical_json():
    import itertools

    times = [None, T0, T0.astimezone(timezone(timedelta(hours=-3))), T0.replace(microsecond=123456)]
    for text, author, branch, when, kind, strong in itertools.product(
            HOSTILE, [None, "Ana", "\"Bob\"\n"], [None, "b1"], times, ["text", "code"], [False, True]):
        turn = Turn("id-\u00e9\n", "user", text, author=author, time=when, kind=kind, strong=strong, branch=branch)
        assert turn._canonical() == canonical_json(turn.semantic())
    # Unusual types (a parser that passes a number as author) take json.dumps itself.
    odd = Turn("a", "user", "x", author=7)  # type: ignore[arg-type]
    assert odd._canonical() == canonical_json(odd.semantic()) and '"author":7' in odd._canonical()
    assert Turn("a", "user", "x", strong=1)._canonical() == canonical_json({**Turn("a", "user", "x").semantic(),  # type: ignore[arg-type]
                                                                            "strong": 1})


def test_content_hash_from_the_turns_own_hashes():
    c = conv(turns())
    hashes = [t.content_hash() for t in c.turns]
    assert c.content_hash(hashes) == c.content_hash()
    with pytest.raises(ValueError):
        c.content_hash(hashes[:1])
