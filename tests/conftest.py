"""Shared fixtures: a real vault in a temp folder, a real config, real SQLite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import DATA, FIXTURES, REPO, fixture_path  # noqa: F401  (re-exported for tests)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real user's config, state or runtime folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("MEMD_CONFIG", raising=False)


@pytest.fixture
def vault(tmp_path) -> Path:
    v = tmp_path / "vault"
    v.mkdir()
    return v


@pytest.fixture
def config(tmp_path, vault):
    from memd.config import config_from_dict

    return config_from_dict(
        {"vault": str(vault), "state_dir": str(tmp_path / "state"), "writer": {"settle_seconds": 0, "fsync": False}},
        tmp_path / "config.toml",
    )


@pytest.fixture
def app(config):
    from memd.app import Memd

    a = Memd(config)
    yield a
    a.close()


@pytest.fixture
def cli_env(tmp_path, vault):
    """Run the real `memd` CLI (in-process via click's runner is not enough for exit codes and
    stderr; tests use subprocess where that matters). Returns (config_path, env)."""
    cfg = tmp_path / "config.toml"
    env = dict(os.environ, MEMD_CONFIG=str(cfg))
    return cfg, env
