"""Format name -> parser module. Adding a format is adding one module that defines `parse`
(built with report.parser) and `sniff`, plus one line here.

Modules load lazily: `memd import chatgpt` should not import the Slack parser.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from memd.errors import InputFormatError

from .report import ParseRun


@dataclass(frozen=True)
class Format:
    name: str
    module: str  # module path under memd.importers
    description: str
    kind: str  # "assistant" (two-party AI exports) | "chat" (people) | "dataset"

    def load(self) -> ModuleType:
        return importlib.import_module(f"{__package__}.{self.module}")

    def parse(self, path: Any, **options: Any) -> ParseRun:
        return self.load().parse(path, **options)  # type: ignore[no-any-return]


_FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> None:
    _FORMATS[fmt.name] = fmt


for _fmt in (
    Format("chatgpt", "chatgpt", "ChatGPT data export (zip, folder or conversations.json)", "assistant"),
    Format("claude", "claude", "Claude.ai data export (zip, folder or conversations.json)", "assistant"),
    Format("slack", "slack", "Slack workspace export (zip or folder)", "chat"),
    Format("discord", "discord", "DiscordChatExporter JSON", "chat"),
    Format("messenger", "messenger", "Facebook Messenger JSON export (message_1.json, its folder or zip)", "chat"),
    Format("telegram", "telegram", "Telegram Desktop JSON export (result.json)", "chat"),
    # Before WhatsApp: signal-export's `[2022-03-21 14:57] Ana:` lines also fit WhatsApp's iOS layout.
    Format("signal", "signal", "Signal chat exported as text by signal-export (chat.md)", "chat"),
    Format("whatsapp", "whatsapp", "WhatsApp chat export (.txt or .zip)", "chat"),
    Format("locomo", "locomo", "LoCoMo benchmark conversations (JSON)", "dataset"),
    Format("sharegpt", "sharegpt", "ShareGPT conversations (JSON or JSONL)", "dataset"),
    Format("openai_jsonl", "openai_jsonl", "OpenAI chat messages (JSONL, one conversation per line)", "dataset"),
):
    register(_fmt)


def names() -> list[str]:
    """Format names, in detection order (most specific first)."""
    return list(_FORMATS)


def get(name: str) -> Format:
    try:
        return _FORMATS[name]
    except KeyError:
        raise InputFormatError(f"unknown format {name!r} (known: {', '.join(_FORMATS)})") from None


def formats() -> list[Format]:
    return list(_FORMATS.values())


def parse(name: str, path: Any, **options: Any) -> ParseRun:
    """Parse `path` as format `name` ("auto" detects it first)."""
    if name == "auto":
        from .detect import detect

        name = detect(path)
    return get(name).parse(path, **options)
