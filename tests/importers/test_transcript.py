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
        "> [!user] Ana · 2024-05-01 22:30 %%id: u1%%\n"
        "> We fly to Lisbon on Friday.\n"
        ">\n"
        "> Back on the 12th.\n"
        "\n"
        f"^{ids['u1']}\n"
        "\n"
        "> [!assistant] ChatGPT · 2024-05-01 22:31 %%id: a1%%\n"
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
    assert "> [!user] About me (User) %%id: n0:about_me%%\n> I am a nurse.\n" in text
    assert "> [!assistant] Assistant · code %%id: c%%\n> ````python\n> print('```')\n> ````\n" in text
    assert "> [!tool] python · output %%id: o%%\n> ````\n> ```\n> out\n> ````\n" in text
    assert text.index("main answer") < text.index("## Other branch 1") < text.index("other answer")
    assert f"Forked after [[#^{ids['c']}]]." in text
    doc = small([Turn("doc:1", "other", "# Guide\n\n- step", kind="document", meta={"title": "guide.md"})],
                kind=DOCUMENT, source="claude")
    assert "> [!document] guide.md %%id: doc:1%%\n> # Guide\n>\n> - step\n\n^t" in transcript.render(doc)


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


# --- frontmatter without the YAML emitter, byte for byte what yaml.safe_dump writes ---------------
def _yaml_frontmatter(conv):
    fields = {"source": conv.source, "id": conv.source_id, "title": conv.title}
    if conv.created:
        fields["created"] = transcript._iso(conv.created)
    if conv.updated:
        fields["updated"] = transcript._iso(conv.updated)
    fields["participants"] = list(conv.participants)
    body = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 30)
    return f"---\n{body}---\n"


HOSTILE_TITLES = [
    "", " ", "Trip", "Trip: Lisbon?", "a:b", "ends with colon:", "key: value", "# heading", "C# basics", "a #tag",
    "- list item", "-dash", "--- document", "...dots", ".hidden", "? question", "?x", ":colon", "[link]", "{map}",
    "&anchor", "*alias", "!tag", "|pipe", ">fold", "'single'", "it's", "\"double\"", "%percent", "@at", "`tick`",
    "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "Null", "~", "NULL", "123", "1.5", "-7", "+3",
    "0x1F", "0o17", "1e3", ".inf", "-.INF", ".nan", "1_000", "12:30", "190:20:30", "2024-05-01",
    "2024-05-01T08:00:00Z", "2024-5-1 8:00:00", "<<", "=", "trailing space ", " leading space", "two  spaces",
    "tab\there", "line\nbreak", "trailing newline\n", "\r\n", "nel\x85x", "ls\u2028x", "ps\u2029x", "bom\ufeffx",
    "nbsp\xa0x", "\x7fdel", "\x00nul", "é", "Café ☕", "中文标题", "emoji 😀", "\U0010fffe", "\U0010ffff",
    "\ud7ff\ue000", "\ufffd", "\ufffe", "a,b", "a, b", "a]b", "a}b", "a!b", "a'b", "a\"b", "a\\b", "a/b", "a|b",
    "a>b", "a%b", "a@b", "a`b", "a&b", "a*b", "a?b", "a=b", "a~b", "3 apples", "Yes please", "no way", "x" * 300,
]


def test_frontmatter_is_what_yaml_writes_for_hostile_titles():
    for title in HOSTILE_TITLES:
        for participants in ([], [title], ["User", "ChatGPT"], [title, "yes", ""]):
            for created in (None, T0, T0.replace(microsecond=5)):
                conv = small(title=title, source_id=title or "x", participants=participants, created=created)
                assert transcript.frontmatter(conv) == _yaml_frontmatter(conv), (title, participants)


def test_frontmatter_is_what_yaml_writes_for_random_titles():
    import random

    alphabet = list("aZyYnNoOtTfF ~:#-?'\"., []{}!&*|>%@`=<+0123456789eE_x\t\n\r\x85\u2028\xa0é中😀\ufeff\x7f\x01/\\")
    alphabet += ["yes", "no", "null", "true", "1e3", "0x1F", "2024-05-01", "---", "...", ": ", " #", "<<"]
    rng = random.Random(20240501)
    for _ in range(20000):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        participants = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 2))]
        conv = small(title=title, source_id=title or "x", participants=participants)
        assert transcript.frontmatter(conv) == _yaml_frontmatter(conv), (title, participants)


def test_frontmatter_is_what_yaml_writes_for_every_fixture(sample):
    from memd.importers import registry
    from memd.importers.periods import split_by_month

    cases = [("chatgpt", ("chatgpt", "chatgpt2graph_conversations.json")),
             ("chatgpt", ("chatgpt", "ruby02_2026_sharded_excerpt", "conversations-000.excerpt.json")),
             ("claude", ("claude", "yaleman_anthropic-data")),
             ("discord", ("chatlogs", "discordchatexporter", "chat-analytics_GC_3A_5M.json")),
             ("telegram", ("chatlogs", "telegram", "chat-miner_test_batch_export.json")),
             ("telegram", ("chatlogs", "telegram", "chat-miner_test_single_export.json")),
             ("whatsapp", ("chatlogs", "whatsapp", "whatstk_lorem.txt")),
             ("whatsapp", ("chatlogs", "whatsapp", "chat-miner_test_mmddyyyy_12hrs.txt")),
             ("locomo", ("chatlogs", "locomo", "locomo10_sample0_sessions1-2.excerpt.json")),
             ("slack", ("chatlogs", "slack", "slack-export-viewer_testarchive.zip")),
             ("sharegpt", ("chatlogs", "sharegpt", "fastchat_dummy_conversation.first3.json")),
             ("openai_jsonl", ("chatlogs", "openai_messages_jsonl", "toy_chat_fine_tuning.first4lines.jsonl"))]
    seen = 0  # (the redacted ChatGPT sample is not JSON: nothing to render)
    for fmt, parts in cases:
        convs, _ = collect(registry.parse(fmt, sample(*parts)))
        if registry.get(fmt).kind == "chat":  # notes of chat logs are per month, as the import writes them
            convs = [month for conv in convs for month in split_by_month(conv, timezone.utc)]
        for conv in convs:
            assert transcript.frontmatter(conv) == _yaml_frontmatter(conv), (fmt, conv.title)
            seen += 1
    assert seen > 20
