"""What `pip install .` (a wheel, not the editable install the tests run from) ships: every
Python package in the repository, under its memd.* import name. CI installs in editable mode,
where a package missing from pyproject.toml still imports; a user's wheel would not have it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(tool["packages"])
    folders = {name: ROOT / path for name, path in tool["package-dir"].items()}
    found = set()
    for name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            found.add(".".join((name, *rel.parts)) if rel.parts else name)
    assert found - listed == set(), f"packages missing from pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"
