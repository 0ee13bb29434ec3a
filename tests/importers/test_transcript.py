"""Transcript notes: safe paths, deterministic bytes, stable per-turn block ids."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import yaml
from memd.importers import chatgpt, transcript
from memd.importers.model import DOCUMENT, Conversation, Turn
from memd.importers.report import collect

T0 = datetime(2024, 5, 1, 22, 30, tzinfo=timezone.utc)


def small(turns=None, **kw):
    turns = turns if turns is not None else [
        Turn("u1", "user", "We fly to Lisbon on Friday.\n\nBack on the 12th.", author="Ana", time=T0),
        Turn("a1", "assistant", "Have a great trip!", author="ChatGPT", time=T0 + timedelta(minutes=1)),
    ]
    base = dict(source="chatgpt", source_id="c-1", title="Trip: Lisbon?", turns=turns, created=T0,
                updated=T0 + timedelta(days=1), participants=["Ana", "ChatGPT"])
    base.update(kw)
    return Conversation(**base)


def test_exact_rendering():
    conv = small()
    ids = transcript.block_ids(conv)
    expected = (
        "---\n"
        "source: chatgpt\n"
        "id: c-1\n"
        "title: 'Trip: Lisbon?'\n"
        "created: '2024-05-01T22:30:00Z'\n"
        "updated: '2024-05-02T22:30:00Z'\n"
        "participants:\n"
        "- Ana\n"
        "- ChatGPT\n"
        "---\n"
        "\n"
        "# Trip: Lisbon?\n"
        "\n"
        "> [!user] Ana · 2024-05-01 22:30\n"
        "> We fly to Lisbon on Friday.\n"
        ">\n"
        "> Back on the 12th.\n"
        "\n"
        f"^{ids['u1']}\n"
        "\n"
        "> [!assistant] ChatGPT · 2024-05-01 22:31\n"
        "> Have a great trip!\n"
        "\n"
        f"^{ids['a1']}\n"
    )
    assert transcript.render(conv) == expected
    assert re.fullmatch(r"t[0-9a-f]{8}", ids["u1"])
    front = yaml.safe_load(expected.split("---\n")[1])
    assert front == {"source": "chatgpt", "id": "c-1", "title": "Trip: Lisbon?", "created": "2024-05-01T22:30:00Z",
                     "updated": "2024-05-02T22:30:00Z", "participants": ["Ana", "ChatGPT"]}


def test_path_and_link():
    conv = small()
    assert str(transcript.transcript_path(conv)) == "memory-sources/chatgpt/2024-05-01 Trip Lisbon.md"
    assert str(transcript.transcript_path(conv, sources_dir="Sources", suffix="ab12cd")) == \
        "Sources/chatgpt/2024-05-01 Trip Lisbon (ab12cd).md"
    # The date follows the reader's zone when asked.
    assert transcript.note_name(conv, tz=ZoneInfo("Europe/Lisbon")) == "2024-05-01 Trip Lisbon"
    assert transcript.note_name(conv, tz=ZoneInfo("Asia/Tokyo")) == "2024-05-02 Trip Lisbon"
    bid = transcript.block_ids(conv)["a1"]
    assert transcript.turn_link(conv, "a1") == f"[[memory-sources/chatgpt/2024-05-01 Trip Lisbon#^{bid}]]"
    assert transcript.short_suffix(conv) == transcript.short_suffix(small(title="Other"))
    assert transcript.short_suffix(conv) != transcript.short_suffix(small(source_id="c-2"))


def test_undated_conversation_path():
    conv = small([Turn("x", "user", "hi")], created=None, updated=None)
    assert transcript.note_name(conv) == "undated Trip Lisbon"


def test_safe_filename():
    assert transcript.safe_filename('a/b\\c:d*e?f"g<h>i|j[k]l#m^n') == "a b c d e f g h i j k l m n"
    assert transcript.safe_filename("..hidden. ") == "hidden"
    assert transcript.safe_filename("line\nbreak\ttab\x00nul") == "line break tab nul"
    assert transcript.safe_filename("???") == "Untitled"
    assert transcript.safe_filename("CON") == "CON_"
    long = transcript.safe_filename("é" * 200, max_bytes=101)
    assert long == "é" * 50 and len(long.encode()) <= 101
    name = transcript.note_name(small(title="x" * 500), suffix="abc123")
    assert len(name.encode()) <= 120 and name.endswith(" (abc123)")


def test_block_ids_are_stable_when_turns_are_added():
    before = transcript.block_ids(small())
    grown = small([Turn("u0", "user", "earlier"), *small().turns, Turn("u2", "user", "later")])
    after = transcript.block_ids(grown)
    assert after["u1"] == before["u1"] and after["a1"] == before["a1"]
    assert len(set(after.values())) == 4


def test_code_fences_branches_strong_and_documents():
    turns = [
        Turn("n0:about_me", "user", "I am a nurse.", kind="about_me", strong=True),
        Turn("c", "assistant", "print('```')", kind="code", meta={"language": "python"}),
        Turn("o", "tool", "```\nout", author="python", kind="execution_output"),
        Turn("a", "assistant", "main answer"),
        Turn("b", "assistant", "other answer", branch="b", meta={"fork": "c"}),
    ]
    text = transcript.render(small(turns))
    ids = transcript.block_ids(small(turns))
    assert "> [!user] About me (User)\n> I am a nurse.\n" in text
    assert "> [!assistant] Assistant · code\n> ````python\n> print('```')\n> ````\n" in text
    assert "> [!tool] python · output\n> ````\n> ```\n> out\n> ````\n" in text
    assert text.index("main answer") < text.index("## Other branch 1") < text.index("other answer")
    assert f"Forked after [[#^{ids['c']}]]." in text
    doc = small([Turn("doc:1", "other", "# Guide\n\n- step", kind="document", meta={"title": "guide.md"})],
                kind=DOCUMENT, source="claude")
    assert "> [!document] guide.md\n> # Guide\n>\n> - step\n\n^t" in transcript.render(doc)


def test_every_turn_is_one_linkable_block(sample):
    [conv], _ = collect(chatgpt.parse(sample("chatgpt", "chatgpt2graph_conversations.json")))
    text = transcript.render(conv)
    assert text == transcript.render(conv)  # deterministic
    ids = transcript.block_ids(conv)
    lines = text.split("\n")
    for turn in conv.turns:
        at = lines.index("^" + ids[turn.id])
        # Obsidian needs the id on its own line, blank lines around it, right after the callout.
        assert lines[at - 1] == "" and lines[at + 1] == "" and lines[at - 2].startswith(">")
    assert "\r" not in text
    assert str(transcript.transcript_path(conv)) == "memory-sources/chatgpt/2023-09-21 Average Distance in U(0,1).md"
