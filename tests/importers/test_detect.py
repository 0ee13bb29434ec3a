"""`--format auto` and the registry."""

import json
import shutil

import pytest
from memd.importers import registry
from memd.importers.detect import detect
from memd.importers.safezip import open_source

from memd.errors import InputFormatError

SAMPLES = [
    (("chatgpt", "chatgpt2graph_conversations.json"), "chatgpt"),
    (("chatgpt", "ruby02_2026_sharded_excerpt"), "chatgpt"),
    (("claude", "yaleman_anthropic-data"), "claude"),
    (("claude", "yaleman_anthropic-data", "conversations.json"), "claude"),
    (("chatlogs", "whatsapp", "chat-miner_test_ddmmyy_24hrs.txt"), "whatsapp"),
    (("chatlogs", "whatsapp", "chat-miner_test_[mmddyy]_24hrs.txt"), "whatsapp"),
    (("chatlogs", "whatsapp", "chat-miner_test_mmddyyyy_12hrs.txt"), "whatsapp"),
    (("chatlogs", "whatsapp", "chat-miner_test_yyyymmdd_24hrs.txt"), "whatsapp"),
    (("chatlogs", "whatsapp", "whatstk_lorem.txt"), "whatsapp"),
    (("chatlogs", "telegram", "chat-miner_test_single_export.json"), "telegram"),
    (("chatlogs", "telegram", "chat-miner_test_batch_export.json"), "telegram"),
    (("chatlogs", "discordchatexporter", "chat-analytics_GC_3A_5M.json"), "discord"),
    (("chatlogs", "slack", "slack-export-viewer_testarchive.zip"), "slack"),
    (("chatlogs", "openai_messages_jsonl", "toy_chat_fine_tuning.first4lines.jsonl"), "openai_jsonl"),
    (("chatlogs", "sharegpt", "fastchat_dummy_conversation.first3.json"), "sharegpt"),
    (("chatlogs", "locomo", "locomo10_sample0_sessions1-2.excerpt.json"), "locomo"),
]


@pytest.mark.parametrize("parts, expected", SAMPLES, ids=[p[-1] for p, _ in SAMPLES])
def test_detects_every_real_sample(sample, parts, expected):
    assert detect(sample(*parts)) == expected


def test_detects_inside_zips_and_accepts_an_open_source(sample, tmp_path, make_zip):
    chat = sample("chatlogs", "whatsapp", "whatstk_lorem.txt").read_bytes()
    zpath = make_zip(tmp_path / "WhatsApp Chat - Lorem.zip", {"_chat.txt": chat, "IMG-1.jpg": b"\xff\xd8"})
    assert detect(zpath) == "whatsapp"
    with open_source(zpath) as src:
        assert detect(src) == "whatsapp"
    run = registry.parse("auto", zpath)
    [conv] = list(run)
    assert conv.title == "Lorem" and len(conv.turns) == 500


def test_unrecognised(tmp_path, sample, one_line):
    (tmp_path / "notes.json").write_text(json.dumps({"hello": "world"}))
    with pytest.raises(InputFormatError) as err:
        detect(tmp_path / "notes.json")
    # Only values `--format` really takes (CLI spelling), and the two commands of their own.
    assert one_line(err.value).startswith(
        "notes.json: unrecognised export format (give `memd import chat --format` one of: slack, discord,")
    assert "openai-jsonl" in str(err.value) and "openai_jsonl" not in str(err.value)
    assert "`memd import chatgpt` / `memd import claude`" in str(err.value)
    # The redacted 2023 sample is not valid JSON: auto-detection does not guess.
    with pytest.raises(InputFormatError):
        detect(sample("chatgpt", "everything-chatgpt_redacted"))


def test_claude_and_chatgpt_folders_are_told_apart(sample, tmp_path):
    gpt = tmp_path / "gpt"
    gpt.mkdir()
    shutil.copy(sample("chatgpt", "chatgpt2graph_conversations.json"), gpt / "conversations.json")
    ant = tmp_path / "ant"
    ant.mkdir()
    shutil.copy(sample("claude", "yaleman_anthropic-data", "conversations.json"), ant / "conversations.json")
    assert (detect(gpt), detect(ant)) == ("chatgpt", "claude")


def test_registry_lists_parsers_with_the_common_interface():
    assert registry.names()[:2] == ["chatgpt", "claude"]
    for fmt in registry.formats():
        module = fmt.load()
        assert callable(module.parse) and callable(module.sniff), fmt.name
        assert fmt.kind in ("assistant", "chat", "dataset")
