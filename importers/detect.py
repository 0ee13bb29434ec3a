"""`--format auto`: name the format of an export by looking at it.

Each parser module knows its own format (`sniff`); this asks them in registry order, most
specific first (a ChatGPT and a Claude export are both a `conversations.json`; Telegram and
Discord are both an object with `messages`), and reads only the first bytes of files.
"""

from __future__ import annotations

import os

from memd.errors import InputFormatError

from . import registry
from .safezip import Limits, Source, open_source


def detect(path: str | os.PathLike[str] | Source, limits: Limits | None = None) -> str:
    """The registry name of the format of `path`; InputFormatError when nothing matches."""
    if isinstance(path, Source):
        return _detect(path)
    with open_source(path, limits) as source:
        return _detect(source)


def _detect(source: Source) -> str:
    for fmt in registry.formats():
        if fmt.load().sniff(source):
            return fmt.name
    raise InputFormatError(
        f"{source.name}: unrecognised export format (pass one of: {', '.join(registry.names())})"
    )
