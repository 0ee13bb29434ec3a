"""Import errors a new user meets first, through the real CLI entry point (in process, real
files, real vault): the wrong command for an export, unknown formats, non-UTF-8 text, empty files."""

from __future__ import annotations

import json

import pytest

from support import fixture_path


@pytest.fixture
def memd(tmp_path, vault, monkeypatch, capsys):
    """Run `memd ARGS` in process: (exit status, stdout, stderr)."""
    from memd.cli import main

    cfg = tmp_path / "cfg.toml"
    monkeypatch.setenv("MEMD_CONFIG", str(cfg))
    assert main(["init", str(vault), "--json"]) == 0
    capsys.readouterr()

    def call(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def _vault_files(vault):
    return sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*") if p.is_file())


def test_claude_export_given_to_chatgpt_and_the_reverse(memd, vault):
    before = _vault_files(vault)
    claude = fixture_path("claude", "yaleman_anthropic-data", "conversations.json")
    code, out, err = memd("import", "chatgpt", str(claude))
    assert code == 1 and out == ""
    assert err.strip() == ("memd: error: conversations.json: this is a Claude.ai data export, not a ChatGPT data"
                           " export (use `memd import claude PATH`)")
    code, _, err = memd("import", "chatgpt", str(claude.parent))  # the export's folder
    assert code == 1 and "use `memd import claude PATH`" in err
    chatgpt = fixture_path("chatgpt", "chatgpt2graph_conversations.json")
    code, _, err = memd("import", "claude", str(chatgpt), "--json")
    assert code == 1
    error = json.loads(err)["error"]
    assert error["message"] == ("chatgpt2graph_conversations.json: this is a ChatGPT data export, not a Claude.ai"
                                " data export") and error["hint"] == "use `memd import chatgpt PATH`"
    # A chat log given to the wrong --format names the right one, in its command-line spelling.
    jsonl = fixture_path("chatlogs", "openai_messages_jsonl", "toy_chat_fine_tuning.first4lines.jsonl")
    code, _, err = memd("import", "chat", "--format", "whatsapp", str(jsonl))
    assert code == 1 and "use `memd import chat --format openai-jsonl PATH`" in err
    assert _vault_files(vault) == before, "a refused import wrote something"


def test_unrecognised_format_hint_lists_real_format_values(memd, tmp_path):
    from memd.cli import cli

    choices = next(p for p in cli.commands["import"].commands["chat"].params if p.name == "fmt").type.choices
    other = tmp_path / "notes.json"
    other.write_text('{"hello": "world"}')
    code, _, err = memd("import", "chat", str(other))
    assert code == 1 and len(err.strip().splitlines()) == 1
    listed = err.split("--format` one of: ")[1].split(";")[0].split(", ")
    assert set(listed) == set(choices) - {"auto"}, "the hint must list exactly what --format accepts"
    for value in listed:  # each one really works as a --format value (click accepts it)
        code, _, err2 = memd("import", "chat", "--format", value, str(tmp_path / "missing.json"))
        assert code == 1 and "Invalid value" not in err2 and "no such file" in err2
    assert "`memd import chatgpt` / `memd import claude`" in err


def test_invalid_utf8_is_reported_as_such_under_auto(memd, tmp_path):
    latin1 = tmp_path / "chat.txt"
    latin1.write_bytes("12/03/2024, 10:00 - Ana: olá, tudo bem?\n".encode("latin-1"))
    code, _, err = memd("import", "chat", str(latin1))
    assert code == 1
    assert err.strip() == ("memd: error: chat.txt: not valid UTF-8 text (byte 0xe1 at offset 27);"
                           " memd reads UTF-8 exports (re-save it as UTF-8)")
    utf16 = tmp_path / "chat16.txt"
    utf16.write_bytes("12/03/2024, 10:00 - Ana: olá\n".encode("utf-16"))
    code, _, err = memd("import", "chat", "--format", "auto", str(utf16))
    assert code == 1 and "chat16.txt: the file is UTF-16 text; memd reads UTF-8" in err


def test_detect_does_not_call_a_cut_character_invalid(tmp_path):
    from memd.importers.detect import HEAD_BYTES, _refuse_non_utf8
    from memd.importers.safezip import open_source

    f = tmp_path / "long.txt"
    f.write_bytes(b"a" * (HEAD_BYTES - 1) + "é".encode() + b"rest")  # 'é' straddles the read size
    with open_source(f) as source:
        _refuse_non_utf8(source)  # no error


IMPORTERS = [["chatgpt"], ["claude"], ["chat"]] + [
    ["chat", "--format", v] for v in ("whatsapp", "telegram", "discord", "slack", "openai-jsonl", "sharegpt", "locomo")]


def test_an_empty_file_gets_the_same_message_from_every_importer(memd, tmp_path):
    empty = tmp_path / "export.json"
    empty.write_bytes(b"")
    messages = set()
    for args in IMPORTERS:
        code, out, err = memd("import", *args, str(empty))
        assert code == 1 and out == "", args
        messages.add(err.strip())
    assert messages == {"memd: error: export.json: the file is empty"}
