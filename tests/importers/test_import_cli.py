"""`memd import` as a user runs it: a real process on a real vault. Every real sample imports
end to end; bad input is one error line, a non-zero exit and a byte-identical vault; a kill -9
in the middle of an import is finished by the next run with no duplicates."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

MEMD = [sys.executable, "-m", "memd"]
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
T0 = 1714550400.0  # 2024-05-01T08:00:00Z
DAY = 86400.0


def run(env, *args, timeout=120):
    return subprocess.run(MEMD + [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout)


def sample(*parts: str) -> Path:
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture not available: {path}")
    return path


def make_env(tmp_path: Path, vault: Path, name: str = "cfg") -> dict[str, str]:
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / name / "config.toml"), COLUMNS="200", TZ="UTC")
    env.pop("FORCE_COLOR", None)
    r = run(env, "init", vault, "--create", "--json")
    assert r.returncode == 0, r.stderr
    cfg = Path(env["MEMD_CONFIG"])
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\nfsync = false\n")
    return env


@pytest.fixture
def env(tmp_path, vault):
    return make_env(tmp_path, vault)


def snapshot(vault: Path) -> dict[str, bytes]:
    return {p.relative_to(vault).as_posix(): p.read_bytes() for p in sorted(vault.rglob("*")) if p.is_file()}


def transcripts(vault: Path) -> dict[str, int]:
    """note path under memory-sources -> number of turns (block ids) in it."""
    root = vault / "memory-sources"
    return {p.relative_to(root).as_posix(): len(re.findall(r"^\^t[0-9a-f]+", p.read_text(encoding="utf-8"), re.M))
            for p in sorted(root.rglob("*.md"))} if root.exists() else {}


def conversation(cid, title, turns, *, created=T0):
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"
    for i, (role, text) in enumerate(turns):
        nid = f"{cid}-n{i}"
        mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
            "id": nid, "author": {"role": role}, "create_time": created + 60 * i,
            "content": {"content_type": "text", "parts": [text]}, "metadata": {}, "weight": 1.0, "recipient": "all"}}
        mapping[parent]["children"].append(nid)
        parent = nid
    return {"id": cid, "conversation_id": cid, "title": title, "create_time": created,
            "update_time": created + 60 * len(turns), "mapping": mapping, "current_node": parent}


def qa(*questions):
    out = []
    for q in questions:
        out += [("user", q), ("assistant", "A long and careful answer.")]
    return out


def export_zip(path: Path, convs, name="conversations.json") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"Export/{name}", json.dumps(convs))
        zf.writestr("__MACOSX/Export/._conversations.json", b"\x00\x05\x16\x07")
    return path


PERSONAL = ["I live in Lisbon.", "I work at Acme Corp as a data engineer.", "My sister Anna is a nurse.",
            "I have a dog named Miso.", "I'm allergic to peanuts.", "I moved to Porto.", "I'm vegetarian."]


def generated(n: int) -> list:
    """n conversations, newest first, mostly questions, a personal statement every few."""
    convs = []
    for i in range(n):
        questions = [f"How do I fix error {i}-{k} in my build?" for k in range(3)]
        if i % 5 == 0:
            questions[1] = PERSONAL[(i // 5) % len(PERSONAL)]
        convs.append(conversation(f"conv-{i:04d}", f"Build error {i % 7}", qa(*questions), created=T0 + i * 3600))
    return convs[::-1]


# --- every real sample, end to end --------------------------------------------------------------
def _sharded_excerpt(tmp_path: Path) -> Path:
    base = sample("chatgpt", "ruby02_2026_sharded_excerpt")
    export = tmp_path / "export" / "chatgpt-2026"
    export.mkdir(parents=True)
    for src, dst in (("export_manifest.excerpt.json", "export_manifest.json"),
                     ("conversations-000.excerpt.json", "conversations-000.json"),
                     ("conversation_asset_file_names.excerpt.json", "conversation_asset_file_names.json")):
        shutil.copy(base / src, export / dst)
    return tmp_path / "export"


W = "chatlogs/whatsapp/"
SAMPLES = [
    # (command, sample path, options, {note: turns}, failures)
    ("chatgpt", "chatgpt/chatgpt2graph_conversations.json", [],
     {"chatgpt/2023-09-21 Average Distance in U(0,1).md": 42}, 0),
    ("chatgpt", "sharded", [], {"chatgpt/2024-03-18 Saree Shop Internship.md": 2}, 2),  # two shards missing
    ("claude", "claude/yaleman_anthropic-data", [],
     {"claude/2025-07-06 Bleep bloop.md": 2, "claude/undated Claude memory.md": 1}, 0),
    # One note per month, titled by the group's name the log states ('created group "Groupname"').
    *[("chat", W + name, ["--me", "John Doe"],
       {"whatsapp/2019-01-01 Groupname (2019-01).md": 3, "whatsapp/2020-06-10 Groupname (2020-06).md": 3,
        "whatsapp/2021-12-10 Groupname (2021-12).md": 3}, 0)
      for name in (
          "chat-miner_test_ddmmyy_24hrs.txt", "chat-miner_test_mmddyy_24hrs.txt", "chat-miner_test_[mmddyy]_24hrs.txt",
          "chat-miner_test_mmddyyyy_12hrs.txt", "chat-miner_test_yyyymmdd_24hrs.txt")],
    ("chat", W + "whatstk_lorem.txt", ["--format", "whatsapp", "--me", "Mary"],
     {"whatsapp/2020-01-15 whatstk_lorem (2020-01).md": 48, "whatsapp/2020-02-01 whatstk_lorem (2020-02).md": 216,
      "whatsapp/2020-03-01 whatstk_lorem (2020-03).md": 89, "whatsapp/2020-04-09 whatstk_lorem (2020-04).md": 70,
      "whatsapp/2020-05-01 whatstk_lorem (2020-05).md": 77}, 0),
    ("chat", "chatlogs/telegram/chat-miner_test_single_export.json", ["--format", "telegram", "--me", "Author 2"],
     {"telegram/2018-12-05 chat-miner_test_single_export.md": 2}, 0),
    ("chat", "chatlogs/telegram/chat-miner_test_batch_export.json", ["--me", "Author 2"],
     {"telegram/2018-12-05 Chatname.md": 2}, 0),
    ("chat", "chatlogs/discordchatexporter/chat-analytics_GC_3A_5M.json", ["--format", "discord"],
     {"discord/2023-01-17 a group chat (2023-01).md": 5, "discord/2023-03-03 a group chat (2023-03).md": 1}, 0),
    ("chat", "chatlogs/slack/slack-export-viewer_testarchive.zip", ["--format", "slack", "--me", "hamza"],
     {"slack/2016-01-15 enrique (2016-01).md": 14, "slack/2016-02-07 enrique (2016-02).md": 29,
      "slack/2016-03-17 enrique (2016-03).md": 59, "slack/2016-01-17 traveling-sailor (2016-01).md": 5,
      "slack/2016-02-08 traveling-sailor (2016-02).md": 17, "slack/2016-03-25 traveling-sailor (2016-03).md": 34}, 0),
    ("chat", "chatlogs/openai_messages_jsonl/toy_chat_fine_tuning.first4lines.jsonl", ["--format", "openai-jsonl"],
     {"openai_jsonl/undated I fell off my bike today.md": 3, "openai_jsonl/undated I lost my tennis match today.md": 9,
      "openai_jsonl/undated I lost my book today.md": 2, "openai_jsonl/undated Conversation 8d855512.md": 2}, 0),
    ("chat", "chatlogs/sharegpt/fastchat_dummy_conversation.first3.json", ["--format", "sharegpt"],
     {"sharegpt/undated Who are you.md": 4, "sharegpt/undated Who are you (1f6c50).md": 2,
      "sharegpt/undated What is up.md": 6}, 0),
    ("chat", "chatlogs/locomo/locomo10_sample0_sessions1-2.excerpt.json", ["--format", "locomo", "--me", "Caroline"],
     {"locomo/2023-05-08 Caroline and Melanie.md": 35}, 0),
]


@pytest.mark.parametrize("command, where, options, expected, failures", SAMPLES,
                         ids=[f"{s[0]}-{Path(s[1]).name}" for s in SAMPLES])
def test_every_sample_imports(env, vault, tmp_path, command, where, options, expected, failures):
    path = _sharded_excerpt(tmp_path) if where == "sharded" else sample(*where.split("/"))
    r = run(env, "import", command, path, *options, "--no-extract", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert transcripts(vault) == expected
    assert (report["written"], report["failed"]) == (len(expected), failures)
    assert report["survey"]["turns"] == sum(expected.values())
    for note in expected:
        text = (vault / "memory-sources" / note).read_text(encoding="utf-8")
        assert text.startswith("---\nsource: ") and "\nparticipants:" in text and "\n# " in text
    again = json.loads(run(env, "import", command, path, *options, "--no-extract", "--json").stdout)
    assert (again["written"], again["unchanged"]) == (0, len(expected))


def test_real_chatgpt_sample_with_extraction_and_human_report(env, vault):
    path = sample("chatgpt", "chatgpt2graph_conversations.json")
    r = run(env, "import", "chatgpt", path)
    assert r.returncode == 0, r.stderr
    assert "1 conversation, 42 turns, 2023-09-21 → 2023-09-22" in r.stdout
    for row in ("written", "unchanged", "skipped", "failed", "facts added", "review items", "time"):
        assert re.search(rf"^{row}\s", r.stdout, re.M), row
    assert re.search(r"^written\s+1\s+new 1, updated 0", r.stdout, re.M)
    decisions = json.loads(run(env, "decisions", "--json", "--limit", "100").stdout)["decisions"]
    assert len(decisions) == 8 and {d["stream"] for d in decisions} == {"chatgpt:966da5c4-5bb7-4e4d-ab6d-a7316b96266e"}
    r = run(env, "import", "chatgpt", path)
    assert re.search(r"^written\s+0\s", r.stdout, re.M) and re.search(r"^unchanged\s+1\s", r.stdout, re.M)


# --- bad input: one line, non-zero, nothing written -----------------------------------------------
def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    good = json.dumps([conversation("x1", "One", qa("I live in Lisbon."))])
    not_zip = tmp / "export.zip"
    not_zip.write_bytes(b"<html>Download expired</html>")
    truncated = tmp / "truncated.zip"
    truncated.write_bytes(_zip(tmp / "full.zip", {"conversations.json": good + " " * 50_000}).read_bytes()[:-200])
    bomb = tmp / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", b"[" + b" " * (40 << 20) + b"]")
    invalid = tmp / "invalid"
    invalid.mkdir()
    (invalid / "conversations.json").write_text('[{"title": "x", "mapping": {', encoding="utf-8")
    # Two good conversations, then the file breaks off: found only by reading to the end.
    midway = tmp / "midway"
    midway.mkdir()
    body = json.dumps([conversation(f"m{i}", f"Fine {i}", qa("I live in Lisbon.")) for i in range(3)])
    (midway / "conversations.json").write_text(body[:-60], encoding="utf-8")
    empty = tmp / "empty"
    empty.mkdir()
    (empty / "conversations.json").write_text("[]", encoding="utf-8")
    utf = tmp / "utf"
    utf.mkdir()
    (utf / "conversations.json").write_bytes(b'[{"title": "caf\xe9", "mapping": {}}]')
    chat_utf = tmp / "_chat.txt"
    chat_utf.write_bytes("31/12/20, 23:59 - Ana: ok\n".encode() + b"31/12/20, 23:59 - Ana: caf\xe9\n")
    fifo = tmp / "fifo.json"
    os.mkfifo(fifo)
    if os.geteuid() == 0:
        unreadable = Path("/proc/self/mem")  # root reads any file; this one fails with an I/O error
    else:
        unreadable = tmp / "locked.json"
        unreadable.write_text(good)
        unreadable.chmod(0)
    return {
        "not a zip": (["chatgpt", str(not_zip)], "export.zip: not a zip file"),
        "truncated zip": (["chatgpt", str(truncated)], "truncated.zip: truncated or corrupt zip file"),
        "parent entry": (["chatgpt", str(_zip(tmp / "slip.zip", {"conversations.json": good.encode(),
                                                                 "../../.bashrc": b"x"}))],
                         "slip.zip: refused, member '../../.bashrc' points outside the archive"),
        "absolute entry": (["claude", str(_zip(tmp / "abs.zip", {"conversations.json": b"[]", "/etc/cron.d/x": b"x"}))],
                           "abs.zip: refused, member '/etc/cron.d/x' has an absolute path"),
        "zip bomb": (["chatgpt", str(bomb)], "bomb.zip/conversations.json: refused, it expands more than 200:1"),
        "invalid json": (["chatgpt", str(invalid)], "invalid/conversations.json: invalid JSON"),
        "invalid json midway": (["chatgpt", str(midway)], "midway/conversations.json: invalid JSON after 2 items"),
        "wrong format": (["chatgpt", str(sample("claude", "yaleman_anthropic-data", "conversations.json"))],
                         "conversations.json: this is a Claude.ai data export, not a ChatGPT data export"
                         " (use `memd import claude PATH`)"),
        "wrong chat format": (["chat", str(sample("chatlogs", "sharegpt", "fastchat_dummy_conversation.first3.json")),
                               "--format", "whatsapp"], "not a WhatsApp chat export"),
        "empty export": (["chatgpt", str(empty)], "the export contains no ChatGPT conversations"),
        "invalid utf-8": (["chatgpt", str(utf)], "utf/conversations.json: invalid JSON"),
        "invalid utf-8 chat": (["chat", str(chat_utf), "--format", "whatsapp"], "_chat.txt: not valid UTF-8 (line 2"),
        "unreadable": (["chatgpt", str(unreadable)], "cannot be read"),
        "missing": (["claude", str(tmp / "nope.zip")], "nope.zip: no such file or folder"),
        "fifo": (["chatgpt", str(fifo)], "fifo.json: not a file or a folder"),
        "unknown zone": (["chat", str(sample("chatlogs", "whatsapp", "whatstk_lorem.txt")), "--tz", "Mars/Base"],
                         "unknown time zone 'Mars/Base'"),
    }


def test_bad_input_is_one_line_and_writes_nothing(env, vault, tmp_path):
    # One vault for every case (a process per case is what costs), already holding an import.
    assert run(env, "import", "chatgpt", export_zip(tmp_path / "ok.zip", generated(3))).returncode == 0
    before = snapshot(vault)
    bad = tmp_path / "bad"
    bad.mkdir()
    for case, (args, message) in _bad_inputs(bad).items():
        r = run(env, "import", *args)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 1, (case, r.stdout, r.stderr)
        assert len(lines) == 1 and message in lines[0] and lines[0].startswith("memd: error: "), (case, r.stderr)
        assert "Traceback" not in r.stderr and r.stdout == "", case
        assert snapshot(vault) == before, case
    status = json.loads(run(env, "import", "status", "--json").stdout)
    assert status["ledger"] == {"chatgpt:done": 3}


# --- dry run, filters, facts ------------------------------------------------------------------------
def test_dry_run_prints_the_plan_and_writes_nothing(env, vault, tmp_path):
    export = export_zip(tmp_path / "export.zip", generated(12))
    before = snapshot(vault)
    r = run(env, "import", "chatgpt", export, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "12 conversations, 72 turns, 2024-05-01 → 2024-05-01" in r.stdout
    assert re.search(r"chatgpt\s+12\s+72\s+2024-05-01\s+2024-05-01\s+12\s+0\s+0\s+0", r.stdout)
    assert "new     memory-sources/chatgpt/2024-05-01 Build error 4.md  6 turns, 6 to extract" in r.stdout
    assert "dry run: nothing was written" in r.stdout
    data = json.loads(run(env, "import", "chatgpt", export, "--dry-run", "--json", "--limit", "5").stdout)
    assert [n["state"] for n in data["planned"]] == ["new"] * 5 and data["skipped_reasons"] == {"over --limit": 7}
    assert snapshot(vault) == before


def test_since_limit_and_no_extract(env, vault, tmp_path):
    export = export_zip(tmp_path / "export.zip", generated(10))  # hourly from 2024-05-01T08:00Z
    r = json.loads(run(env, "import", "chatgpt", export, "--since", "2024-05-01T15:00+00:00", "--json").stdout)
    assert (r["written"], r["skipped_reasons"]) == (3, {"before --since": 7})
    r = json.loads(run(env, "import", "chatgpt", export, "--limit", "4", "--no-extract", "--json").stdout)
    assert (r["written"], r["unchanged"], r["turns_extracted"], r["skipped_reasons"]) == (4, 3, 0, {"over --limit": 3})
    assert len(transcripts(vault)) == 7
    r = json.loads(run(env, "import", "chatgpt", export, "--json").stdout)
    assert (r["written"], r["unchanged"]) == (3, 7)
    assert r["extracted_conversations"] == 7  # the three new, and the four written without extraction
    assert len(transcripts(vault)) == 10


def test_facts_land_in_memory_and_why_points_at_the_turn(env, vault, tmp_path):
    export = export_zip(tmp_path / "export.zip", generated(30))
    r = run(env, "import", "chatgpt", export, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["written"] == 30 and report["facts_added"] > 5
    user = (vault / "memory" / "user.md").read_text()
    assert "- living_location: Porto" in user  # "I moved to Porto" came after "I live in Lisbon"
    assert "- employer: Acme Corp" in user and "- sister: [[entities/anna.md]]" in user
    assert "- relationship: sister" in (vault / "memory" / "entities" / "anna.md").read_text()
    why = json.loads(run(env, "why", "user", "living_location", "--json").stdout)
    source = why["facts"][0]["source"]
    assert source["kind"] == "import:chatgpt" and source["detail"] == "I moved to Porto."
    m = re.fullmatch(r"\[\[(memory-sources/chatgpt/[^#\]]+)#\^(t[0-9a-f]{8})\]\]", source["link"])
    assert m, source["link"]
    note = (vault / (m.group(1) + ".md")).read_text()
    assert f"> I moved to Porto.\n\n^{m.group(2)}\n" in note
    human = run(env, "why", "user", "living_location")
    assert "import:chatgpt" in human.stdout and "I moved to Porto." in human.stdout


def test_progress_bar_on_a_terminal_only(env, vault, tmp_path):
    export = export_zip(tmp_path / "export.zip", generated(4))
    tty = dict(env, TTY_COMPATIBLE="1", TERM="xterm")
    r = run(tty, "import", "chatgpt", export, "--no-extract")
    assert r.returncode == 0 and "Importing" in r.stderr and "eta" in r.stderr
    r = run(tty, "import", "chatgpt", export, "--json")
    assert r.returncode == 0 and r.stderr == "" and json.loads(r.stdout)["unchanged"] == 4


def test_import_status(env, vault, tmp_path):
    r = run(env, "import", "status")
    assert r.returncode == 0 and "no import has run yet" in r.stdout
    run(env, "import", "chatgpt", export_zip(tmp_path / "export.zip", generated(2)), "--no-extract")
    r = run(env, "import", "status")
    assert re.search(r"#1 chatgpt .*export\.zip", r.stdout)
    assert re.search(r"^  done · started \S+ \S+ · finished \S+ \S+$", r.stdout, re.M)
    assert "written 2" in r.stdout
    data = json.loads(run(env, "import", "status", "--json").stdout)
    assert data["run"]["counts"]["new"] == 2 and data["ledger"] == {"chatgpt:done": 2}


# --- kill -9 ------------------------------------------------------------------------------------
def test_kill_9_mid_import_then_run_again(tmp_path):
    vault = tmp_path / "vault"
    env = make_env(tmp_path, vault)
    export = export_zip(tmp_path / "export.zip", generated(150))
    proc = subprocess.Popen(MEMD + ["import", "chatgpt", str(export)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            folder = vault / "memory-sources" / "chatgpt"
            if folder.exists() and len(list(folder.glob("*.md"))) >= 40:
                break
            if proc.poll() is not None:
                pytest.fail(f"the import ended before it could be killed: {proc.stderr.read()!r}")
            time.sleep(0.005)
        else:
            pytest.fail("the import did not get going")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    written = len(transcripts(vault))
    assert 40 <= written < 150
    state_db = json.loads(run(env, "status", "--json").stdout)["state_dir"] + "/state.db"
    with sqlite3.connect(state_db) as db:
        pending = db.execute("SELECT COUNT(*) FROM import_ledger WHERE status = 'pending'").fetchone()[0]
    assert pending <= 1
    assert json.loads(run(env, "import", "status", "--json").stdout)["run"]["status"] == "interrupted"

    r = run(env, "import", "chatgpt", export, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["written"] + report["unchanged"] == 150
    assert report["written"] == 150 - written
    notes = transcripts(vault)
    ids = {re.search(r"^id: (.+)$", (vault / "memory-sources" / n).read_text(), re.M).group(1) for n in notes}
    assert len(notes) == 150 and len(ids) == 150  # one note per conversation, no duplicates
    # The same vault an import without the kill produces: notes and memory, byte for byte.
    clean_vault = tmp_path / "clean"
    clean_env = make_env(tmp_path, clean_vault, "clean-cfg")
    assert run(clean_env, "import", "chatgpt", export).returncode == 0

    def visible(v: Path) -> dict[str, bytes]:
        return {k: b for k, b in snapshot(v).items() if not any(part.startswith(".") for part in k.split("/"))}

    assert visible(vault) == visible(clean_vault)
    again = json.loads(run(env, "import", "chatgpt", export, "--json").stdout)
    assert (again["written"], again["unchanged"], again["turns_extracted"]) == (0, 150, 0)
