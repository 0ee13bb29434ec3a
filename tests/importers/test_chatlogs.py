"""Chat logs and datasets: Telegram, Discord, Slack, OpenAI JSONL, ShareGPT, LoCoMo."""

import json
from collections import Counter
from datetime import datetime, timezone

import pytest
from memd.importers import discord, locomo, openai_jsonl, sharegpt, slack, telegram
from memd.importers.report import collect

from memd.errors import InputFormatError


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


# --- Telegram ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, title, source_id", [
    ("chat-miner_test_single_export.json", "chat-miner_test_single_export", "chat-miner_test_single_export"),
    ("chat-miner_test_batch_export.json", "Chatname", "chatname"),
])
def test_telegram_samples(sample, name, title, source_id):
    [c], report = collect(telegram.parse(sample("chatlogs", "telegram", name), me="Author 2"))
    assert report.failures == [] and report.warnings == []
    assert (c.title, c.source_id) == (title, source_id)
    assert c.participants == ["Author 1", "Author 2"]
    assert [(t.role, t.author, t.text, t.time) for t in c.turns] == [
        ("other", "Author 1", "Minimal Message", utc(2018, 12, 5, 10, 39, 10)),
        ("user", "Author 2", "Link:https://telegram.org/", utc(2018, 12, 5, 10, 49, 24)),
    ]


def test_telegram_account_export_names_its_owner(tmp_path):
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 42, "first_name": "Ana", "last_name": "Silva", "username": "anas"},
        "chats": {"list": [
            {"name": "Bob", "type": "personal_chat", "id": 7, "messages": [
                {"id": 1, "type": "service", "date": "2021-03-01T10:00:00", "date_unixtime": "1614592800",
                 "actor": "Bob", "actor_id": "user7", "action": "phone_call", "duration_seconds": 60},
                {"id": 2, "type": "message", "date": "2021-03-01T10:05:00", "date_unixtime": "1614593100",
                 "from": "Ana Silva", "from_id": "user42",
                 "text": ["My new address is ", {"type": "bold", "text": "Rua Nova 5"}, ", Porto"]},
                {"id": 3, "type": "message", "date_unixtime": "1614593200", "from": "Bob", "from_id": "user7",
                 "text": "", "photo": "photos/photo_1@01-03-2021_10-06-40.jpg", "reply_to_message_id": 2},
                {"id": 4, "type": "message", "date_unixtime": "1614593300", "from": "Bob", "from_id": "user7",
                 "text": "", "file": "stickers/sticker.webp", "media_type": "sticker", "sticker_emoji": "👍"},
                {"id": 5, "type": "message", "date_unixtime": "1614593400", "from": "Bob", "text": ""},
            ]},
            {"type": "saved_messages", "id": 42, "messages": [
                {"id": 1, "type": "message", "date_unixtime": "1614600000", "from": "Ana Silva", "from_id": "user42",
                 "text": "passport number in the blue folder"}]},
            {"name": "Empty", "type": "private_group", "id": 9, "messages": []},
            "garbage",
        ]},
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    convs, report = collect(telegram.parse(path))
    bob, saved = convs
    assert [(t.id, t.role, t.author, t.kind, t.text) for t in bob.turns] == [
        ("1", "system", "Bob", "event", "phone call: 60 s"),
        ("2", "user", "Ana Silva", "text", "My new address is Rua Nova 5, Porto"),
        ("3", "other", "Bob", "text", "[photo: photo_1@01-03-2021_10-06-40.jpg]"),
        ("4", "other", "Bob", "text", "[sticker 👍]"),
    ]
    assert bob.turns[2].meta == {"reply_to": "2"}
    assert (bob.source_id, bob.title, bob.metadata) == ("7", "Bob", {"chat_type": "personal_chat"})
    assert (saved.title, saved.turns[0].role) == ("Saved Messages", "user")
    assert [w.message for w in report.warnings] == ["no messages; skipped"]
    assert [f.where for f in report.failures] == ["result.json#chat3"]


def test_telegram_wrong_format(tmp_path, sample, one_line):
    # DiscordChatExporter JSON also is an object with `messages`, but none of them is Telegram's.
    with pytest.raises(InputFormatError) as err:
        collect(telegram.parse(sample("chatlogs", "discordchatexporter", "chat-analytics_GC_3A_5M.json")))
    assert "not a Telegram export (none of its 6 messages is a Telegram message)" in one_line(err.value)


# --- Discord -------------------------------------------------------------------------------


def test_discord_sample(sample):
    [c], report = collect(discord.parse(sample("chatlogs", "discordchatexporter", "chat-analytics_GC_3A_5M.json"),
                                        me="mlomb"))
    assert report.failures == [] and report.warnings == []
    assert (c.source_id, c.title) == ("1064990764406419508", "a group chat")
    assert c.metadata == {"guild": "Direct Messages", "category": "Group"}
    assert c.participants == ["lombi", "theplant", "mlomb"]
    assert len(c.turns) == 6
    assert Counter((t.role, t.kind) for t in c.turns) == {("system", "event"): 3, ("other", "text"): 2,
                                                          ("user", "text"): 1}
    speech = [(t.author, t.text) for t in c.turns if t.kind == "text"]
    assert speech == [("theplant", "Should honor nickname over name"),
                      ("lombi", "hey @mlomb whats up, check out https://chatanalytics.app"),
                      ("mlomb", "woah nice :custom_emoji:")]
    woah = c.turns[4]
    assert woah.id == "530805779645595660" and woah.meta == {"reply_to": "1064990824305274930"}
    assert c.created == utc(2023, 1, 17, 19, 33, 7, 489000) and c.updated == utc(2023, 3, 3, 14, 47, 59, 187000)


def test_discord_attachments_and_folder_of_channels(tmp_path):
    channel = {"guild": {"id": "1", "name": "Hobby"}, "channel": {"id": "c9", "name": "pottery", "topic": "clay"},
               "messages": [{"id": "m1", "type": "Default", "timestamp": "2024-02-01T10:00:00+01:00",
                             "content": "", "author": {"id": "u1", "name": "ana", "nickname": "Ana"},
                             "attachments": [{"fileName": "vase.jpg"}], "stickers": [{"name": "wave"}],
                             "embeds": []}]}
    (tmp_path / "a.json").write_text(json.dumps(channel))
    (tmp_path / "notes.json").write_text(json.dumps({"something": "else"}))
    [c], report = collect(discord.parse(tmp_path, me="ana"))
    assert c.title == "Hobby #pottery" and c.metadata == {"guild": "Hobby", "topic": "clay"}
    assert [(t.role, t.author, t.text, t.time) for t in c.turns] == [
        ("user", "Ana", "[attachment: vase.jpg]\n[sticker: wave]", utc(2024, 2, 1, 9, 0))]
    assert [w.where for w in report.warnings] == ["notes.json"]


# --- Slack ---------------------------------------------------------------------------------


def test_slack_sample(sample):
    convs, report = collect(slack.parse(sample("chatlogs", "slack", "slack-export-viewer_testarchive.zip"),
                                        me="hamza"))
    assert report.failures == [] and report.warnings == []
    enrique, sailor = convs
    assert (enrique.source_id, enrique.title, len(enrique.turns)) == ("C0JGLMMNX", "#enrique", 102)
    assert (sailor.source_id, sailor.title, len(sailor.turns)) == ("C0JL6CGQ2", "#traveling-sailor", 56)
    assert Counter((t.role, t.kind) for t in enrique.turns) == {
        ("other", "bot"): 66, ("user", "text"): 25, ("system", "event"): 6, ("other", "text"): 5}
    assert Counter((t.role, t.kind) for t in sailor.turns) == {
        ("other", "bot"): 28, ("other", "text"): 15, ("user", "text"): 8, ("system", "event"): 5}
    assert enrique.participants == ["Hamza Faran", "Harry Potter", "heroeshannibal", "Hermione Granger"]
    first = enrique.turns[4]
    assert (first.id, first.author, first.role) == ("1452837352.000006", "Hamza Faran", "user")
    assert first.text == "@Harry Potter: Created an issue for a setup.py so that it can be installed to a standard place"
    assert first.time == utc(2016, 1, 15, 5, 55, 52, 6)
    upload = next(t for t in sailor.turns if t.text.startswith("@Hermione Granger uploaded a file"))
    assert upload.text == ("@Hermione Granger uploaded a file: 100 cities "
                           "(https://mesos-magellan.slack.com/files/U0BMS113R/F0VNAKDE2/100_cities.js)")
    bot = next(t for t in enrique.turns if t.kind == "bot")
    assert bot.author == "bot B0JL6RASU" and bot.text.startswith("[enrique:master] 1 new commit by Anthony Bilinski:")
    assert "<@U" not in "".join(t.text for c in convs for t in c.turns)


def test_slack_dms_threads_and_markup(tmp_path, make_zip):
    users = [{"id": "U1", "name": "ana", "profile": {"real_name": "Ana Silva"}}, {"id": "U2", "name": "bob"}]
    dms = [{"id": "D1", "members": ["U1", "U2"]}]
    day = [
        {"type": "message", "user": "U2", "text": "hey <@U1|ana> see <#C9|general> &amp; <!here> <https://x.y|docs>",
         "ts": "1700000000.000100"},
        {"type": "message", "user": "U1", "text": "thanks", "ts": "1700000100.000200", "thread_ts": "1700000000.000100",
         "files": [{"name": "plan.pdf"}]},
        {"type": "message", "subtype": "tombstone", "text": "This message was deleted.", "ts": "1700000200.000300"},
    ]
    zpath = make_zip(tmp_path / "slack.zip", {"users.json": json.dumps(users), "dms.json": json.dumps(dms),
                                             "D1/2023-11-14.json": json.dumps(day)})
    [c], _ = collect(slack.parse(zpath, me="U1"))
    assert (c.title, c.metadata) == ("Ana Silva, bob", {"channel_type": "dm"})
    assert [(t.role, t.author, t.text) for t in c.turns] == [
        ("other", "bob", "hey @Ana Silva see #general & @here docs (https://x.y)"),
        ("user", "Ana Silva", "thanks\n[file: plan.pdf]"),
    ]
    assert c.turns[1].meta == {"thread": "1700000000.000100"}


def test_slack_needs_an_export(tmp_path, make_zip, one_line):
    with pytest.raises(InputFormatError) as err:
        collect(slack.parse(make_zip(tmp_path / "x.zip", {"readme.txt": "hi"})))
    assert "no channels.json or users.json" in one_line(err.value)


# --- OpenAI messages JSONL -----------------------------------------------------------------


def test_openai_jsonl_sample(sample):
    convs, report = collect(openai_jsonl.parse(sample("chatlogs", "openai_messages_jsonl",
                                                      "toy_chat_fine_tuning.first4lines.jsonl")))
    assert report.failures == []
    assert [len(c.turns) for c in convs] == [3, 9, 2, 2]
    assert [c.title for c in convs] == ["I fell off my bike today.", "I lost my tennis match today.",
                                        "I lost my book today.", f"Conversation {convs[3].source_id[:8]}"]
    assert [t.role for t in convs[1].turns] == ["system"] + ["user", "assistant"] * 4
    assert convs[0].turns[2].text == "It's great that you're getting exercise outdoors!"
    assert len({c.source_id for c in convs}) == 4
    again, _ = collect(openai_jsonl.parse(sample("chatlogs", "openai_messages_jsonl",
                                                 "toy_chat_fine_tuning.first4lines.jsonl")))
    assert [c.content_hash() for c in again] == [c.content_hash() for c in convs]


def test_openai_jsonl_parts_tools_and_a_broken_line(tmp_path):
    lines = [
        json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                                              {"type": "image_url", "image_url": {"url": "x"}}]},
                                 {"role": "assistant", "content": None, "tool_calls": [
                                     {"type": "function", "function": {"name": "lookup", "arguments": "{\"q\":1}"}}]},
                                 {"role": "tool", "content": "a cat"}]}),
        "{not json",
        "",
        json.dumps({"prompt": "old completion format"}),
    ]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    [c], report = collect(openai_jsonl.parse(path))
    assert [(t.role, t.kind, t.text) for t in c.turns] == [
        ("user", "text", "what is this?\n[image]"), ("assistant", "tool_call", '[tool call: lookup({"q":1})]'),
        ("tool", "text", "a cat")]
    assert [f.where for f in report.failures] == ["data.jsonl:2", "data.jsonl:4"]


# --- ShareGPT ------------------------------------------------------------------------------


def test_sharegpt_sample(sample):
    convs, report = collect(sharegpt.parse(sample("chatlogs", "sharegpt", "fastchat_dummy_conversation.first3.json")))
    assert report.failures == []
    assert [(c.source_id, len(c.turns)) for c in convs] == [("identity_0", 4), ("identity_1", 2), ("identity_2", 6)]
    assert [t.role for t in convs[2].turns] == ["user", "assistant"] * 3
    assert convs[0].title == "Who are you?" and convs[2].title == "What is up?"


def test_sharegpt_jsonl_and_messages_variant(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([
        json.dumps({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}),
        json.dumps({"messages": [{"role": "user", "content": "yo"}, {"role": "narrator", "content": "later"}]}),
    ]), encoding="utf-8")
    convs, _ = collect(sharegpt.parse(path))
    assert [[(t.role, t.author, t.text) for t in c.turns] for c in convs] == [
        [("user", None, "hi"), ("assistant", None, "hello")],
        [("user", None, "yo"), ("other", "narrator", "later")]]


# --- LoCoMo --------------------------------------------------------------------------------


def test_locomo_excerpt(sample):
    [c], report = collect(locomo.parse(sample("chatlogs", "locomo", "locomo10_sample0_sessions1-2.excerpt.json"),
                                       me="Caroline"))
    assert report.warnings == [] and report.failures == []
    assert (c.source_id, c.title, c.participants) == ("conv-26", "Caroline and Melanie", ["Caroline", "Melanie"])
    assert len(c.turns) == 35
    assert Counter(t.meta["session"] for t in c.turns) == {1: 18, 2: 17}
    assert c.created == utc(2023, 5, 8, 13, 56) and c.updated == utc(2023, 5, 25, 13, 14)
    assert c.turns[0].id == "D1:1" and c.turns[0].role == "user" and c.turns[1].role == "other"
    assert c.turns[18].id == "D2:1" and c.turns[18].time == utc(2023, 5, 25, 13, 14)
    image = next(t for t in c.turns if t.id == "D1:5")
    assert image.text.endswith("\n[image: a photo of a dog walking past a wall with a painting of a woman]")
    assert c.metadata == {"sessions": {"1": "2023-05-08T13:56:00Z", "2": "2023-05-25T13:14:00Z"}}


def test_locomo_dev_set(shared_data):
    convs, report = collect(locomo.parse(shared_data("locomo_dev.json")))
    assert report.failures == []
    assert [c.source_id for c in convs] == ["conv-26", "conv-30", "conv-41", "conv-42", "conv-43", "conv-44",
                                            "conv-47", "conv-48"]
    assert [len(c.turns) for c in convs] == [419, 369, 663, 629, 680, 675, 689, 681]
    assert [len(c.metadata["sessions"]) for c in convs] == [19, 19, 32, 29, 29, 28, 31, 30]
    assert all(t.time is not None for c in convs for t in c.turns)


def test_locomo_session_dates():
    assert locomo.session_time("1:56 pm on 8 May, 2023") == utc(2023, 5, 8, 13, 56)
    assert locomo.session_time("12:04 am on 1 Jan, 2023") == utc(2023, 1, 1, 0, 4)
    assert locomo.session_time("12:30 pm on 19 December, 2023") == utc(2023, 12, 19, 12, 30)
    assert locomo.session_time("tomorrow") is None
