"""Dates that are true: a relative date resolves against the turn's own time, an undated turn
takes its conversation's date, and without either the fact has no date (never the import day).
Imports go through the real importers and pipeline into a real vault."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from memd.extract.loop import ExtractionLoop
from memd.extract.rules import RulesBackend
from memd.extract.tools import Turn
from memd.importers.pipeline import ImportRequest, run_import


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp()


def _user_md(app) -> str:
    """user.md's facts, without the ↗ source links (they name the transcript, and its date)."""
    from memd.vault.provenance import strip

    path = app.config.vault / app.user_path
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return "".join(strip(line) + "\n" for line in text.splitlines())


def _chatgpt(tmp_path, texts, *, conv_time: str | None, msg_time: str | None):
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"
    for i, text in enumerate(texts):
        nid = f"n{i}"
        mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
            "id": nid, "author": {"role": "user"}, "create_time": _epoch(msg_time) if msg_time else None,
            "content": {"content_type": "text", "parts": [text]}, "metadata": {}, "weight": 1.0}}
        mapping[parent]["children"].append(nid)
        parent = nid
    conv = {"id": "c1", "conversation_id": "c1", "title": "Dates", "mapping": mapping, "current_node": parent,
            "create_time": _epoch(conv_time) if conv_time else None,
            "update_time": _epoch(conv_time) if conv_time else None}
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(json.dumps([conv]), encoding="utf-8")
    return folder


def test_undated_openai_jsonl_gets_no_date_not_the_import_day(app, tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "I lost my tennis match today."},
                                             {"role": "assistant", "content": "Sorry to hear that."}]}) + "\n",
                    encoding="utf-8")
    run_import(app, ImportRequest(path=str(path), format="openai_jsonl"), parallel=False)
    text = _user_md(app)
    assert "lost my tennis match" in text
    today = datetime.now(timezone.utc).date()
    assert today.isoformat() not in text and today.strftime("%Y-%m") not in text
    assert not re.search(r"\d{4}-\d{2}(?:-\d{2})?: lost my tennis match", text)


def test_undated_turn_takes_its_conversations_date(app, tmp_path):
    folder = _chatgpt(tmp_path, ["I lost my tennis match yesterday."], conv_time="2023-05-08T10:00:00", msg_time=None)
    run_import(app, ImportRequest(path=str(folder), format="chatgpt"), parallel=False)
    assert "2023-05-07: lost my tennis match" in _user_md(app)


def test_turn_time_wins_over_the_conversations(app, tmp_path):
    folder = _chatgpt(tmp_path, ["I'm planning a trip to Lisbon on October 12th.", "I sold my car last week."],
                      conv_time="2020-01-01T10:00:00", msg_time="2024-03-10T09:00:00")
    run_import(app, ImportRequest(path=str(folder), format="chatgpt"), parallel=False)
    text = _user_md(app)
    assert "2024-10-12: trip to Lisbon" in text  # a plan keeps its date
    assert "2024-02: sold my car" in text  # the week before Sunday 10 March 2024 (its Thursday: 29 Feb)
    assert "-W" not in text and "2020" not in text


def test_live_turn_without_time_is_dated_when_it_arrives(app):
    clock = lambda: datetime(2025, 6, 14, 12, 0, tzinfo=timezone.utc)  # noqa: E731
    loop = ExtractionLoop(app, RulesBackend(), source_kind="ingest", clock=clock)
    loop.process(Turn(stream="live", role="user", text="I lost my tennis match today.", turn_id="1"))
    assert "2025-06-14: lost my tennis match" in _user_md(app)


def test_import_loop_without_any_time_resolves_nothing(app):
    clock = lambda: datetime(2025, 6, 14, 12, 0, tzinfo=timezone.utc)  # noqa: E731
    loop = ExtractionLoop(app, RulesBackend(), source_kind="import:openai_jsonl", clock=clock)
    loop.process(Turn(stream="imp", role="user", text="I started a new job yesterday.", turn_id="1"))
    text = _user_md(app)
    assert "started a new job" in text and "2025" not in text
