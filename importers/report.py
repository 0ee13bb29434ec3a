"""How a parse reports what it could not use, without stopping.

A whole input that is unusable (not a zip, not JSON, wrong format) raises InputFormatError. One
broken conversation inside a good export is recorded as a failure and skipped; oddities that do
not lose the conversation (an unknown content type kept as text) are warnings. Both are collected
here for the caller (the CLI report, the import ledger) instead of being printed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from memd.errors import InputFormatError

from .model import Conversation
from .safezip import Limits, Source, open_source

# Exceptions that mean "this record does not have the shape we expected". Anything else is a bug
# in the parser and keeps its traceback.
RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass(frozen=True)
class Problem:
    where: str  # the conversation's source_id, or a file inside the export
    message: str


# Problems kept one by one, per kind; past this the rest are counted. A hostile export of a
# million broken lines must not cost a million kept messages (600 MB for two million).
MAX_PROBLEMS = 1000
# A file whose first this many records are all unusable is not of its format: stop reading it.
GIVE_UP_AFTER = 1000


@dataclass
class Report:
    warnings: list[Problem] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    conversations: int = 0
    unlisted_warnings: int = 0  # past MAX_PROBLEMS
    unlisted_failures: int = 0

    def warn(self, where: str, message: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(Problem(where, one_line(message)))
            return
        self.unlisted_warnings += 1
        if self.unlisted_warnings == 1:
            self.warnings.append(Problem("…", f"more than {MAX_PROBLEMS} warnings; the rest are not listed"))

    def fail(self, where: str, message: str) -> None:
        if len(self.failures) < MAX_PROBLEMS:
            self.failures.append(Problem(where, one_line(message)))
            return
        self.unlisted_failures += 1
        if self.unlisted_failures == 1:
            self.failures.append(Problem("…", f"more than {MAX_PROBLEMS} records skipped; the rest are not listed"))

    # Every parser has a loop like `try: conv = build(record) except RECORD_ERRORS as exc:
    # report.fail_record(where, exc)`. It stays in each parser, not behind one shared helper,
    # because what follows a failure differs by format: a Tally that gives up on an export where
    # no record fits (chatgpt, claude, sharegpt, messenger), a record that proves the whole file is
    # another format (telegram's NotTelegram), a line of invalid JSON (openai_jsonl). What they
    # share is here: RECORD_ERRORS, this method and Tally.
    def fail_record(self, where: str, exc: BaseException) -> None:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self.fail(where, f"skipped, malformed record ({detail})")


@dataclass
class Tally:
    """Counts records so a parser can tell an empty export, or one where no record has the
    expected shape (the wrong format), from an export with a few broken records."""

    label: str
    what: str  # plural noun: "conversations"
    items: int = 0
    failed: int = 0
    first_failure: str = ""

    def fail(self, report: Report, where: str, exc: BaseException) -> None:
        self.failed += 1
        report.fail_record(where, exc)
        if not self.first_failure:
            self.first_failure = report.failures[-1].message
        if self.failed >= GIVE_UP_AFTER and self.failed == self.items:
            raise InputFormatError(f"{self.label}: none of the first {self.failed} {self.what} is usable;"
                                   f" {self.first_failure}")

    def check(self) -> None:
        if self.items == 0:
            raise InputFormatError(f"{self.label}: the export contains no {self.what}")
        if self.failed == self.items:
            raise InputFormatError(f"{self.label}: no usable {self.what}; {self.first_failure}")


def one_line(message: str, limit: int = 300) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ParseRun(Iterator[Conversation]):
    """An iterator of Conversations plus the Report it fills while being consumed.

    It owns the opened Source (unless the caller passed one in) and closes it when exhausted,
    on close(), or on leaving a `with` block.
    """

    def __init__(self, gen: Iterator[Conversation], report: Report, source: Source, owns_source: bool):
        self._gen = gen
        self.report = report
        self.source = source
        self._owns = owns_source

    def __iter__(self) -> ParseRun:
        return self

    def __next__(self) -> Conversation:
        try:
            conv = next(self._gen)
        except StopIteration:
            self.close()
            raise
        except BaseException:
            self.close()
            raise
        self.report.conversations += 1
        return conv

    def close(self) -> None:
        close = getattr(self._gen, "close", None)
        if close is not None:
            close()
        if self._owns:
            self.source.close()

    def __enter__(self) -> ParseRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ParserFunc = Callable[..., Iterator[Conversation]]
PathLike = str | os.PathLike[str] | Source


def parser(func: ParserFunc) -> Callable[..., ParseRun]:
    """Turn `func(source, report, **options)` (a generator) into the public `parse(path, ...)`.

    The source is opened eagerly, so a missing file or a refused zip fails at the call, while the
    export itself is read lazily as the caller iterates.
    """

    @functools.wraps(func)
    def parse(path: PathLike, *, report: Report | None = None, limits: Limits | None = None, **options: Any) -> ParseRun:
        report = report if report is not None else Report()
        if isinstance(path, Source):
            source, owns = path, False
        else:
            source, owns = open_source(path, limits=limits), True
        for skipped in source.skipped:
            report.warn(skipped, "symbolic link or special file in the export folder; not followed")
        try:
            gen = func(source, report, **options)
        except BaseException:
            if owns:
                source.close()
            raise
        return ParseRun(gen, report, source, owns)

    return parse


def collect(run: ParseRun) -> tuple[list[Conversation], Report]:
    """Consume a run; convenient for small inputs and tests."""
    with run:
        convs = list(run)
    return convs, run.report


__all__ = ["RECORD_ERRORS", "InputFormatError", "ParseRun", "Problem", "Report", "Tally", "collect", "one_line",
           "parser"]
