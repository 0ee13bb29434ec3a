"""Secrets are redacted before anything is stored (issue 12): imported transcripts, the index built
from them, the state database (ledger, journal, decisions), `memd search` output, and `memd fact
set`. Real processes on a real vault; the bytes of every file are searched, not a parsed view."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from memd.extract.privacy import redact

MEMD = [sys.executable, "-m", "memd"]
T0 = 1714550400.0  # 2024-05-01T08:00:00Z

# One of each kind, made up (none is a live credential), each with the bytes that must never be
# stored: the secret itself, and for numbers written with spaces also the digits alone.
SECRETS = {
    "openai": ("my OpenAI key is sk-proj-T3stKeyAbCdEfGhIjKlMnOpQrStUv0123456789", ["T3stKeyAbCdEfGhIjKlMnOpQrStUv"]),
    "anthropic": ("use sk-ant-api03-Zq9xW8vU7tS6rQ5pO4nM3lK2jI1hG0fEaBcDeF for claude", ["Zq9xW8vU7tS6rQ5pO4nM3lK2j"]),
    "github": ("the token ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5 expired", ["aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1"]),
    "slack": ("bot token xoxb-2048-4096-Ab1Cd2Ef3Gh4Ij5Kl6 works", ["Ab1Cd2Ef3Gh4Ij5Kl6"]),
    "generic": ("set api_key=Zx8pQ2rT9vW4yB6nM3kL in the env", ["Zx8pQ2rT9vW4yB6nM3kL"]),
    "env": ("export WEATHER_API_KEY=f00dBabe1234cafe5678", ["f00dBabe1234cafe5678"]),
    "aws": ("aws_access_key_id = AKIAQ3EGV5RTN7YWX2ZB\naws_secret_access_key = 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",
            ["AKIAQ3EGV5RTN7YWX2ZB", "wJalrXUtnFEMI/K7MDENG"]),
    "password": ("my password is Tr0ub4dor&3 please remember", ["Tr0ub4dor"]),
    "password_colon": ("wifi password: c0rrect-h0rse-battery", ["c0rrect-h0rse"]),
    "card": ("my card is 4539 1488 0343 6467 exp 12/29", ["4539 1488 0343 6467", "4539148803436467"]),
    "iban": ("send it to GB82 WEST 1234 5698 7654 32 please", ["GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"]),
    "ssn": ("the form wants 536-22-8194 again", ["536-22-8194"]),
    "ssn_labelled": ("my SSN is 219-09-9999", ["219-09-9999"]),
    "pem": ("here is the key\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
            "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\nthanks",
            ["MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgO", "VTLw7onLRnrq0/IzW7yWR7Qk", "BEGIN RSA PRIVATE KEY"]),
}
FORBIDDEN = [needle for _text, needles in SECRETS.values() for needle in needles]
ORDINARY = ["call me at 555-123-4567", "order 1234 5678 9012 3456 shipped", "my grandmother passed away in May",
            "I kept it a secret because I was nervous", "the password manager is open"]


def test_each_kind_is_redacted_and_ordinary_text_kept():
    for name, (text, needles) in SECRETS.items():
        clean, found = redact(text)
        assert found, name
        for needle in needles:
            assert needle not in clean, (name, clean)
        assert redact(clean) == (clean, []), name  # redacting twice changes nothing
    for text in ORDINARY:
        assert redact(text) == (text, []), text


def test_cost_is_linear_on_hostile_text():
    """No pattern may backtrack quadratically: each of these is one pass over a long text (a
    quadratic pattern takes minutes on them)."""
    import time

    texts = ["a" * 2_000_000 + " password ", "token" * 400_000, ("-----BEGIN RSA PRIVATE KEY-----" + "x" * 50 + "!") * 40_000,
             "A1b/" * 500_000 + " aws", "x_" * 1_000_000 + " api_key", ("password" + " " * 500) * 4000]
    for text in texts:
        t0 = time.process_time()
        redact(text)
        assert time.process_time() - t0 < 20, text[:40]


# --- end to end -----------------------------------------------------------------------------------
def run(env, *args, timeout=180):
    return subprocess.run(MEMD + [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout)


def make_env(tmp_path: Path, vault: Path, extra: str = "") -> dict[str, str]:
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"), COLUMNS="200", TZ="UTC")
    r = run(env, "init", vault, "--create", "--json")
    assert r.returncode == 0, r.stderr
    cfg = Path(env["MEMD_CONFIG"])
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\nfsync = false\n" + extra)
    return env


def chatgpt_conversation(cid: str, title: str, texts: list[str]) -> dict:
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"
    for i, text in enumerate(texts):
        nid = f"{cid}-n{i}"
        role = "user" if i % 2 == 0 else "assistant"
        mapping[nid] = {"id": nid, "parent": parent, "children": [], "message": {
            "id": nid, "author": {"role": role}, "create_time": T0 + 60 * i,
            "content": {"content_type": "text", "parts": [text]}, "metadata": {}, "weight": 1.0, "recipient": "all"}}
        mapping[parent]["children"].append(nid)
        parent = nid
    return {"id": cid, "conversation_id": cid, "title": title, "create_time": T0, "update_time": T0 + 600,
            "mapping": mapping, "current_node": parent}


def exports(tmp_path: Path) -> tuple[Path, Path]:
    """A ChatGPT export (every secret said by the user and echoed by the assistant, one in a
    title) and an OpenAI-style JSONL chat log with the same secrets."""
    convs = []
    for name, (text, _needles) in SECRETS.items():
        convs.append(chatgpt_conversation(f"c-{name}", f"About {name}", [text, f"Noted: {text}"]))
    convs.append(chatgpt_conversation("c-title", "Rotate sk-proj-T3stKeyAbCdEfGhIjKlMnOpQrStUv0123456789 now",
                                      ["I need to rotate a key.", "Sure."]))
    convs.append(chatgpt_conversation("c-plain", "Ordinary things", ORDINARY))
    zpath = tmp_path / "chatgpt.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("conversations.json", json.dumps(convs))
    jpath = tmp_path / "log.jsonl"
    jpath.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": text},
                                                        {"role": "assistant", "content": "ok"}]})
                               for text, _ in SECRETS.values()) + "\n", encoding="utf-8")
    return zpath, jpath


def stored_files(vault: Path, state_dir: Path) -> list[Path]:
    files = [p for p in vault.rglob("*") if p.is_file()] + [p for p in state_dir.rglob("*") if p.is_file()]
    assert any(p.name == "index.db" for p in files) and any(p.name == "state.db" for p in files)
    return files


def leaks(files: list[Path], needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            if needle.encode() in data:
                found.append((str(path), needle))
    return found


def test_imports_store_no_secret(tmp_path):
    vault = tmp_path / "vault"
    env = make_env(tmp_path, vault)
    zpath, jpath = exports(tmp_path)
    r = run(env, "import", "chatgpt", zpath, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["written"] == len(SECRETS) + 2
    r = run(env, "import", "chat", jpath, "--json")
    assert r.returncode == 0, r.stderr
    state_dir = Path(json.loads(run(env, "status", "--json").stdout)["state_dir"])

    notes = list((vault / "memory-sources").rglob("*.md"))
    assert len(notes) >= len(SECRETS) + 3
    text = "\n".join(p.read_text(encoding="utf-8") for p in notes)
    assert "[REDACTED:key]" in text and "[REDACTED:card]" in text and "[REDACTED:iban]" in text
    assert "[REDACTED:ssn]" in text and "[REDACTED:secret]" in text
    for line in ORDINARY:
        assert line in text  # nothing ordinary was taken for a secret
    assert leaks(stored_files(vault, state_dir), FORBIDDEN) == []

    for query in ["password", "key", "card", "Tr0ub4dor", "4539", "GB82", "wJalrXUtnFEMI", "ssn", "rotate"]:
        r = run(env, "search", query, "--json", "--limit", "50")
        assert r.returncode == 0, r.stderr
        results = json.dumps(json.loads(r.stdout)["results"])  # (the answer repeats the query itself)
        assert [n for n in FORBIDDEN if n in results] == [], query
    assert "[REDACTED" in run(env, "search", "password", "--json").stdout  # the notes are found, redacted

    # Importing again changes nothing; the ledger knows the notes were written redacted.
    again = json.loads(run(env, "import", "chatgpt", zpath, "--json").stdout)
    assert again["written"] == 0


def test_verbatim_transcripts_when_asked(tmp_path):
    """[privacy] redact_transcripts = false keeps the notes as exported; memory stays redacted."""
    vault = tmp_path / "vault"
    env = make_env(tmp_path, vault, "\n[privacy]\nredact_transcripts = false\n")
    zpath, _ = exports(tmp_path)
    assert run(env, "import", "chatgpt", zpath).returncode == 0
    notes = "\n".join(p.read_text(encoding="utf-8") for p in (vault / "memory-sources").rglob("*.md"))
    assert "Tr0ub4dor&3" in notes and "4539 1488 0343 6467" in notes
    memory = "\n".join(p.read_text(encoding="utf-8") for p in (vault / "memory").rglob("*.md"))
    assert leaks([p for p in (vault / "memory").rglob("*.md")], FORBIDDEN) == [], memory

    # Switching redaction back on rewrites the notes written verbatim.
    cfg = Path(env["MEMD_CONFIG"])
    cfg.write_text(cfg.read_text().replace("redact_transcripts = false", "redact_transcripts = true"))
    r = run(env, "import", "chatgpt", zpath, "--json")
    assert r.returncode == 0, r.stderr
    notes = [p for p in (vault / "memory-sources").rglob("*.md")]
    assert leaks(notes, FORBIDDEN) == []


@pytest.mark.parametrize("args", [
    ["user", "openai_key", "sk-proj-T3stKeyAbCdEfGhIjKlMnOpQrStUv0123456789"],
    ["user", "bank_card", "4539 1488 0343 6467"],
    ["user", "note", "my password is Tr0ub4dor&3"],
    ["Jane", "aws", "AKIAQ3EGV5RTN7YWX2ZB"],
    ["user", "password", "Tr0ub4dor&3"],  # the key says what the value is
    ["user", "pin", "4321"],
    ["sk-proj-T3stKeyAbCdEfGhIjKlMnOpQrStUv0123456789", "owner", "me"],
])
def test_fact_set_refuses_a_secret(tmp_path, args):
    vault = tmp_path / "vault"
    env = make_env(tmp_path, vault)
    before = {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()}
    r = run(env, "fact", "set", *args)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "secret" in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()} == before
    state_dir = Path(json.loads(run(env, "status", "--json").stdout)["state_dir"])
    assert leaks(stored_files(vault, state_dir), FORBIDDEN) == []
    ok = run(env, "fact", "set", "user", "favorite_color", "green", "--json")
    assert ok.returncode == 0, ok.stderr
