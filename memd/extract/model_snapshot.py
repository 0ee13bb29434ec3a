"""What search_memory answers while a model decides many conversations at once.

A model's decision depends on what memory holds (it searches before it adds). If conversations
were decided against the live vault, what one of them sees would depend on which others the
writer had applied by then, that is on timing, and a concurrent import would not give the
memory a sequential one gives. So an import's model decisions see:

    memory as it was when the import started (this snapshot, read once)
  + the facts the same conversation added in its earlier turns (StreamFacts)

and nothing else: not the facts other conversations of the same import add. That is a choice,
documented in the import's report: it makes the decisions independent of timing (the same
memory at concurrency 1 or 64), and costs only cross-conversation deduplication, which the
writer does anyway when it applies the facts (a fact already present is a no-op; a changed
single-valued key is superseded by the newer conversation, applied in order).

Search is plain word overlap over `- key: value` lines, scored and ordered deterministically;
it needs no index, so it can run in any thread while the writer changes the vault.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

_WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)
_STOP = frozenset("""the and for with from that this what who whom whose when where which about into onto user users
my me mine our your his her their its is are was were be been has have had do does did of to in on at by an or
""".split())
LIMIT = 6  # lines returned per search, as the live search_memory does


@dataclass(frozen=True)
class Line:
    path: str  # vault-relative, e.g. memory/user.md
    number: int
    text: str
    words: frozenset[str]


def words_of(text: str) -> frozenset[str]:
    return frozenset(w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _STOP)


class MemorySnapshot:
    """The fact lines of the memory folder, read once."""

    def __init__(self, lines: list[Line]):
        self.lines = lines

    @classmethod
    def read(cls, vault: Path, memory_dir: str, *, skip: tuple[str, ...] = (),
             max_bytes: int = 64 * 1024 * 1024) -> MemorySnapshot:
        """Every `- ...` line of every note under `vault/memory_dir`, in path order. Bounded by
        `max_bytes` read in all (a vault's memory is small; a runaway folder must not stall
        the import): past it the rest is left out, and the decisions search less. `skip`: file
        names that hold no facts (the review queue)."""
        root = vault / memory_dir
        lines: list[Line] = []
        if not root.is_dir():
            return cls(lines)
        budget = max_bytes
        for path in sorted(root.rglob("*.md")):
            if path.name in skip:
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            budget -= len(text)
            if budget < 0:
                break
            rel = path.relative_to(vault).as_posix()
            for number, raw in enumerate(text.splitlines(), 1):
                line = raw.strip()
                if line.startswith("- ") and len(line) > 3:
                    lines.append(Line(rel, number, line, words_of(line + " " + path.stem.replace("_", " "))))
        return cls(lines)

    def search(self, query: str, extra: list[Line] = (), limit: int = LIMIT) -> str:  # type: ignore[assignment]
        """What search_memory returns: the best matching lines, grouped by file, or a clear
        'No matching memories.'. Ties are broken by file and line, never by chance."""
        wanted = words_of(query)
        if not wanted:
            return "No matching memories."
        scored = []
        for line in [*self.lines, *extra]:
            score = len(wanted & line.words)
            if score:
                scored.append((-score, line.path, line.number, line))
        if not scored:
            return "No matching memories."
        scored.sort(key=lambda s: s[:3])
        out: dict[str, list[str]] = {}
        for _, _, _, line in scored[:limit]:
            out.setdefault(line.path, []).append(line.text)
        return "\n\n".join(f"[{path}]\n" + "\n".join(texts) for path, texts in out.items())


class StreamFacts:
    """The facts each conversation added in its earlier turns, as snapshot lines. Kept per
    thread: a conversation is decided start to end by one thread, and nothing of another
    conversation may leak into it (`reset` between conversations)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _mine(self) -> dict[str, list[Line]]:
        lines = getattr(self._local, "lines", None)
        if lines is None:
            lines = self._local.lines = {}
        return lines

    def added(self, stream: str, memory_list: list[dict]) -> None:
        lines = self._mine().setdefault(stream, [])
        for item in memory_list:
            if not isinstance(item, dict):
                continue
            who = item.get("entity") or "user"
            text = f"- {item.get('key')}: {item.get('value')}"
            lines.append(Line(f"(this conversation: {who})", len(lines) + 1, text, words_of(f"{text} {who}")))

    def of(self, stream: str) -> list[Line]:
        return list(self._mine().get(stream, ()))

    def reset(self) -> None:
        self._local.lines = {}
