"""The socket's framing, shared by the server and the client: one JSON text per line, UTF-8.

Its own module so the CLI's client can use it without importing the server's asyncio side.
"""

from __future__ import annotations

import json
from typing import Any


def encode_line(message: Any) -> bytes:
    """One JSON text and a newline, UTF-8.

    Falls back to ASCII escapes when a string holds lone surrogates (file names and command-line
    arguments that were not valid UTF-8 decode that way), which UTF-8 cannot carry.
    """
    try:
        return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(message, separators=(",", ":")) + "\n").encode("ascii")
