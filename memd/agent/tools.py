"""mem-agent's tool set over the memory folder, in memd's parent process.

The tools keep mem-agent's names, arguments and return conventions (seeds/000_*: booleans,
file text, `True` or an error string from update_file), so a model trained on them behaves.
Underneath, every read goes through MemoryFS (no symlink, hard link or `..` leads out of the
folder) and every write through memd's writer (journal, review queue for hand-written lines,
compare-and-swap): create_file creates a new file and never replaces one, update_file becomes
an AgentEdit, delete_file an AgentDelete. create_dir only records the folder (it appears when a
file is written into it: the writer creates folders; an empty folder holds no memory).

Both executors use this one object: the interpreter calls it directly, a sandboxed child asks
for the same calls over its pipe (sandbox.py), so the tool surface is identical either way.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Callable

from memd.agent.filters import FactFilter
from memd.agent.memfs import MemoryFS, PathRefused
from memd.agent.writes import AgentDelete, AgentEdit
from memd.errors import MemdError
from memd.extract.privacy import secret_kinds
from memd.state import Source
from memd.vault.operations import CreateFile

MAX_WRITE_CHARS = 64_000  # one create/update; a memory file is a few KB
MAX_WRITES = 40  # writes per question
MAX_CALLS = 400  # tool calls per question
_LINK = re.compile(r"^\s*!?\[\[([^\]|#^]+)(?:[#^][^\]|]*)?(?:\|[^\]]*)?\]\]\s*$")


class ToolError(Exception):
    """A tool call that cannot run (wrong arguments, too many calls); shown to the model."""


TOOL_NAMES = ("create_file", "update_file", "read_file", "delete_file", "check_if_file_exists", "create_dir",
              "list_files", "check_if_dir_exists", "get_size", "go_to_link")


class MemoryTools:
    def __init__(self, app: Any, fact_filter: FactFilter | None = None, *, source: Source | None = None):
        self.app = app
        review = getattr(app, "review_note_path", None)  # memd's review queue, not memory
        self.fs = MemoryFS(app.config.memory_root,
                           frozenset([posixpath.relpath(review, app.memory_dir or ".")]) if review else frozenset())
        self.prefix = app.memory_dir  # the memory folder, vault-relative
        self.filter = fact_filter or FactFilter()
        self.source = source or Source("ask")
        self.made_dirs: set[str] = set()
        self.writes: list[dict[str, Any]] = []
        self.read_paths: list[str] = []  # vault-relative, in the order first read (the answer's sources)
        self.calls = 0
        self._table: dict[str, Callable[..., Any]] = {name: getattr(self, name) for name in TOOL_NAMES}

    # -- dispatch ----------------------------------------------------------------------------
    def call(self, name: str, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run tool `name`; ToolError for anything the model got wrong."""
        fn = self._table.get(name)
        if fn is None:
            raise ToolError(f"unknown tool {name!r}")
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise ToolError(f"more than {MAX_CALLS} tool calls in one question")
        for value in list(args) + list(kwargs.values()):
            if not isinstance(value, (str, int, float, bool)) and value is not None:
                raise ToolError(f"{name}: arguments must be strings, not {type(value).__name__}")
        try:
            return fn(*args, **kwargs)
        except TypeError as exc:
            raise ToolError(f"{name}: {exc}") from None
        except PathRefused as exc:
            raise ToolError(f"{name}: {exc}") from None

    def _vault_rel(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def _md(self, rel: str) -> None:
        if not rel.lower().endswith(".md"):
            raise PathRefused(f"memory files are markdown: {rel} does not end in .md")

    def _count_write(self) -> None:
        if len(self.writes) >= MAX_WRITES:
            raise ToolError(f"more than {MAX_WRITES} writes in one question")

    def _secret(self, text: str) -> str | None:
        """[privacy] redact_secrets holds for the model's writes too: why `text` is refused."""
        if not getattr(self.app.config.privacy, "redact_secrets", True):
            return None
        kinds = secret_kinds(text)
        return f"refused: this looks like a secret ({kinds[0]}); memd does not store secrets" if kinds else None

    def _apply(self, op: Any) -> Any:
        try:
            result = self.app.writer.apply(op, self.source)
        except MemdError as exc:
            return None, str(exc)
        self.writes.append(result.to_json())
        return result, None

    # -- file operations ---------------------------------------------------------------------
    def create_file(self, file_path: str, content: str = "") -> bool:
        rel = self.fs.rel(file_path)
        self._md(rel)
        if not isinstance(content, str) or len(content) > MAX_WRITE_CHARS:
            raise ToolError(f"create_file: content must be a string of at most {MAX_WRITE_CHARS} characters")
        if self.fs.kind(rel) is not None:
            return False  # exists: memd never replaces a file wholesale (use update_file)
        self.fs.check_writable(rel)
        if self._secret(content):
            return False
        self._count_write()
        title = next((l[2:].strip() for l in content.split("\n") if l.startswith("# ")), None)
        result, error = self._apply(CreateFile(self._vault_rel(rel), content if content.endswith("\n") or not content
                                               else content + "\n", entity_name=title))
        return error is None and result.status == "applied"

    def update_file(self, file_path: str, old_content: str, new_content: str) -> bool | str:
        rel = self.fs.rel(file_path)
        self._md(rel)
        if not isinstance(old_content, str) or not isinstance(new_content, str):
            raise ToolError("update_file: old_content and new_content must be strings")
        if len(new_content) > MAX_WRITE_CHARS or len(old_content) > MAX_WRITE_CHARS:
            return f"Error: content longer than {MAX_WRITE_CHARS} characters"
        if self.fs.kind(rel) != "file":
            return f"Error: File '{file_path}' does not exist"
        self.fs.check_writable(rel)
        current = self.fs.read_text(rel)
        if not old_content or old_content not in current:
            preview = old_content[:50] + ("..." if len(old_content) > 50 else "")
            return f"Error: Could not find the specified content in the file. Looking for: '{preview}'"
        if old_content == new_content:
            return "Error: No changes were made to the file"
        old_lines = set(old_content.split("\n"))
        refused = self._secret("\n".join(l for l in new_content.split("\n") if l not in old_lines))
        if refused:
            return f"Error: {refused}"
        self._count_write()
        result, error = self._apply(AgentEdit(self._vault_rel(rel), old_content, new_content))
        if error:
            return f"Error: {error}"
        if result.status == "applied" or result.status == "noop":
            return True
        if result.status == "review":
            return (f"Error: not written: {result.reason}; the change waits for the user in memd's review queue"
                    f" (#{result.review_id})")
        return f"Error: not written: {result.reason or result.status}"

    def read_file(self, file_path: str) -> str:
        try:
            rel = self.fs.rel(file_path)
        except PathRefused as exc:
            return f"Error: {exc}"
        kind = self.fs.kind(rel)
        if kind is None:
            return f"Error: File {file_path} does not exist"
        if kind != "file":
            return f"Error: {file_path} is not a file"
        try:
            text = self.filter.redact(self.fs.read_text(rel))
            if self._vault_rel(rel) not in self.read_paths:
                self.read_paths.append(self._vault_rel(rel))
            return text
        except (PathRefused, OSError) as exc:
            return f"Error: {exc}"

    def delete_file(self, file_path: str) -> bool:
        rel = self.fs.rel(file_path)
        self._md(rel)
        if self.fs.kind(rel) != "file":
            return False
        self.fs.check_writable(rel)
        self._count_write()
        result, error = self._apply(AgentDelete(self._vault_rel(rel)))
        return error is None and result.status == "applied"

    def check_if_file_exists(self, file_path: str) -> bool:
        try:
            return self.fs.kind(self.fs.rel(file_path)) == "file"
        except PathRefused:
            return False

    # -- folders -----------------------------------------------------------------------------
    def create_dir(self, dir_path: str) -> bool:
        rel = self.fs.rel(dir_path)
        kind = self.fs.kind(rel)
        if kind == "dir":
            return True
        if kind is not None:
            return False
        parts = rel.split("/")
        for i in range(1, len(parts)):
            if self.fs.kind("/".join(parts[:i])) not in (None, "dir"):
                return False
        self.made_dirs.add(rel)
        return True

    def check_if_dir_exists(self, dir_path: str) -> bool:
        try:
            rel = self.fs.rel(dir_path, allow_root=True)
        except PathRefused:
            return False
        return rel == "." or self.fs.kind(rel) == "dir" or any(
            d == rel or d.startswith(rel + "/") for d in self.made_dirs)

    def list_files(self) -> str:
        entries = {e.rel: e.is_dir for e in self.fs.walk()}
        for d in self.made_dirs:
            parts = d.split("/")
            for i in range(1, len(parts) + 1):
                entries.setdefault("/".join(parts[:i]), True)
        children: dict[str, list[str]] = {}
        for rel in sorted(entries):
            children.setdefault(posixpath.dirname(rel), []).append(rel)
        lines = ["./"]

        def draw(folder: str, indent: str) -> None:
            kids = children.get(folder, [])
            for i, rel in enumerate(kids):
                last = i == len(kids) - 1
                name = posixpath.basename(rel) + ("/" if entries[rel] else "")
                empty = " (empty)" if entries[rel] and rel not in children else ""
                lines.append(f"{indent}{'└── ' if last else '├── '}{name}{empty}")
                if entries[rel]:
                    draw(rel, indent + ("    " if last else "│   "))

        draw("", "")
        return "\n".join(lines)

    # -- utilities ---------------------------------------------------------------------------
    def get_size(self, file_or_dir_path: str = "") -> int:
        rel = self.fs.rel(file_or_dir_path, allow_root=True) if file_or_dir_path else "."
        kind = "dir" if rel == "." else self.fs.kind(rel)
        if kind == "file":
            st = self.fs.lstat(rel)
            return int(st.st_size) if st else 0
        if kind == "dir":
            return sum(e.size for e in self.fs.walk(rel) if not e.is_dir)
        raise ToolError(f"get_size: path not found: {file_or_dir_path}")

    def go_to_link(self, link_string: str) -> str:
        """The text of the note a `[[link]]` points to (resolved like Obsidian: path, path
        suffix, file name, title, alias), only if that note lies in the memory folder."""
        if not isinstance(link_string, str) or len(link_string) > 1024:
            return "Error: a link must be a string like [[entities/jane_doe.md]]"
        m = _LINK.match(link_string)
        target = (m.group(1) if m else link_string).strip()
        candidates = [target, target + ".md", f"entities/{target}", f"entities/{target}.md"]
        for cand in candidates:
            try:
                rel = self.fs.rel(cand)
            except PathRefused:
                continue
            if self.fs.kind(rel) == "file":
                return self.read_file(rel)
        try:
            self.app.ensure_memory_indexed()
            found = self.app.index.resolve(target, self.app.user_path)
        except MemdError:
            found = None
        if found and found.startswith(self.prefix + "/"):
            return self.read_file(found[len(self.prefix) + 1:])
        return f"Error: no note in memory for {link_string}"
