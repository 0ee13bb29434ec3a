"""Shared helpers for importer tests, offered as fixtures (tests import nothing from here).

Real samples are read from ../shared/fixtures next to the repository and a test skips, with the
reason, when they are absent.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def _shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real sample not available: {path}")
    return path


def _make_zip(path: Path, members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _assert_one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text, "an error without a message"
    assert "\n" not in text and "Traceback" not in text, repr(text)
    return text


@pytest.fixture
def sample():
    """sample("chatgpt", "x.json") -> Path under ../shared/fixtures (skips when absent)."""
    return lambda *parts: _shared("fixtures", *parts)


@pytest.fixture
def shared_data():
    return lambda *parts: _shared("data", *parts)


@pytest.fixture
def make_zip():
    return _make_zip


@pytest.fixture
def one_line():
    return _assert_one_line
