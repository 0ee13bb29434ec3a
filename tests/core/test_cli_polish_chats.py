"""Chat imports a new user tries: WhatsApp's ambiguous dates (--date-order and import.date_order),
Signal's text export, Facebook Messenger's JSON (mojibake and all), a group titled by its name,
monthly notes listing that month's speakers, `updated` as the latest turn's time."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from support import fixture_path


def parse(name, path, **options):
    from memd.importers import registry
    from memd.importers.report import collect

    return collect(registry.parse(name, path, **options))


@pytest.fixture
def memd(tmp_path, vault, monkeypatch, capsys):
    from memd.cli import main

    cfg = tmp_path / "cfg.toml"
    monkeypatch.setenv("MEMD_CONFIG", str(cfg))
    assert main(["init", str(vault), "--json"]) == 0
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\n")
    capsys.readouterr()

    def call(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    call.config = cfg
    return call


AMBIGUOUS = "03/04/24, 10:00 - Ana: Olá\n03/04/24, 10:05 - Bruno: hi\n05/04/24, 11:00 - Ana: later\n"


def test_date_order_option_and_config_key(memd, tmp_path):
    chat = tmp_path / "amb.txt"
    chat.write_text(AMBIGUOUS)
    code, out, _ = memd("import", "chat", str(chat), "--me", "Ana", "--dry-run", "--json")
    guessed = json.loads(out)
    assert code == 0 and guessed["survey"]["first"].startswith("2024-04-03")  # day first on a tie
    warning = next(w["message"] for w in guessed["warnings"] if "ambiguous" in w["message"])
    assert "--date-order dmy or mdy" in warning and "import.date_order" in warning
    code, out, _ = memd("import", "chat", str(chat), "--me", "Ana", "--dry-run", "--json", "--date-order", "mdy")
    told = json.loads(out)
    assert told["survey"]["first"].startswith("2024-03-04") and told["survey"]["last"].startswith("2024-05-04")
    assert not any("ambiguous" in w["message"] for w in told["warnings"])
    assert memd("config", "set", "import.date_order", "mdy")[0] == 0
    code, out, _ = memd("import", "chat", str(chat), "--me", "Ana", "--dry-run", "--json")
    assert json.loads(out)["survey"]["first"].startswith("2024-03-04")
    # The flag beats the config key.
    code, out, _ = memd("import", "chat", str(chat), "--me", "Ana", "--dry-run", "--json", "--date-order", "dmy")
    assert json.loads(out)["survey"]["first"].startswith("2024-04-03")
    code, _, err = memd("import", "chat", str(chat), "--date-order", "ymd")
    assert code == 2 and "'ymd' is not one of 'dmy', 'mdy'" in err


SIGNAL_MD = ("[2024-04-03 10:00] Bruno: Olá, tudo bem?\nsecond line of it\n"
             "[2024-04-03 10:05] Me: Tudo! ![photo](./media/p1.jpg)\n[2024-05-01 09:00] Bruno: Em maio\n")


def test_signal_text_export_is_recognised_as_signal(tmp_path):
    from memd.importers.detect import detect

    folder = tmp_path / "signal-chats" / "Bruno"
    (folder / "media").mkdir(parents=True)
    (folder / "chat.md").write_text(SIGNAL_MD)
    assert detect(folder / "chat.md") == "signal" and detect(tmp_path / "signal-chats") == "signal"
    comma = tmp_path / "export.txt"  # chat-miner's "[YYYY-MM-DD, HH:MM] Name: text" style
    comma.write_text(SIGNAL_MD.replace("2024-04-03 ", "2024-04-03, "))
    assert detect(comma) == "signal"
    convs, report = parse("signal", tmp_path / "signal-chats")
    [conv] = convs
    assert conv.source == "signal" and conv.title == "Bruno"
    assert [t.author for t in conv.turns] == ["Bruno", "Me", "Bruno"]
    assert [t.role for t in conv.turns] == ["other", "user", "other"]  # signal-export's "Me" is the user
    assert conv.turns[0].text == "Olá, tudo bem?\nsecond line of it"
    assert conv.turns[1].text == "Tudo! [attachment: p1.jpg]"
    assert conv.updated == datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", ["chat-miner_test_ddmmyy_24hrs.txt", "chat-miner_test_[mmddyy]_24hrs.txt",
                                  "chat-miner_test_yyyymmdd_24hrs.txt", "whatstk_lorem.txt"])
def test_whatsapp_exports_stay_whatsapp(name):
    from memd.importers.detect import detect

    assert detect(fixture_path("chatlogs", "whatsapp", name)) == "whatsapp"


def _mangle(text: str) -> str:
    """What Facebook writes: each UTF-8 byte as its own character."""
    return text.encode("utf-8").decode("latin-1")


def _messenger_thread(folder, parts):
    folder.mkdir(parents=True)
    for n, messages in enumerate(parts, 1):
        (folder / f"message_{n}.json").write_text(json.dumps({
            "participants": [{"name": _mangle("Bruno Conceição")}, {"name": _mangle("Zoë Ana")}],
            "messages": messages, "title": _mangle("Bruno Conceição"), "is_still_participant": True,
            "thread_type": "Regular", "thread_path": "inbox/brunoconceicao_1234"}))


def test_messenger_json_export(tmp_path, memd, vault):
    from memd.importers.detect import detect

    ms = lambda day, hour: int(datetime(2024, 4, day, hour, tzinfo=timezone.utc).timestamp() * 1000)  # noqa: E731
    root = tmp_path / "facebook-ana" / "messages" / "inbox"
    _messenger_thread(root / "brunoconceicao_1234", [
        [  # message_1.json: the newest, newest first
            {"sender_name": _mangle("Zoë Ana"), "timestamp_ms": ms(5, 9), "content": _mangle("Até já 😀")},
            {"sender_name": _mangle("Bruno Conceição"), "timestamp_ms": ms(4, 9),
             "photos": [{"uri": "messages/inbox/brunoconceicao_1234/photos/porto_1.jpg"}]},
        ],
        [
            {"sender_name": _mangle("Bruno Conceição"), "timestamp_ms": ms(3, 9),
             "content": _mangle("Olá! Mudei-me para o Porto em março.")},
            {"sender_name": _mangle("Zoë Ana"), "timestamp_ms": ms(2, 9), "content": "unsent", "is_unsent": True},
        ],
    ])
    assert detect(tmp_path / "facebook-ana") == "messenger"
    assert detect(root / "brunoconceicao_1234" / "message_1.json") == "messenger"
    [conv], report = parse("messenger", tmp_path / "facebook-ana", me="Zoë Ana")
    assert conv.title == "Bruno Conceição" and conv.source_id == "inbox/brunoconceicao_1234"
    assert [t.text for t in conv.turns] == ["Olá! Mudei-me para o Porto em março.", "[photo: porto_1.jpg]", "Até já 😀"]
    assert [t.role for t in conv.turns] == ["other", "other", "user"]
    assert conv.participants == ["Bruno Conceição", "Zoë Ana"]
    assert conv.created == datetime(2024, 4, 3, 9, tzinfo=timezone.utc)
    assert conv.updated == datetime(2024, 4, 5, 9, tzinfo=timezone.utc)
    # Through the CLI: a transcript note with the text fixed.
    code, out, err = memd("import", "chat", str(tmp_path / "facebook-ana"), "--me", "Zoë Ana", "--no-extract", "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "messenger"
    [note] = (vault / "memory-sources" / "messenger").glob("*.md")
    text = note.read_text()
    assert "Mudei-me para o Porto em março." in text and "Ã" not in text


def test_messenger_unmangle_leaves_real_text_alone():
    from memd.importers.messenger import unmangle

    assert unmangle(_mangle("Conceição ❤️ 日本")) == "Conceição ❤️ 日本"
    assert unmangle("Conceição") == "Conceição"  # latin-1 text that is not UTF-8 bytes: kept
    assert unmangle("日本") == "日本"  # past U+00FF: cannot be mangled, kept
    assert unmangle("plain") == "plain"


def test_messenger_end_to_end_encrypted_export(tmp_path):
    path = tmp_path / "bruno_1.json"
    path.write_text(json.dumps({"participants": ["Ana", "Bruno"], "threadName": "Bruno", "messages": [
        {"isUnsent": False, "media": [], "reactions": [], "senderName": "Bruno", "text": "Olá", "timestamp": 1712134800000,
         "type": "text"},
        {"isUnsent": False, "media": [{"uri": "./media/x.jpg"}], "reactions": [], "senderName": "Ana", "text": "",
         "timestamp": 1712138400000, "type": "media"}]}))
    [conv], _ = parse("messenger", path, me="Ana")
    assert conv.title == "Bruno" and [t.text for t in conv.turns] == ["Olá", "[attachment: x.jpg]"]


def test_group_chat_titled_by_its_name(tmp_path):
    [conv], _ = parse("whatsapp", fixture_path("chatlogs", "whatsapp", "chat-miner_test_ddmmyy_24hrs.txt"))
    assert conv.title == "Groupname"  # `+12 345 578 created group "Groupname"`
    assert conv.source_id == "chat-miner_test_ddmmyy_24hrs"  # identity stays the file's
    renamed = tmp_path / "WhatsApp Chat with Family.txt"
    renamed.write_text('01/02/24, 10:00 - Ana created group "Family"\n01/02/24, 10:01 - Ana: hi\n'
                       '02/02/24, 10:00 - Bruno changed the subject from "Family" to "Família Silva"\n'
                       '03/02/24, 10:00 - Bruno: I created group "nonsense" in my head\n')
    [conv], _ = parse("whatsapp", renamed)
    assert conv.title == "Família Silva" and conv.source_id == "family"
    ios = tmp_path / "_chat.txt"
    ios.write_text("[01/02/24, 10:00:00] Os Primos: \u200eMessages and calls are end-to-end encrypted.\n"
                   "[01/02/24, 10:00:05] Ana: olá\n")
    [conv], _ = parse("whatsapp", ios)
    assert conv.title == "Os Primos"
    direct = tmp_path / "WhatsApp Chat with Bruno.txt"
    direct.write_text("01/02/24, 10:01 - Ana: hi\n01/02/24, 10:02 - Bruno: hello\n")
    [conv], _ = parse("whatsapp", direct)
    assert conv.title == "Bruno"


def test_monthly_notes_list_that_months_speakers(memd, tmp_path, vault):
    chat = tmp_path / "WhatsApp Chat with Trip.txt"
    chat.write_text("28/01/24, 10:00 - Ana: January, Ana\n29/01/24, 10:00 - Bruno: January, Bruno\n"
                    "02/02/24, 10:00 - Carla: February, Carla\n03/02/24, 10:00 - Ana: February, Ana\n")
    code, _, err = memd("import", "chat", str(chat), "--me", "Ana", "--no-extract")
    assert code == 0, err
    notes = {p.name: p.read_text() for p in (vault / "memory-sources" / "whatsapp").glob("*.md")}
    jan = next(t for n, t in notes.items() if "(2024-01)" in n)
    feb = next(t for n, t in notes.items() if "(2024-02)" in n)
    jan_people = jan.split("participants:")[1].split("---")[0]
    feb_people = feb.split("participants:")[1].split("---")[0]
    assert "Bruno" in jan_people and "Carla" not in jan_people
    assert "Carla" in feb_people and "Bruno" not in feb_people
    assert "updated: '2024-01-29T10:00:00Z'" in jan and "updated: '2024-02-03T10:00:00Z'" in feb


def test_updated_is_the_latest_turns_time(tmp_path):
    chat = tmp_path / "clock.txt"
    # The phone's clock was set back mid-chat: the last line is not the latest time.
    chat.write_text("10/03/24, 10:00 - Ana: first\n20/03/24, 10:00 - Bruno: latest\n15/03/24, 10:00 - Ana: clock back\n")
    [conv], _ = parse("whatsapp", chat)
    assert conv.updated == datetime(2024, 3, 20, 10, tzinfo=timezone.utc)
    assert conv.created == datetime(2024, 3, 10, 10, tzinfo=timezone.utc)


def test_socket_import_start_takes_date_order(app, tmp_path):
    from memd import api
    from memd.errors import ParamsError

    chat = tmp_path / "amb.txt"
    chat.write_text(AMBIGUOUS)
    report = api.call(app, "import.start", {"path": str(chat), "format": "whatsapp", "me": "Ana", "dry_run": True,
                                            "date_order": "mdy"})
    assert report["survey"]["first"].startswith("2024-03-04")
    with pytest.raises(ParamsError, match="date_order must be dmy or mdy"):
        api.call(app, "import.start", {"path": str(chat), "date_order": "ymd"})
