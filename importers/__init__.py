"""Importers: read exports of chat apps and AI assistants into one normalised model.

    from memd.importers import registry
    run = registry.parse("chatgpt", "~/Downloads/export.zip")   # or "auto"
    for conversation in run:                                     # streamed
        ...
    run.report.failures, run.report.warnings                     # per-conversation problems

Every parser module exposes `parse(path_or_source, **options) -> ParseRun` and
`sniff(source) -> bool`; `transcript` renders a Conversation as a vault note.
"""

from .model import CHAT, DOCUMENT, Conversation, Turn
from .report import ParseRun, Problem, Report
from .safezip import Limits, Source, open_source

__all__ = ["CHAT", "DOCUMENT", "Conversation", "Limits", "ParseRun", "Problem", "Report", "Source", "Turn",
           "open_source"]
