"""Claude export parsing: the real July 2025 export, branches, split files, documents."""

import json
import shutil
from datetime import datetime, timezone

import pytest
from memd.importers import claude
from memd.importers.report import collect

from memd.errors import InputFormatError


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_real_export_text_blocks_only(sample):
    folder = sample("claude", "yaleman_anthropic-data")
    convs, report = collect(claude.parse(folder))
    assert report.failures == [] and report.warnings == []
    assert [(c.source_id, c.kind) for c in convs] == [
        ("b49c0fc0-85d8-475c-bd2d-ee89f31f592c", "chat"),
        ("memories-a55a05c0-c560-4854-b7b3-f939c32e2078", "document"),
    ]  # the starter project is skipped by default
    chat = convs[0]
    assert chat.title == "Bleep bloop"
    assert chat.created == utc(2025, 7, 6, 3, 10, 13, 76141)
    assert chat.updated == utc(2025, 7, 6, 3, 10, 27, 139200)
    assert chat.participants == ["test_user_1", "Claude"]  # from users.json
    assert [(t.role, t.author) for t in chat.turns] == [("user", "test_user_1"), ("assistant", "Claude")]
    answer = chat.turns[1]
    assert answer.text.startswith("Dog saliva does contain some antibacterial compounds")
    assert answer.text.endswith("It's mostly just spit full of germs.")
    # message.text starts with the hidden thinking; none of it may leak into the turn.
    assert "The user is asking about" not in answer.text
    assert answer.time == utc(2025, 7, 6, 3, 10, 24, 798798)
    memory = convs[1]
    assert [(t.kind, t.text) for t in memory.turns] == [("memory", "This is some nonsense")]


def test_starter_project_on_request(sample):
    convs, _ = collect(claude.parse(sample("claude", "yaleman_anthropic-data"), include_starter_projects=True))
    project = convs[-1]
    assert project.source_id == "project-0197b0fe-90c6-74a5-9da9-aa92c7e1f841"
    assert project.kind == "document" and project.title == "How to use Claude"
    assert [(t.id, t.kind) for t in project.turns] == [
        ("description", "description"), ("doc:3860d26f-c378-4084-9512-c86fa5a07dd3", "document")]
    assert project.turns[1].meta["title"] == "Claude prompting guide.md"
    assert project.turns[1].text.startswith("# Claude prompting guide")


def test_single_conversations_file_in_a_zip(sample, tmp_path, make_zip):
    src = sample("claude", "yaleman_anthropic-data", "conversations.json")
    zpath = make_zip(tmp_path / "data-2025.zip", {"data-2025-07-06/conversations.json": src.read_bytes()})
    convs, _ = collect(claude.parse(zpath))
    assert [len(c.turns) for c in convs] == [2]
    assert convs[0].participants == ["User", "Claude"]  # no users.json here


def msg(uuid, sender, text, t, parent=None, blocks=True, **extra):
    m = {"uuid": uuid, "sender": sender, "created_at": f"2025-07-06T03:{t:02d}:00Z", "text": "THINKING" + text,
         "attachments": [], "files": []}
    if blocks:
        m["content"] = [{"type": "thinking", "thinking": "THINKING"}, {"type": "text", "text": text}]
    if parent is not None:
        m["parent_message_uuid"] = parent
    m.update(extra)
    return m


ROOT = "00000000-0000-4000-8000-000000000000"


def conv(uuid, messages, **extra):
    return {"uuid": uuid, "name": f"chat {uuid}", "created_at": "2025-07-06T03:00:00Z",
            "updated_at": "2025-07-06T04:00:00Z", "account": {"uuid": "acc"}, "chat_messages": messages, **extra}


def test_branches_newest_leaf_and_all_branches(tmp_path):
    messages = [
        msg("h1", "human", "first question", 1, ROOT),
        msg("a1", "assistant", "first answer", 2, "h1"),
        msg("h2", "human", "edited follow-up", 5, "a1"),
        msg("a2", "assistant", "answer to edit", 6, "h2"),
        msg("h2old", "human", "original follow-up", 3, "a1"),
        msg("a2old", "assistant", "answer to original", 4, "h2old"),
    ]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(json.dumps([conv("c1", messages)]))
    [c], _ = collect(claude.parse(folder))
    assert [t.id for t in c.turns] == ["h1", "a1", "h2", "a2"]
    assert "THINKING" not in " ".join(t.text for t in c.turns)
    [c], _ = collect(claude.parse(folder, all_branches=True))
    assert [(t.id, t.branch, t.meta.get("fork")) for t in c.turns] == [
        ("h1", None, None), ("a1", None, None), ("h2", None, None), ("a2", None, None),
        ("h2old", "h2old", "a1"), ("a2old", "h2old", "a1")]


def test_current_leaf_wins_over_newest(tmp_path):
    messages = [msg("h1", "human", "q", 1, ROOT), msg("a1", "assistant", "old", 2, "h1"),
                msg("a1b", "assistant", "new", 3, "h1")]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(json.dumps([conv("c1", messages, current_leaf_message_uuid="a1")]))
    [c], _ = collect(claude.parse(folder))
    assert [t.text for t in c.turns] == ["q", "old"]


def test_split_export_older_messages_and_attachments(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    old_style = [msg("h1", "human", "plain text only", 1, blocks=False), msg("a1", "assistant", "ok", 2, blocks=False)]
    with_files = [msg("h1", "human", "see file", 1, attachments=[{"file_name": "cv.pdf", "extracted_content": "..."}],
                      files=[{"file_name": "photo.png"}])]
    (folder / "conversations.json").write_text(json.dumps([conv("c1", old_style)]))
    (folder / "conversations-2.json").write_text(json.dumps([conv("c2", with_files)]))
    (folder / "users.json").write_text(json.dumps([{"uuid": "acc", "full_name": "Ana Silva"}]))
    convs, _ = collect(claude.parse(folder))
    assert [c.source_id for c in convs] == ["c1", "c2"]
    # Without content blocks, message.text is all there is.
    assert [t.text for t in convs[0].turns] == ["THINKINGplain text only", "THINKINGok"]
    assert convs[1].turns[0].text == "see file\n[attachment: cv.pdf]\n[file: photo.png]"
    assert convs[1].turns[0].author == "Ana Silva"


def test_memories_with_project_memories(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text("[]")
    (folder / "projects.json").write_text(json.dumps([{"uuid": "p1", "name": "Garden", "description": "",
                                                       "prompt_template": "Be brief.", "docs": []}]))
    (folder / "memories.json").write_text(json.dumps([{"conversations_memory": "Ana lives in Porto.",
                                                       "project_memories": {"p1": "Grows tomatoes."},
                                                       "account_uuid": "acc"}]))
    with pytest.raises(InputFormatError):
        # An empty conversations.json is an empty export, even beside documents.
        collect(claude.parse(folder))
    (folder / "conversations.json").unlink()
    convs, _ = collect(claude.parse(folder))
    memory, project = convs
    assert [(t.id, t.meta["title"]) for t in memory.turns] == [
        ("conversations_memory", "Memory from conversations"), ("project:p1", "Memory from project Garden")]
    assert [(t.kind, t.text) for t in project.turns] == [("instructions", "Be brief.")]


def test_broken_conversation_is_skipped(tmp_path, one_line):
    folder = tmp_path / "export"
    folder.mkdir()
    good = conv("ok", [msg("h1", "human", "hi", 1)])
    (folder / "conversations.json").write_text(json.dumps([{"uuid": "bad"}, good]))
    convs, report = collect(claude.parse(folder))
    assert [c.source_id for c in convs] == ["ok"]
    assert [f.where for f in report.failures] == ["bad"]
    (folder / "conversations.json").write_text(json.dumps([{"uuid": "bad"}]))
    with pytest.raises(InputFormatError) as err:
        collect(claude.parse(folder))
    assert "no usable Claude conversations" in one_line(err.value)


def test_not_a_claude_export(tmp_path, sample, one_line):
    folder = tmp_path / "x"
    folder.mkdir()
    shutil.copy(sample("chatgpt", "chatgpt2graph_conversations.json"), folder / "notes.json")
    with pytest.raises(InputFormatError) as err:
        collect(claude.parse(folder))
    assert "no conversations.json found" in one_line(err.value)
