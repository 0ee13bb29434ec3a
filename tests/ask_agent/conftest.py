"""Fixtures for the ask agent: a real vault with a mem-agent memory, a real app (SQLite state,
writer, index), and the OpenAI-compatible stub server of tests/llm replaying scripted turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm.conftest import StubServer, vllm_text

USER_MD = """# User Information
- user_name: Ana Maria Silva
- age: 31
- living_location: Rio de Janeiro, Brazil
- birth_date: 1993-04-02

## User Relationships
- friend: [[entities/carlos_mendes.md]]
"""
CARLOS_MD = """# Carlos Henrique Mendes
- age: 29
- occupation: Soccer Coach
- home_address: Rua das Flores 12
"""


@pytest.fixture
def stub():
    server = StubServer()
    server.models = ["driaforall/mem-agent"]
    yield server
    server.close()


def turn(text: str) -> dict:
    """One scripted model turn, as vLLM returns it."""
    return vllm_text(text)


@pytest.fixture
def make_app(tmp_path, stub):
    from memd.app import Memd
    from memd.config import config_from_dict

    apps = []

    def build(**ask) -> Memd:
        vault = tmp_path / f"vault{len(apps)}"
        mem = vault / "memory" / "entities"
        mem.mkdir(parents=True)
        (vault / "memory" / "user.md").write_text(USER_MD, encoding="utf-8")
        (mem / "carlos_mendes.md").write_text(CARLOS_MD, encoding="utf-8")
        settings = {"backend": "openai", "model": "driaforall/mem-agent", **ask}
        cfg = config_from_dict({
            "vault": str(vault), "state_dir": str(tmp_path / f"state{len(apps)}"),
            "writer": {"settle_seconds": 0, "fsync": False},
            "llm": {"base_url": stub.url, "model": "other-model", "max_retries": 0, "timeout_s": 10},
            "ask": settings,
        }, tmp_path / "config.toml")
        app = Memd(cfg)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.close()


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the vault holding a secret; nothing in it may be read or changed."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("TOPSECRET-42", encoding="utf-8")
    return folder
