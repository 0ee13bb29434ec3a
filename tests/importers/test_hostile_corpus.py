"""A corpus of hostile exports, one or more per importer: each is refused by `memd import` with
exit code 1 and one line naming what is wrong (the [limits] key when a limit is broken), nothing
written to the vault or the state's ledger and journal, and a bounded peak memory.

The inputs are built in a tmp dir and are small on disk (the 1 GiB JSON string is a 1 MB zip).
The cases run through the real CLI entry point in one child process (hostile_runner.py), which
measures each case's peak RSS; the known breakers of issue 12 also run as a `memd import`
process of their own each, its peak RSS read from the kernel with os.wait4.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hostile_inputs import GIB, MIB, Member, deep, deep_zip, huge_line_zip, huge_string_zip, plain_zip, write_zip  # noqa: E402

MEMD = [sys.executable, "-P", "-m", "memd"]
PEAK_CEILING_KB = 150 * 1024  # the 24 GB and 705 MB were the failures; exports stay far below
STATE_TABLES = ("import_ledger", "import_seen_text", "journal", "owned_lines", "review")


@dataclass
class Case:
    id: str
    argv: list[str]  # after `memd --config CFG`
    expect: str  # a piece of the one error line
    limits: dict[str, float] = field(default_factory=dict)  # [limits] overrides for this case


WA_LINE = b"01/02/2024, 10:00 - Bob: " + b"la " * 333 + b"\n"
CHATGPT_ITEM = b'[{"title": "t", "create_time": 1714550400, "mapping": {}, "x": '
TELEGRAM_HEAD = b'{"name": "Bob", "type": "personal_chat", "id": 7, "messages": [{"id": 1, "type": "message", "text": '
MESSENGER_HEAD = b'{"participants": [{"name": "Bob"}], "messages": [{"sender_name": "Bob", "timestamp_ms": 1714550400000, "content": '
DISCORD_HEAD = b'{"guild": {"id": "1", "name": "g"}, "channel": {"id": "2", "name": "c"}, "messages": [{"id": "3", "content": '


def _cases(d: Path) -> list[Case]:
    """Write the hostile inputs into `d`; the cases that import them."""

    def f(name: str, data: bytes) -> str:
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)

    def z(name: str, members: list[Member], **kw) -> str:
        return str(write_zip(d / name, members, **kw))

    def chat(fmt: str, path: str) -> list[str]:
        return ["import", "chat", "--format", fmt, "--me", "Ana", path]

    slack_ok = [Member("channels.json", b'[{"id": "C1", "name": "general"}]'), Member("users.json", b"[]")]
    big = 1_000_000
    cases = [
        # --- ChatGPT -------------------------------------------------------------------------------
        Case("chatgpt-deep-raw", ["import", "chatgpt", f("cg-deep.json", deep())], "max_json_depth"),
        Case("chatgpt-deep-zip", ["import", "chatgpt", str(deep_zip(d / "cg-deep.zip", "conversations.json"))], "max_json_depth"),
        Case("chatgpt-deep-objects", ["import", "chatgpt", f("cg-deep-obj.json", CHATGPT_ITEM + b'{"a": ' * 100_000)], "max_json_depth"),
        Case("chatgpt-deep-after-head", ["import", "chatgpt", f("cg-deep-late.json", CHATGPT_ITEM + b" " * (2 * MIB) + deep())], "max_json_depth"),
        Case("chatgpt-huge-string-zip", ["import", "chatgpt", str(huge_string_zip(d / "cg-str.zip", "conversations.json", CHATGPT_ITEM, b"}]"))], "max_string_mb"),
        Case("chatgpt-huge-integer", ["import", "chatgpt", f("cg-int.json", CHATGPT_ITEM + b"1" * big + b"}]")], "max_number_digits"),
        Case("chatgpt-huge-exponent", ["import", "chatgpt", f("cg-exp.json", CHATGPT_ITEM + b"1e" + b"9" * 5000 + b"}]")], "max_number_digits"),
        Case("chatgpt-zip-ratio-bomb", ["import", "chatgpt", z("cg-bomb.zip", [Member("conversations.json", b"[", b" " * MIB, 256, b"]")])], "max_zip_ratio"),
        Case("chatgpt-blank-bomb", ["import", "chatgpt", z("cg-blank.zip", [Member("conversations.json", b"", b" " * MIB, 64, b"[]")])], "max_zip_ratio"),
        Case("chatgpt-expands-past-total", ["import", "chatgpt", z("cg-total.zip", [Member("conversations.json", b"[", b" " * MIB, 32, b"]")])], "max_expand_gb",
             {"max_expand_gb": 0.01, "max_zip_ratio": 100000.0}),
        Case("chatgpt-entries-declared", ["import", "chatgpt", z("cg-many.zip", [Member("conversations.json", b"[]")], declared_entries=10_000_000)], "max_entries"),
        Case("chatgpt-entries-real", ["import", "chatgpt", str(plain_zip(d / "cg-1001.zip", {f"f{i}.txt": b"x" for i in range(1001)} | {"conversations.json": b"[]"}))],
             "max_entries", {"max_entries": 1000}),
        Case("chatgpt-record-too-large", ["import", "chatgpt", f("cg-record.json", CHATGPT_ITEM + b"[" + b'"abc",' * 400_000 + b'""]}]')], "max_record_mb",
             {"max_record_mb": 1.0}),
        Case("chatgpt-traversal", ["import", "chatgpt", str(plain_zip(d / "cg-slip.zip", {"../../conversations.json": b"[]"}))], "points outside"),
        Case("chatgpt-absolute-member", ["import", "chatgpt", str(plain_zip(d / "cg-abs.zip", {"/etc/conversations.json": b"[]"}))], "absolute path"),
        Case("chatgpt-manifest-deep", ["import", "chatgpt", z("cg-manifest.zip", [Member("export_manifest.json", deep(50_000, b"{\"a\":")), Member("conversations.json", b"[]")])], "max_json_depth"),
        Case("chatgpt-assets-huge-number", ["import", "chatgpt", z("cg-assets.zip", [Member("conversations.json", b"[]"), Member("conversation_asset_file_names.json", b'{"a": ' + b"7" * big + b"}")])],
             "max_number_digits"),
        Case("chatgpt-nested-zip-deep", ["import", "chatgpt", str(plain_zip(d / "cg-outer.zip", {"inner.zip": (d / "cg-deep.zip").read_bytes()}))], "max_json_depth"),
        Case("chatgpt-nul-bytes", ["import", "chatgpt", f("cg-nul.json", CHATGPT_ITEM + b'"a\x00b"}]')], "invalid JSON"),
        Case("chatgpt-invalid-utf8", ["import", "chatgpt", f("cg-utf8.json", CHATGPT_ITEM + b'"caf\xe9 \xff"}]')], "invalid JSON"),
        Case("chatgpt-truncated-json", ["import", "chatgpt", f("cg-cut.json", CHATGPT_ITEM + b'"cut here')], "invalid JSON"),
        Case("chatgpt-truncated-zip", ["import", "chatgpt", f("cg-cut.zip", (d / "cg-str.zip").read_bytes()[:5000])], "zip"),
        Case("chatgpt-empty", ["import", "chatgpt", f("cg-empty.json", b"")], "empty"),
        Case("chatgpt-binary", ["import", "chatgpt", f("cg-bin.json", bytes(range(256)) * 64)], "expected a JSON array"),
        Case("chatgpt-folder-deep", ["import", "chatgpt", str(Path(f("cg-dir/conversations.json", deep())).parent)], "max_json_depth"),
        Case("chatgpt-folder-many-files", ["import", "chatgpt", str(_many_files(d / "cg-dir-many", 101))], "max_entries", {"max_entries": 100}),
        # --- Claude --------------------------------------------------------------------------------
        Case("claude-deep-raw", ["import", "claude", f("cl-deep.json", deep())], "max_json_depth"),
        Case("claude-deep-zip", ["import", "claude", str(deep_zip(d / "cl-deep.zip", "conversations.json"))], "max_json_depth"),
        Case("claude-huge-string-zip", ["import", "claude", str(huge_string_zip(d / "cl-str.zip", "conversations.json", b'[{"uuid": "u", "chat_messages": [], "name": ', b"}]"))], "max_string_mb"),
        Case("claude-users-deep", ["import", "claude", z("cl-users.zip", [Member("conversations.json", b"[]"), Member("users.json", deep())])], "max_json_depth"),
        Case("claude-users-huge-string", ["import", "claude", z("cl-users-str.zip", [Member("conversations.json", b"[]"), Member("users.json", b'[{"full_name": "', b"n" * MIB, 20, b'"}]')])],
             "max_string_mb", {"max_zip_ratio": 100000.0}),
        Case("claude-users-too-large", ["import", "claude", z("cl-users-big.zip", [Member("conversations.json", b"[]"), Member("users.json", b"[", b'{"uuid": "u"},' * 1000, 200, b"{}]")])],
             "max_record_mb", {"max_record_mb": 1.0}),
        Case("claude-invalid-utf8", ["import", "claude", f("cl-utf8.json", b'[{"uuid": "u", "chat_messages": [], "name": "\xc3\x28"}]')], "invalid JSON"),
        Case("claude-huge-number", ["import", "claude", f("cl-int.json", b'[{"uuid": "u", "chat_messages": [], "n": ' + b"5" * big + b"}]")], "max_number_digits"),
        # --- WhatsApp ------------------------------------------------------------------------------
        Case("whatsapp-huge-line-zip", chat("whatsapp", str(huge_line_zip(d / "wa-line.zip", "WhatsApp Chat with Bob.txt"))), "max_string_mb"),
        Case("whatsapp-ratio-bomb", chat("whatsapp", z("wa-bomb.zip", [Member("_chat.txt", b"", WA_LINE * (MIB // len(WA_LINE)), 64, b"")])), "max_zip_ratio"),
        Case("whatsapp-empty-lines", chat("whatsapp", z("wa-lines.zip", [Member("_chat.txt", b"01/02/2024, 10:00 - Bob: hi\n", b"\n" * MIB, 2, b"")])), "max_record_mb",
             {"max_record_mb": 16.0}),
        Case("whatsapp-chat-too-large", chat("whatsapp", f("wa-big.txt", b"01/02/2024, 10:00 - Bob: hi\n" * 50_000)), "max_record_mb", {"max_record_mb": 1.0}),
        Case("whatsapp-invalid-utf8", chat("whatsapp", f("wa-utf8.txt", b"01/02/2024, 10:00 - Bob: ol\xe1\n")), "not valid UTF-8"),
        Case("whatsapp-empty", chat("whatsapp", f("wa-empty.txt", b"")), "empty"),
        Case("whatsapp-not-a-chat", chat("whatsapp", f("wa-junk.txt", b"\x00\x01 just some bytes\n" * 10)), "not a WhatsApp chat"),
        Case("whatsapp-traversal", chat("whatsapp", str(plain_zip(d / "wa-slip.zip", {"../_chat.txt": b"01/02/2024, 10:00 - Bob: hi\n"}))), "points outside"),
        # --- Telegram ------------------------------------------------------------------------------
        Case("telegram-deep-head", chat("telegram", f("tg-deep.json", TELEGRAM_HEAD + deep())), "max_json_depth"),
        Case("telegram-deep-after-head", chat("telegram", f("tg-deep-late.json", TELEGRAM_HEAD + b'"hi"}, ' + b" " * (2 * MIB) + deep())), "max_json_depth"),
        Case("telegram-huge-string-zip", chat("telegram", str(huge_string_zip(d / "tg-str.zip", "result.json", TELEGRAM_HEAD, b"}]}"))), "max_string_mb"),
        Case("telegram-account-deep", chat("telegram", f("tg-acct.json", b'{"personal_information": {"first_name": "Ana"}, "chats": {"list": [{"messages": ' + deep(100_000, b'{"a": '))),
             "max_json_depth"),
        Case("telegram-huge-number", chat("telegram", f("tg-int.json", TELEGRAM_HEAD + b"-" + b"9" * big + b"}]}")), "max_number_digits"),
        # --- Messenger, Signal ---------------------------------------------------------------------
        Case("messenger-deep", chat("messenger", f("fb-deep/message_1.json", MESSENGER_HEAD + deep())), "max_json_depth"),
        Case("messenger-too-large", chat("messenger", f("fb-big/message_1.json", MESSENGER_HEAD + b'"' + b"a" * (2 * MIB) + b'"}]}')),
             "max_record_mb", {"max_record_mb": 1.0}),
        Case("messenger-huge-number", chat("messenger", f("fb-int/message_1.json", MESSENGER_HEAD + b"1" * big + b"}]}")), "max_number_digits"),
        Case("signal-chat-too-large", chat("signal", f("sig-big.md", b"[2024-02-01 10:00] Bob: hi\n" * 50_000)), "max_record_mb",
             {"max_record_mb": 1.0}),
        Case("signal-invalid-utf8", chat("signal", f("sig-utf8.md", b"[2024-02-01 10:00] Bob: ol\xe1\n")), "not valid UTF-8"),
        # --- Discord -------------------------------------------------------------------------------
        Case("discord-deep-guild", chat("discord", f("dc-deep.json", b'{"guild": ' + deep())), "max_json_depth"),
        Case("discord-deep-messages", chat("discord", f("dc-deep-late.json", DISCORD_HEAD + b'"hi"}, ' + b" " * (2 * MIB) + deep())), "max_json_depth"),
        Case("discord-huge-string-zip", chat("discord", str(huge_string_zip(d / "dc-str.zip", "channel.json", DISCORD_HEAD, b"}]}"))), "max_string_mb"),
        # --- Slack ---------------------------------------------------------------------------------
        Case("slack-users-deep", chat("slack", z("sl-users.zip", [slack_ok[0], Member("users.json", deep())])), "max_json_depth"),
        Case("slack-day-deep", chat("slack", z("sl-day.zip", [*slack_ok, Member("general/2024-01-01.json", deep())])), "max_json_depth"),
        Case("slack-day-huge-number", chat("slack", z("sl-int.zip", [*slack_ok, Member("general/2024-01-01.json", b'[{"ts": ' + b"1" * big + b"}]")])), "max_number_digits"),
        Case("slack-day-too-large", chat("slack", z("sl-big.zip", [*slack_ok, Member("general/2024-01-01.json", b"[", b'{"text": "hello"},' * 1000, 200, b"{}]")])),
             "max_record_mb", {"max_record_mb": 1.0}),
        Case("slack-channels-huge-string", chat("slack", z("sl-str.zip", [Member("channels.json", b'[{"name": "', b"c" * MIB, 20, b'"}]'), slack_ok[1]])), "max_string_mb",
             {"max_zip_ratio": 100000.0}),
        # --- LoCoMo, ShareGPT, OpenAI JSONL ----------------------------------------------------------
        Case("locomo-deep", chat("locomo", f("lc-deep.json", b'[{"sample_id": "s", "conversation": ' + deep())), "max_json_depth"),
        Case("locomo-huge-string-zip", chat("locomo", str(huge_string_zip(d / "lc-str.zip", "locomo.json", b'[{"sample_id": ', b"}]"))), "max_string_mb"),
        Case("sharegpt-deep", chat("sharegpt", f("sg-deep.json", b'[{"id": "a", "conversations": ' + deep())), "max_json_depth"),
        Case("sharegpt-jsonl-deep-line", chat("sharegpt", f("sg-deep.jsonl", deep() + b"\n")), "max_json_depth"),
        Case("sharegpt-jsonl-huge-number", chat("sharegpt", f("sg-int.jsonl", b'{"conversations": [], "n": ' + b"3" * big + b"}\n")), "max_number_digits"),
        Case("openai-jsonl-deep-line", chat("openai-jsonl", f("oa-deep.jsonl", b'{"messages": ' + deep() + b"\n")), "max_json_depth"),
        Case("openai-jsonl-huge-line-zip", chat("openai-jsonl", str(huge_line_zip(d / "oa-line.zip", "data.jsonl"))), "max_record_mb"),
        Case("openai-jsonl-garbage-lines-zip", chat("openai-jsonl", z("oa-ones.zip", [Member("data.jsonl", b"", b"1\n" * (MIB // 2), 64, b"")])), "none of the first 1000 lines"),
        Case("openai-jsonl-newline-bomb", chat("openai-jsonl", z("oa-newlines.zip", [Member("data.jsonl", b"", b"\n" * MIB, 1024, b"")])), "max_zip_ratio"),
        Case("sharegpt-jsonl-garbage-lines", chat("sharegpt", f("sg-ones.jsonl", b"[]\n" * 5000)), "none of the first 1000"),
        Case("openai-jsonl-invalid-utf8", chat("openai-jsonl", f("oa-utf8.jsonl", b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}\n')), "not valid UTF-8"),
        Case("openai-jsonl-truncated-zip", chat("openai-jsonl", f("oa-cut.zip", (d / "oa-line.zip").read_bytes()[:3000])), "zip"),
        # --- format detection reads only heads, and is held to the limits as well -------------------
        Case("auto-deep", chat("auto", f("auto-deep.json", deep())), "max_json_depth"),
        Case("auto-deep-jsonl", chat("auto", f("auto-deep.jsonl", b'{"messages": ' + deep() + b"\n")), "max_json_depth"),
        Case("auto-huge-string-zip", chat("auto", str(d / "dc-str.zip")), "max_string_mb"),
    ]
    return cases


def _many_files(folder: Path, n: int) -> Path:
    folder.mkdir()
    (folder / "conversations.json").write_bytes(b"[]")
    for i in range(n):
        (folder / f"f{i}.txt").write_bytes(b"x")
    return folder


def _config(d: Path, vault: Path, state: Path, limits: dict[str, float]) -> Path:
    text = f'vault = "{vault}"\nstate_dir = "{state}"\n\n[writer]\nsettle_seconds = 0.0\nfsync = false\n'
    if limits:
        text += "\n[limits]\n" + "".join(f"{k} = {v!r}\n" for k, v in limits.items())
    name = "config-" + "-".join(f"{k}{v}" for k, v in sorted(limits.items())) + ".toml"
    path = d / name
    path.write_text(text)
    return path


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _digest(snapshot: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path, data in sorted(snapshot.items()):
        h.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    vault, state = d / "vault", d / "state"
    vault.mkdir()
    (vault / "Note.md").write_text("# Note\nmine\n")
    env = dict(os.environ, COLUMNS="200", TZ="UTC")
    env.pop("MEMD_CONFIG", None)
    base = _config(d, vault, state, {})
    subprocess.run(MEMD + ["--config", str(base), "status"], env=env, capture_output=True, timeout=120)  # state created
    inputs = d / "inputs"
    inputs.mkdir()
    cases = _cases(inputs)
    before = _snapshot(vault)
    runs = [{"id": c.id, "argv": ["--config", str(_config(d, vault, state, c.limits)), *c.argv],
             "vault": str(vault), "state_db": str(state / "state.db"), "tables": STATE_TABLES} for c in cases]
    (d / "cases.json").write_text(json.dumps(runs))
    proc = subprocess.run([sys.executable, "-P", str(HERE / "hostile_runner.py"), str(d / "cases.json"), str(d / "results.json")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((d / "results.json").read_text())
    return {"cases": {c.id: c for c in cases}, "results": results, "vault": vault, "state": state, "before": before,
            "env": env, "config": base, "dir": d}


def _ids() -> list[str]:
    # The ids without building the inputs: the source of _cases is the list of Case(...) lines.
    import re

    source = Path(__file__).read_text()
    body = source[source.index("def _cases("):source.index("def _many_files(")]
    return re.findall(r'Case\("([^"]+)"', body)


@pytest.mark.parametrize("case_id", _ids())
def test_refused_in_one_line_with_nothing_written(corpus, case_id):
    case, result = corpus["cases"][case_id], corpus["results"][case_id]
    lines = [line for line in result["stderr"].splitlines() if line.strip()]
    assert result["code"] == 1, result
    assert len(lines) == 1 and lines[0].startswith("memd: error: "), result["stderr"]
    assert case.expect in lines[0], lines[0]
    assert "Traceback" not in result["stderr"] + result["stdout"]
    if result["peak_kb"] is not None:
        assert result["peak_kb"] < PEAK_CEILING_KB, f"peak RSS {result['peak_kb'] // 1024} MB: {lines[0]}"
    # Nothing half-written: the runner looked at the vault and the state right after this case.
    assert result["vault_digest"] == _digest(corpus["before"]), "the vault changed"
    assert set(result["state_rows"].values()) == {0}, result["state_rows"]


def test_corpus_covers_every_importer_and_sixty_cases():
    from memd.importers import registry

    ids = _ids()
    assert len(ids) == len(set(ids)) >= 60
    for name in registry.names():
        assert any(i.startswith(name.replace("_", "-")) for i in ids), f"no hostile case for {name}"


# Linux keeps a process's RSS high-water mark across fork and exec: a child of this test process
# (hundreds of MB after a long suite) would report at least this process's size. A small launcher
# starts memd instead and reports its child's peak from wait4 on the pipe named by its argv[1].
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
os.write(int(sys.argv[1]), str(usage.ru_maxrss).encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _own_process(env, argv) -> tuple[int, str, int]:
    """Run `memd ...` as a process of its own; (exit code, stderr, peak RSS in KB from wait4)."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(write_fd), *MEMD, *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(write_fd,))
    os.close(write_fd)
    err = proc.stderr.read().decode(errors="replace")
    proc.wait()
    with os.fdopen(read_fd, "rb") as f:
        peak = int(f.read() or b"0")
    return proc.returncode, err, peak  # KB on Linux


@pytest.mark.parametrize("case_id", ["chatgpt-deep-raw", "chatgpt-deep-zip", "chatgpt-huge-string-zip"])
def test_the_known_breakers_in_a_process_of_their_own(corpus, case_id):
    case = corpus["cases"][case_id]
    code, err, peak_kb = _own_process(corpus["env"], ["--config", str(corpus["config"]), *case.argv])
    assert code == 1 and err.count("\n") == 1 and case.expect in err, err
    assert peak_kb < PEAK_CEILING_KB, f"peak RSS {peak_kb // 1024} MB"
    assert _snapshot(corpus["vault"]) == corpus["before"]
