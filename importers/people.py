"""Who is the user in a chat log.

Chat logs (WhatsApp, Telegram, Slack...) only name people; the caller says which name is the
user with `me`. Their turns get role "user"; everyone else "other" with the author kept, so
extraction can attribute a fact to the right person instead of to the user.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Role


class Me:
    """A set of names and ids that all mean the user (people rename themselves across apps)."""

    def __init__(self, me: str | Iterable[str] | None):
        if me is None:
            names: list[str] = []
        elif isinstance(me, str):
            names = [me]
        else:
            names = list(me)
        self._keys = {self._norm(n) for n in names if n and self._norm(n)}

    @staticmethod
    def _norm(name: str) -> str:
        return " ".join(str(name).casefold().split())

    def __bool__(self) -> bool:
        return bool(self._keys)

    def add(self, name: str | None) -> None:
        if name and self._norm(name):
            self._keys.add(self._norm(name))

    def matches(self, *names: str | None) -> bool:
        return any(n is not None and self._norm(n) in self._keys for n in names)

    def role(self, *names: str | None) -> Role:
        return "user" if self.matches(*names) else "other"


def ordered_unique(names: Iterable[str | None]) -> list[str]:
    """Names in order of first appearance, without blanks or repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.add(name)
            out.append(name)
    return out
