"""Render the Homebrew formula (packaging/memd.rb.in) for a release."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import templates


@dataclass(frozen=True)
class Resource:
    """One Python dependency vendored into the formula's virtualenv (Homebrew builds offline)."""

    name: str
    url: str
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ruby_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("#{", "\\#{") + '"'


def render_formula(*, sdist: Path, url: str, homepage: str, resources: Iterable[Resource] = ()) -> str:
    """The formula text for the sdist at `sdist`, published at `url`.

    `resources` come from the release's resolved dependency set (e.g. the output of
    `brew update-python-resources`); each needs the exact sdist URL and checksum.
    """
    blocks = []
    for resource in sorted(resources, key=lambda r: r.name.lower()):
        blocks.append(
            f"  resource {_ruby_string(resource.name)} do\n"
            f"    url {_ruby_string(resource.url)}\n"
            f"    sha256 {_ruby_string(resource.sha256)}\n"
            f"  end\n"
        )
    values = {
        "HOMEPAGE": homepage.replace('"', "%22"),
        "URL": url.replace('"', "%22"),
        "SHA256": sha256_of(sdist),
        "RESOURCES": "\n".join(blocks),
    }
    return templates.render(templates.load("memd.rb.in"), values)
