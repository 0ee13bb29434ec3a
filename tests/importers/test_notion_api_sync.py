"""Notion pages kept in sync: `[notion]` in the config, the daemon's scheduled job, and the
`memd import notion --token-env` command as a real process (its output never shows the token)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from notion_api_stub import CHILD_PAGE, ROOT, NotionStub, build_workspace
from support import fixture_path

from memd.importers.notion import api_import
from memd.importers.notion.api_client import NotionAPI, TokenBucket

TOKEN = "ntn_SyncT0kenNeverShown_1234567890"
ENV = "MEMD_TEST_NOTION_SYNC"


class FastAPI(NotionAPI):
    def __init__(self, token: str, **kwargs):
        kwargs["bucket"] = TokenBucket(1e6, 1e6)
        super().__init__(token, **kwargs)


@pytest.fixture
def stub(monkeypatch):
    fixture_path("notion", "udus122_notion-renderer_api_json")
    monkeypatch.setenv(ENV, TOKEN)
    with NotionStub(TOKEN) as s:
        build_workspace(s)
        yield s


def synced_config(tmp_path, vault, stub, **notion):
    from memd.config import config_from_dict

    section = {"token_env": ENV, "pages": [ROOT], "api_url": stub.url, **notion}
    return config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / "state"), "notion": section,
                             "writer": {"settle_seconds": 0, "fsync": False},
                             "extract": {"backend": "rules"}}, tmp_path / "config.toml")


def test_notion_section_defaults_to_off(config):
    assert config.notion.token_env == "" and config.notion.pages == [] and config.notion.interval_minutes == 60.0
    from memd.daemon.run import Daemon
    from memd.app import Memd

    with Memd(config) as app:
        names = [j.name for j in Daemon(config)._schedule(app).status()]
    assert "source:notion" not in names


def test_sync_configured_imports_then_writes_nothing(tmp_path, vault, stub, monkeypatch):
    from memd.app import Memd

    monkeypatch.setattr(api_import, "NotionAPI", FastAPI)
    cfg = synced_config(tmp_path, vault, stub)
    with Memd(cfg) as app:
        first = api_import.sync_configured(app)
        second = api_import.sync_configured(app)
    assert first["counts"]["written"] == 5 and first["source"] == "notion-api"
    assert second["counts"]["unchanged"] == 5 and second["counts"]["written"] == second["counts"]["updated"] == 0


def test_daemon_scheduler_runs_the_sync(tmp_path, vault, stub, monkeypatch):
    from memd.app import Memd
    from memd.daemon.run import Daemon

    monkeypatch.setattr(api_import, "NotionAPI", FastAPI)
    cfg = synced_config(tmp_path, vault, stub, interval_minutes=30.0)
    with Memd(cfg) as app:
        sched = Daemon(cfg)._schedule(app)
        job = {j.name: j for j in sched.status()}["source:notion"]
        assert job.every_s == 1800.0
        sched.start()                           # the sync runs at start, then every 30 minutes
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job = {j.name: j for j in sched.status()}["source:notion"]
                if job.runs:
                    break
                time.sleep(0.1)
        finally:
            sched.shutdown(wait=True)
    assert job.runs == 1 and job.last_error is None
    assert list(vault.rglob("Child page.md"))


def test_sync_without_the_variable_fails_naming_it(tmp_path, vault, stub, monkeypatch):
    from memd.app import Memd
    from memd.errors import MemdError

    monkeypatch.delenv(ENV)
    with Memd(synced_config(tmp_path, vault, stub)) as app, pytest.raises(MemdError, match=ENV):
        api_import.sync_configured(app)


def _memd(env, *args):
    return subprocess.run([sys.executable, "-m", "memd", *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=120)


def test_cli_imports_and_never_prints_the_token(tmp_path, stub):
    vault = tmp_path / "vault"
    env = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"), COLUMNS="200")
    assert _memd(env, "init", vault, "--create", "--json").returncode == 0
    cfg = tmp_path / "cfg" / "config.toml"
    cfg.write_text(cfg.read_text() + f'\n[notion]\napi_url = "{stub.url}"\n')
    env[ENV] = TOKEN
    ok = _memd(env, "import", "notion", "--token-env", ENV, "--page", f"https://app.notion.com/p/{CHILD_PAGE}",
               "--no-extract", "--json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["counts"]["written"] == 1 and data["counts"]["failed"] == 0
    assert (vault / "memory-sources" / "notion" / "Child page.md").is_file()
    env[ENV] = "ntn_WrongTokenAlsoSecret_0000"
    bad = _memd(env, "import", "notion", "--token-env", ENV, "--page", CHILD_PAGE, "--no-extract")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1   # one clear line
    for out in (ok.stdout, ok.stderr, bad.stdout, bad.stderr):
        assert TOKEN not in out and "ntn_WrongTokenAlsoSecret_0000" not in out
    assert "API token is invalid" in bad.stdout + bad.stderr
    for path in list(vault.rglob("*")) + list(tmp_path.joinpath("cfg").rglob("*")):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes()
