"""`--format auto`: name the format of an export by looking at it.

Each parser module knows its own format (`sniff`); this asks them in registry order, most
specific first (a ChatGPT and a Claude export are both a `conversations.json`; Telegram and
Discord are both an object with `messages`), and reads only the first bytes of files.

It also words the errors a person meets first: which command takes this export (a Claude
export given to `memd import chatgpt`), which `--format` values exist, and that a file is not
UTF-8 at all (rather than "unrecognised").
"""

from __future__ import annotations

import os
from pathlib import Path

from memd.errors import InputFormatError

from . import registry
from .safezip import Limits, Source, open_source

HEAD_BYTES = 64 * 1024  # enough to tell UTF-8 from anything else, small enough to read at once
_SNIFF_ERRORS = (InputFormatError, ValueError, OSError, UnicodeDecodeError)


def command_for(name: str) -> str:
    """The command line that imports format `name` (its CLI spelling)."""
    fmt = registry.get(name)
    if fmt.kind == "assistant":
        return f"memd import {name}"
    return f"memd import chat --format {name.replace('_', '-')}"


def chat_format_values() -> list[str]:
    """The values `memd import chat --format` accepts besides auto, as typed."""
    return [f.name.replace("_", "-") for f in registry.formats() if f.kind != "assistant"]


def detect(path: str | os.PathLike[str] | Source, limits: Limits | None = None) -> str:
    """The registry name of the format of `path`; InputFormatError when nothing matches."""
    if isinstance(path, Source):
        return _detect(path)
    with open_source(path, limits) as source:
        return _detect(source)


def _sniffed(source: Source) -> str | None:
    for fmt in registry.formats():
        if fmt.load().sniff(source):
            return fmt.name
    return None


def _detect(source: Source) -> str:
    found = _sniffed(source)
    if found is not None:
        return found
    if source.kind == "file" and source.entries:
        _refuse_non_utf8(source)
    assistants = " / ".join(f"`memd import {f.name}`" for f in registry.formats() if f.kind == "assistant")
    raise InputFormatError(
        f"{source.name}: unrecognised export format (give `memd import chat --format` one of:"
        f" {', '.join(chat_format_values())}; ChatGPT and Claude.ai exports: {assistants})"
    )


def _refuse_non_utf8(source: Source) -> None:
    """A single file no parser took: if it is not UTF-8 text, say that, since every text and
    JSON format memd reads is UTF-8 (WhatsApp, JSON exports) and re-saving it is the fix."""
    entry = source.entries[0]
    with source.open(entry) as fh:
        head = fh.read(HEAD_BYTES)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFormatError(f"{source.name}: the file is UTF-16 text; memd reads UTF-8 (re-save it as UTF-8)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == HEAD_BYTES and exc.reason == "unexpected end of data":
            return  # a character cut by the read size, not bad text
        raise InputFormatError(
            f"{source.name}: not valid UTF-8 text (byte 0x{head[exc.start]:02x} at offset {exc.start});"
            " memd reads UTF-8 exports (re-save it as UTF-8)") from None


def check_requested(path: str | os.PathLike[str], requested: str, limits: Limits | None = None) -> None:
    """Before importing `path` as `requested`: when that parser does not recognise it but
    another one does, say which command takes it (a Claude export given to `import chatgpt`).
    Anything else is left to the parser, whose own errors are more precise."""
    if requested == "auto":
        return
    try:
        target = Path(path).expanduser()
        if not (target.is_file() or target.is_dir()):
            return  # missing, a FIFO, a device: the pipeline refuses it (reading a FIFO would block)
    except OSError:
        return
    try:
        with open_source(path, limits) as source:
            if registry.get(requested).load().sniff(source):
                return
            found = _sniffed(source)
    except _SNIFF_ERRORS:
        return  # unreadable or broken: the parser's own error says what is wrong, precisely
    if found is None or found == requested:
        return
    what = registry.get(found).description.split(" (")[0]
    raise InputFormatError(
        f"{os.path.basename(os.fspath(path).rstrip('/')) or path}: this is a {what}, not a"
        f" {registry.get(requested).description.split(' (')[0]}", hint=f"use `{command_for(found)} PATH`")
