"""Fill the @NAME@ placeholders of the files in packaging/ (shipped as memd.packaging data).

@NAME@ rather than $name or {name}: systemd units use $ and % themselves, Ruby uses #{}.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


# packaging/ has no __init__.py on purpose: a regular package named `packaging` at the repository
# root would shadow PyPI's `packaging` whenever the root is on sys.path. Installed from a wheel it
# is the namespace package memd.packaging; in an editable install, read it from the source tree.
_SOURCE_TREE = Path(__file__).resolve().parent.parent / "packaging"


def load(name: str) -> str:
    try:
        return resources.files("memd.packaging").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (_SOURCE_TREE / name).read_text(encoding="utf-8")


def render(template: str, values: dict[str, str]) -> str:
    """Substitute every placeholder; a missing or unused value is a bug, so both raise."""
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template needs a value for {key}")
        used.add(key)
        return values[key]

    text = _PLACEHOLDER.sub(replace, template)
    unused = set(values) - used
    if unused:
        raise KeyError(f"template has no place for {sorted(unused)}")
    return text
