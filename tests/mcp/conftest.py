"""Fixtures for the MCP tests: a real vault seeded once per module through memd's own import of
the demo's ChatGPT export (transcripts with turns, facts in memory files), copied for each test;
a config file on disk for `memd mcp` subprocesses; a real `memd run` daemon."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

MEMD = [sys.executable, "-P", "-m", "memd"]


def _config(root: Path, socket_dir: Path):
    from memd.config import config_from_dict

    return config_from_dict({
        "vault": str(root / "vault"), "state_dir": str(root / "state"),
        "writer": {"settle_seconds": 0, "fsync": False},
        "daemon": {"socket_path": str(socket_dir / "memd.sock"), "debounce_ms": 50},
    }, root / "config.toml")


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory):
    """A vault and state folder holding the demo export's memory, built once per module."""
    from memd import api
    from memd.app import Memd
    from memd.demo.sample_export import write_export

    root = tmp_path_factory.mktemp("mcp-template")
    (root / "vault").mkdir()
    config = _config(root, root)
    with Memd(config) as app:
        api.call(app, "import.start", {"path": str(write_export(root))})
        # One entity written by memd, one line written by hand (for forget / review).
        api.call(app, "remember", {"text": "My sister Anna works as a nurse."})
    with open(root / "vault" / "memory" / "user.md", "a", encoding="utf-8") as f:
        f.write("- favourite_color: green\n")
    return root


@pytest.fixture
def short_dir():
    path = Path(tempfile.mkdtemp(prefix="memdm-", dir="/tmp"))  # unix socket paths stay < 100 bytes
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def seeded(seeded_template, tmp_path, short_dir):
    """(config, config_path, env) for this test's own copy of the seeded vault; the config is on
    disk so `memd mcp` / `memd run` subprocesses read it through MEMD_CONFIG."""
    from memd.config import render_config

    shutil.copytree(seeded_template / "vault", tmp_path / "vault")
    shutil.copytree(seeded_template / "state", tmp_path / "state")
    config = _config(tmp_path, short_dir)
    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text(render_config(config))
    env = dict(os.environ, MEMD_CONFIG=str(cfg_path))
    env.pop("NOTIFY_SOCKET", None)
    return config, cfg_path, env


@pytest.fixture
def backend(seeded):
    from memd.mcp.backend import Backend

    b = Backend(config=seeded[0])
    yield b
    b.close()


class Daemon:
    """A real `memd run` process; its output goes to a file, never an unread pipe."""

    def __init__(self, config, env):
        self.config, self.env = config, env
        self.log = Path(config.state_dir) / "daemon-test.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(MEMD + ["run"], env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"memd run exited: {self.log.read_text(errors='replace')}")
            if self.client_or_none() is not None:
                return
            time.sleep(0.05)
        raise AssertionError(f"memd run did not answer: {self.log.read_text(errors='replace')}")

    def client_or_none(self):
        from memd.daemon.client import connect_for_config

        try:
            client = connect_for_config(self.config)
        except Exception:
            return None
        if client is not None:
            client.close()
        return client

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def start_daemon(seeded):
    """start_daemon() -> a running Daemon for the seeded vault; stopped at teardown."""
    started = []

    def start():
        started.append(Daemon(seeded[0], seeded[2]))
        return started[-1]

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def daemon(start_daemon):
    return start_daemon()
