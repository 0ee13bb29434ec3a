"""Failures of the model layer, one class per kind a caller reacts to differently.

All are MemdError subclasses because each can reach the user (a `memd ask` against a server
that is down, a bad model path): the CLI prints the one-line message. None of them is turned
into a decision by the extraction backend: a server that is down, slow or answering garbage
(a malformed body, no choices) says nothing about the turn, so the loop should keep the turn
and try later. Only a reply that arrived but holds no usable tool call becomes ignore_memory.
"""

from __future__ import annotations

from memd.errors import MemdError


class LLMError(MemdError):
    """Any failure to get a usable reply from a model."""


class LLMConnectionError(LLMError):
    """The server could not be reached (refused, DNS, reset before answering)."""


class LLMTimeoutError(LLMError):
    """The server accepted the request but did not answer in time."""


class LLMHTTPError(LLMError):
    """The server answered with an HTTP error status."""

    def __init__(self, message: str, *, status: int, server_message: str = "", hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status
        self.server_message = server_message


class LLMMalformedResponseError(LLMError):
    """The server answered 200 but the body is not a usable chat completion."""


class LLMDependencyError(LLMError):
    """An optional dependency of a backend (the mlx extra) is not installed."""


class LLMModelLoadError(LLMError):
    """A local model could not be loaded (missing path, no chat template, bad weights)."""


def one_line(text: str, limit: int = 300) -> str:
    """Collapse server-provided text to a single bounded line, so error messages stay one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
