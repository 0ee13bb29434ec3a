"""User-facing errors.

Every failure a user can cause (bad input, a missing vault, a refused undo) is raised as a
MemdError subclass: the CLI prints its message as one line and exits non-zero, without a
traceback unless --debug. Anything else is a bug and keeps its traceback.
"""


class MemdError(Exception):
    """A failure with a message meant for the user. `exit_code` is the process exit status."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(MemdError):
    """The config file is missing, unreadable or invalid."""


class VaultError(MemdError):
    """The vault cannot be found, read or written."""


class InputFormatError(MemdError):
    """An input file (export, zip, JSON lines) is malformed or of the wrong format."""


class ConflictError(MemdError):
    """An operation would overwrite something the user wrote by hand."""


class NotFoundError(MemdError):
    """An entity, journal entry or review item does not exist."""


class DaemonError(MemdError):
    """The daemon cannot be reached, or another instance holds the vault."""


class ParamsError(MemdError):
    """A method was called with missing, unknown or mistyped parameters (JSON-RPC -32602)."""
