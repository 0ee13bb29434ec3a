"""`ask` with a model inside a real `memd run`: escape attempts that target the daemon itself
(kill it, fork-bomb it, spin forever, flood its result channel) fail, and it keeps serving."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from ask_agent.conftest import USER_MD, turn
from memd.agent import confine
from memd.config import load_config
from memd.daemon.client import connect_for_config

MEMD = [sys.executable, "-m", "memd"]


def _client(config, proc):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the daemon exited"
        try:
            client = connect_for_config(config)
        except Exception:
            client = None
        if client is not None:
            return client
        time.sleep(0.05)
    raise AssertionError("the daemon's socket did not appear")


@pytest.mark.skipif(not confine.available()[0], reason="no OS confinement on this machine")
def test_the_daemon_survives_attacks_on_itself(tmp_path, vault, stub):
    cfg = tmp_path / "config.toml"
    env = dict(os.environ, MEMD_CONFIG=str(cfg))
    assert subprocess.run(MEMD + ["init", str(vault)], env=env, capture_output=True, text=True).returncode == 0
    (vault / "memory").mkdir(exist_ok=True)
    (vault / "memory" / "user.md").write_text(USER_MD, encoding="utf-8")
    cfg.write_text(cfg.read_text() + f'\n[writer]\nsettle_seconds = 0.0\n[llm]\nbase_url = "{stub.url}"\nmax_retries = 0\n'
                   '[ask]\nbackend = "openai"\nmodel = "driaforall/mem-agent"\ncode_timeout_s = 2.0\n')
    config = load_config(cfg)
    with open(tmp_path / "daemon.log", "wb") as log:
        proc = subprocess.Popen(MEMD + ["run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _client(config, proc).close()
        attacks = [
            "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
            "import os\nwhile True:\n    os.fork()",
            "while True:\n    pass",
            "import os, sys\nos.write(int(sys.argv[1]), b'\\x80\\x04garbage' * 100000)",
            "x = bytearray(10 * 1024 ** 3)",
        ]
        for code in attacks:
            stub.queue(turn(f"<python>\n{code}\n</python>"), turn("<reply>still here</reply>"))
            with _client(config, proc) as c:
                out = c.call("ask", question="attack")
            assert out["answer"] == "still here"
            assert out["steps"][0]["error"], out["steps"][0]
            assert proc.poll() is None
        stub.queue(turn("<python>\nu = read_file('user.md')\n</python>"), turn("<reply>You are 31.</reply>"))
        with _client(config, proc) as c:
            assert c.call("ask", question="How old am I?")["answer"] == "You are 31."
            assert c.call("status")
    finally:
        proc.terminate()
        proc.wait(15)
