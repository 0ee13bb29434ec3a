"""WhatsApp text exports: the real locale samples and generated layouts of every kind."""

import re
from collections import Counter
from datetime import datetime, timezone

import pytest
from memd.importers import whatsapp
from memd.importers.report import collect

from memd.errors import InputFormatError


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


CHAT_MINER = {
    "chat-miner_test_ddmmyy_24hrs.txt": "DMY",
    "chat-miner_test_mmddyy_24hrs.txt": "MDY",
    "chat-miner_test_[mmddyy]_24hrs.txt": "MDY",
    "chat-miner_test_mmddyyyy_12hrs.txt": "MDY",
    "chat-miner_test_yyyymmdd_24hrs.txt": "YMD",
}


@pytest.mark.parametrize("name, order", sorted(CHAT_MINER.items()))
def test_chat_miner_layouts_agree(sample, name, order):
    [c], report = collect(whatsapp.parse(sample("chatlogs", "whatsapp", name), me="John Doe"))
    assert report.warnings == [] and report.failures == []
    assert c.metadata == {"date_order": order}
    # Titled by the group's name the log states ('created group "Groupname"'); the file names the chat.
    assert c.title == "Groupname" and c.source_id == name[:-4].casefold()
    # Ten dated lines, one of them "You were added"/"created group" pairs: 9 turns in all.
    assert len(c.turns) == 9
    assert Counter(t.role for t in c.turns) == {"user": 3, "other": 4, "system": 2}
    assert c.participants == ["John Doe", "Jahn Doe", "John-John Doe", "John Doe 🤓", "🤓"]
    assert [t.time for t in c.turns] == [
        utc(2019, 1, 1, 11, 25), utc(2019, 1, 20, 11, 23), utc(2019, 1, 30, 20, 49), utc(2020, 6, 10, 15, 55),
        utc(2020, 6, 20, 0, 8), utc(2020, 6, 30, 9, 10), utc(2021, 12, 10, 10, 10), utc(2021, 12, 20, 12, 10),
        utc(2021, 12, 30, 22, 1)]
    assert c.turns[1].text == "."  # "John Doe:." has no space after the colon
    assert c.turns[2].text == "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."
    assert c.turns[3].text == "Lorem ipsum : dolor sit amet."
    assert [(t.kind, t.author, t.text) for t in c.turns if t.role == "system"] == [
        ("event", None, '+12 345 578 created group "Groupname"'), ("event", None, "You were added")]
    assert (c.turns[7].author, c.turns[7].text) == ("🤓", "Lorem ipsum 🤓")


def test_ids_match_across_locales(sample):
    ids = set()
    for name in CHAT_MINER:
        [c], _ = collect(whatsapp.parse(sample("chatlogs", "whatsapp", name)))
        ids.add(tuple(t.id for t in c.turns))
    assert len(ids) == 1  # the same chat gets the same turn ids whatever the phone's locale


def test_whatstk_lorem_bracketed_seconds_without_comma(sample):
    path = sample("chatlogs", "whatsapp", "whatstk_lorem.txt")
    expected = sum(1 for line in path.read_text(encoding="utf-8").splitlines()
                   if re.match(r"^\[\d\d-\d\d-\d\d \d\d:\d\d:\d\d\] ", line))
    [c], report = collect(whatsapp.parse(path, me="Mary"))
    assert expected == 500 and len(c.turns) == 500
    assert report.warnings == []
    assert c.metadata == {"date_order": "DMY"}
    assert c.participants == ["Mary", "+1 123 456 789", "Giuseppe", "John"]
    assert c.created == utc(2020, 1, 15, 2, 22, 56) and c.updated == utc(2020, 5, 11, 22, 32, 48)
    assert Counter(t.role for t in c.turns)["user"] == sum(1 for t in c.turns if t.author == "Mary")
    assert c.turns[0].text == "Nostrud exercitation magna id."


# --- generated layouts ---------------------------------------------------------------------

LAYOUTS = {
    "android_uk_24h": ["31/12/20, 23:59 - Ana: Happy new year", "01/01/21, 00:01 - Bob: You too"],
    "android_us_12h_nnbsp": ["12/31/20, 11:59\u202fPM - Ana: Happy new year", "1/1/21, 12:01\u202fAM - Bob: You too"],
    "android_us_12h_nbsp": ["12/31/20, 11:59\u00a0PM - Ana: Happy new year", "1/1/21, 12:01\u00a0AM - Bob: You too"],
    "android_es_ampm": ["31/12/2020, 11:59\u00a0p.\u00a0m. - Ana: Happy new year",
                        "1/1/2021, 12:01 a. m. - Bob: You too"],
    "android_de": ["31.12.20, 23:59 - Ana: Happy new year", "01.01.21, 00:01 - Bob: You too"],
    "android_lower_ampm": ["31/12/2020, 11:59 pm - Ana: Happy new year", "01/01/2021, 12:01 am - Bob: You too"],
    "ios_uk": ["[31/12/2020, 23:59:00] Ana: Happy new year", "[01/01/2021, 00:01:00] Bob: You too"],
    "ios_us_12h": ["[12/31/20, 11:59:00 PM] Ana: Happy new year", "[1/1/21, 12:01:00 AM] Bob: You too"],
    "ios_de": ["[31.12.20, 23:59:00] Ana: Happy new year", "[01.01.21, 00:01:00] Bob: You too"],
    "iso": ["2020-12-31, 23:59 - Ana: Happy new year", "2021-01-01, 00:01 - Bob: You too"],
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_generated_layouts(tmp_path, layout):
    path = tmp_path / f"WhatsApp Chat with Bob {layout}.txt"
    path.write_text("\n".join(LAYOUTS[layout]) + "\n", encoding="utf-8")
    [c], report = collect(whatsapp.parse(path, me="Ana"))
    assert [(t.role, t.author, t.text, t.time) for t in c.turns] == [
        ("user", "Ana", "Happy new year", utc(2020, 12, 31, 23, 59)),
        ("other", "Bob", "You too", utc(2021, 1, 1, 0, 1)),
    ]
    assert c.title == f"Bob {layout}"
    assert report.warnings == []


def test_ios_zip_with_media_and_boilerplate(tmp_path, make_zip):
    lines = [
        "[03/04/2023, 10:00:00] Family: \u200eMessages and calls are end-to-end encrypted. No one outside of this "
        "chat, not even WhatsApp, can read or listen to them.",
        "[03/04/2023, 10:00:01] Family: \u200eAna created group \u201cFamily\u201d",
        "[03/04/2023, 10:01:00] Ana: We land at 18:30 on Friday",
        "and Bob picks us up",
        "[03/04/2023, 10:02:00] \u202a+31\u00a06\u00a012345678\u202c: \u200eimage omitted",
        "[03/04/2023, 10:03:00] Bob: \u200e<attached: 00000012-PHOTO-2023-04-03-10-03-00.jpg>",
        "[03/04/2023, 10:04:00] Bob: \u200eThis message was deleted.",
        "[13/04/2023, 10:05:00] Ana: \u200eYour security code with Bob changed. Tap to learn more.",
    ]
    zpath = make_zip(tmp_path / "WhatsApp Chat - Family.zip", {
        "_chat.txt": "\r\n".join(lines) + "\r\n",
        "00000012-PHOTO-2023-04-03-10-03-00.jpg": b"\xff\xd8jpeg",
    })
    [c], report = collect(whatsapp.parse(zpath, me="Ana"))
    assert c.title == "Family" and c.source_id == "family"
    assert [(t.role, t.author, t.kind, t.text) for t in c.turns] == [
        ("system", None, "event", "Ana created group \u201cFamily\u201d"),
        ("user", "Ana", "text", "We land at 18:30 on Friday\nand Bob picks us up"),
        ("other", "+31\u00a06\u00a012345678", "media", "[image omitted]"),
        ("other", "Bob", "media", "[attachment: 00000012-PHOTO-2023-04-03-10-03-00.jpg]"),
    ]
    assert c.metadata == {"date_order": "DMY"}
    assert report.warnings == []


def test_android_system_lines_media_and_quotes(tmp_path):
    lines = [
        "Some preamble a tool added",
        "05/01/21, 09:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
        "05/01/21, 09:01 - Ana added Bob",
        '06/01/21, 09:02 - Ana changed the subject from "Trip" to "Trip: Lisbon"',
        "06/01/21, 09:03 - Bob: <Media omitted>",
        "01/02/21, 09:04 - Bob: IMG-20210201-WA0001.jpg (file attached)",
        "the view from our flat",
        "01/02/21, 09:05 - Ana: This message was deleted",
        "01/02/21, 09:06 - Ana: ok",
    ]
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    [c], report = collect(whatsapp.parse(path, me=["ana", "Ana Silva"]))
    # Every day and month is <= 12: the order that runs forward in time (day first) wins.
    assert c.metadata == {"date_order": "DMY"}
    assert [w.message for w in report.warnings] == ["1 line(s) before the first message ignored"]
    assert [(t.role, t.kind, t.text) for t in c.turns] == [
        ("system", "event", "Ana added Bob"),
        ("system", "event", 'Ana changed the subject from "Trip" to "Trip: Lisbon"'),
        ("other", "media", "[media omitted]"),
        ("other", "media", "[attachment: IMG-20210201-WA0001.jpg]\nthe view from our flat"),
        ("user", "text", "ok"),
    ]
    assert c.turns[0].time == utc(2021, 1, 5, 9, 1)
    assert c.participants == ["Bob", "Ana"]


def test_ambiguous_order_warns_and_can_be_overridden(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("03/04/21, 10:00 - Ana: hi\n", encoding="utf-8")
    [c], report = collect(whatsapp.parse(path))
    assert c.turns[0].time == utc(2021, 4, 3, 10, 0)
    assert [w.message for w in report.warnings] == [
        "date order is ambiguous; read as dmy (pass --date-order dmy or mdy, or set import.date_order, to override)"]
    [c], report = collect(whatsapp.parse(path, date_order="MDY"))
    assert c.turns[0].time == utc(2021, 3, 4, 10, 0) and report.warnings == []


def test_wall_clock_zone(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("31/12/20, 23:59 - Ana: hi\n", encoding="utf-8")
    [c], _ = collect(whatsapp.parse(path, tz="Europe/Amsterdam"))
    assert c.turns[0].time == utc(2020, 12, 31, 22, 59)


def test_a_later_export_keeps_turn_ids(tmp_path):
    lines = [f"0{d}/01/21, 10:00 - {'Ana' if d % 2 else 'Bob'}: message {d % 3}" for d in range(1, 8)]
    full, tail = tmp_path / "full.txt", tmp_path / "tail.txt"
    full.write_text("\n".join(lines), encoding="utf-8")
    tail.write_text("\n".join(lines[3:]), encoding="utf-8")
    [a], _ = collect(whatsapp.parse(full, date_order="DMY"))
    [b], _ = collect(whatsapp.parse(tail, date_order="DMY"))
    assert [t.id for t in b.turns] == [t.id for t in a.turns[3:]]


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"hello there\nthis is not a chat\n", "not a WhatsApp chat export"),
    (b"31/12/20, 23:59 - Ana: caf\xe9\n", "not valid UTF-8"),
])
def test_malformed_text(tmp_path, one_line, content, expected):
    path = tmp_path / "chat.txt"
    path.write_bytes(content)
    with pytest.raises(InputFormatError) as err:
        collect(whatsapp.parse(path))
    assert expected in one_line(err.value)


def test_bad_date_order_option(tmp_path, one_line):
    path = tmp_path / "chat.txt"
    path.write_text("31/12/20, 23:59 - Ana: hi\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as err:
        whatsapp.parse(path, date_order="DDMM")
    assert "date_order must be one of" in one_line(err.value)
