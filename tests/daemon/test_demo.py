"""`memd demo`, the README's first command, run as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_demo_runs_end_to_end_and_cleans_up(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path), COLUMNS="120")
    r = subprocess.run([sys.executable, "-m", "memd", "demo", "--json"], env=env, capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["import"]["written"] == 4 and d["import"]["failed"] == 0
    assert d["import"]["facts_added"] > 5
    tools = [x["tool"] for x in d["live"]["decisions"]]
    assert "add_memory" in tools and "ignore_memory" in tools  # the assistant turn is ignored
    answers = d["queries"]["ask"]
    assert "Lisbon" in answers["Where do I live?"]["answer"]
    assert "chef" in answers["What is my partner's job?"]["answer"]
    assert "peanuts" in answers["Am I allergic to anything?"]["answer"]
    user_md = d["memory"]["user"]["text"]
    assert "- user_name: Maya Okafor" in user_md and "[[entities/joao.md]]" in user_md
    assert "regenerated" not in json.dumps(d)  # the branch the user did not see stays out
    assert d["removed"] is True and not Path(d["folder"]).exists()


def test_demo_keep_leaves_a_working_daemon(tmp_path):
    work = tmp_path / "demo"
    r = subprocess.run([sys.executable, "-m", "memd", "demo", "--keep", "--dir", str(work), "--json"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    pid = d["kept"]["pid"]
    try:
        env = dict(os.environ, MEMD_CONFIG=d["kept"]["config"])
        q = subprocess.run([sys.executable, "-m", "memd", "ask", "where do I live", "--json"], env=env,
                           capture_output=True, text=True, timeout=60)
        assert q.returncode == 0 and "Lisbon" in json.loads(q.stdout)["answer"]
        status = json.loads(subprocess.run([sys.executable, "-m", "memd", "status", "--json"], env=env,
                                           capture_output=True, text=True, timeout=60).stdout)
        assert status["daemon"]["pid"] == pid
    finally:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    assert (work / "vault" / "memory" / "user.md").exists()
