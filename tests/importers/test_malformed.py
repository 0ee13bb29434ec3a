"""The malformed-input corpus, run through every registered format: each bad input is refused
with an InputFormatError of one line (no traceback, no partial parse left open)."""

import io
import json
import zipfile

import pytest
from memd.importers import registry
from memd.importers.report import collect

from memd.errors import InputFormatError

FORMATS = registry.names()

# For each format: (file name, a valid-looking start that breaks off, invalid UTF-8 content).
BROKEN = {
    "chatgpt": ("conversations.json", b'[{"title": "x", "mapping": {', b'[{"title": "caf\xe9", "mapping": {}}]'),
    "claude": ("conversations.json", b'[{"uuid": "x", "chat_messages": [', b'[{"uuid": "\xff\xfe"}]'),
    "slack": ("channels.json", b'[{"id": "C1", "name": ', b'[{"id": "C1", "name": "\xff"}]'),
    "discord": ("c.json", b'{"guild": {}, "channel": {"id": "1"}, "messages": [{"id": ]}',
                b'{"guild": {}, "channel": {"id": "1"}, "messages": [{"content": "\xff"}]}'),
    "telegram": ("result.json", b'{"name": "x", "messages": [{"type": "message", "text": ',
                 b'{"name": "x", "messages": [{"type": "message", "text": "\xc3\x28"}]}'),
    "whatsapp": ("_chat.txt", None, b"31/12/20, 23:59 - Ana: caf\xe9\n"),
    "messenger": ("message_1.json", b'{"participants": [], "messages": [{"sender_name": ',
                  b'{"participants": [], "messages": [{"sender_name": "\xff", "timestamp_ms": 1}]}'),
    "signal": ("chat.md", None, b"[2024-02-01 10:00] Ana: caf\xe9\n"),
    "locomo": ("locomo.json", b'[{"sample_id": "s", "conversation": {', b'[{"sample_id": "\xff"}]'),
    "sharegpt": ("data.json", b'[{"id": "x", "conversations": [{"from": ', b'[{"id": "\xff", "conversations": []}]'),
    "openai_jsonl": ("data.jsonl", b'{"messages": [\n{"messages": \n', b'{"messages": [{"role": "user", "content": "\xff"}]}\n'),
}


def refused(fmt, path, one_line, **options):
    with pytest.raises(InputFormatError) as err:
        collect(registry.get(fmt).parse(path, **options))
    return one_line(err.value)


def zipped(tmp_path, members, name="export.zip"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_not_a_zip(tmp_path, one_line, fmt):
    path = tmp_path / "export.zip"
    path.write_bytes(b"<html>Download expired</html>")
    assert refused(fmt, path, one_line) == "export.zip: not a zip file"


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_zip(tmp_path, one_line, fmt):
    name = BROKEN[fmt][0]
    good = zipped(tmp_path, {name: b"[]" + b" " * 50_000, "other.json": b"{}"}, "good.zip")
    path = tmp_path / "export.zip"
    path.write_bytes(good.read_bytes()[:-200])
    assert refused(fmt, path, one_line) == "export.zip: truncated or corrupt zip file"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("evil", ["../../.bashrc", "/etc/cron.d/x", "C:\\Users\\x.json"])
def test_escaping_members(tmp_path, one_line, fmt, evil):
    path = zipped(tmp_path, {BROKEN[fmt][0]: b"[]", evil: b"x"})
    message = refused(fmt, path, one_line)
    assert message.startswith("export.zip: refused, member")


# How each format's main file starts, so that the parser goes on to stream the bomb after it.
BOMB_PREFIX = {
    "discord": b'{"guild": {}, "channel": {"id": "1"}, "messages": [',
    "telegram": b'{"name": "x", "messages": [',
    "whatsapp": b"",
    "signal": b"",
    "openai_jsonl": b"",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_zip_bomb(tmp_path, one_line, fmt):
    name = BROKEN[fmt][0]
    big = BOMB_PREFIX.get(fmt, b"[") + b" " * (48 << 20)
    path = zipped(tmp_path, {name: big})
    assert path.stat().st_size < 200_000
    assert "zip bomb" in refused(fmt, path, one_line)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_zip(tmp_path, one_line, fmt):
    path = zipped(tmp_path, {})
    assert refused(fmt, path, one_line).startswith("export.zip: ")


@pytest.mark.parametrize("fmt", [f for f in FORMATS if BROKEN[f][1] is not None])
def test_invalid_json(tmp_path, one_line, fmt):
    name, broken, _ = BROKEN[fmt]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / name).write_bytes(broken)
    if fmt == "slack":
        (folder / "C1").mkdir()
    message = refused(fmt, folder, one_line)
    assert "invalid JSON" in message or "no line is an OpenAI messages record" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_utf8(tmp_path, one_line, fmt):
    name, _, bad = BROKEN[fmt]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / name).write_bytes(bad)
    message = refused(fmt, folder, one_line)
    assert "UTF-8" in message or "UTF8" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_format(sample, one_line, fmt):
    # A real export of another kind: ChatGPT's for everyone, Claude's for the ChatGPT parser.
    other = sample("claude", "yaleman_anthropic-data", "conversations.json") if fmt == "chatgpt" else \
        sample("chatgpt", "chatgpt2graph_conversations.json")
    message = refused(fmt, other, one_line)
    assert message.startswith("conversations.json") or message.startswith("chatgpt2graph_conversations.json")


def test_whatsapp_chat_given_to_json_formats(sample, one_line):
    chat = sample("chatlogs", "whatsapp", "chat-miner_test_ddmmyy_24hrs.txt")
    for fmt in FORMATS:
        if fmt != "whatsapp":
            refused(fmt, chat, one_line)


def test_nested_zip_is_read_through(tmp_path, sample):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("conversations.json", sample("chatgpt", "chatgpt2graph_conversations.json").read_bytes())
    path = zipped(tmp_path, {"chatgpt-export.zip": inner.getvalue()})
    convs, _ = collect(registry.parse("auto", path))
    assert [len(c.turns) for c in convs] == [42]


def test_unknown_format_name(one_line, tmp_path):
    with pytest.raises(InputFormatError) as err:
        registry.get("myspace")
    assert one_line(err.value).startswith("unknown format 'myspace' (known: chatgpt, claude")


def test_broken_json_stays_one_line_even_with_long_values(tmp_path, one_line):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text('[{"title": "' + "x\\n" * 5000 + '", oops}]')
    message = refused("chatgpt", folder, one_line)
    assert len(message) < 400
    json.dumps(message)
