"""What memd never touches: dot-folders, sync-conflict copies, iCloud stubs, its own temp files.

One predicate used by the index scan, the watcher and the writer, so they can never disagree
about which files belong to the user's machinery (Obsidian's config folder, whose name is
configurable, is simply one of the dot-folders).
"""

from __future__ import annotations

import fnmatch
import re

# `Note.sync-conflict-20240101-123456-ABCDEF.md` (Syncthing), `Note (conflicted copy 2024-01-01).md`
# and `Note (Jane's conflicted copy).md` (Dropbox), `Note 2.md`-style iCloud duplicates are left
# alone because they are ordinary names a user may choose.
_CONFLICT = re.compile(r"\.sync-conflict-|\(.*conflicted copy.*\)", re.IGNORECASE)
_MEMD_TEMP = re.compile(r"^\..+\.memd-[A-Za-z0-9_]+\.tmp$")


def is_ignored_name(name: str) -> bool:
    """True for a single path component memd must never read or write."""
    if name.startswith("."):
        # dot-folders (.obsidian, .trash, .git), iCloud stubs (.Note.md.icloud), our temp files
        return True
    return bool(_CONFLICT.search(name))


def is_memd_temp(name: str) -> bool:
    return bool(_MEMD_TEMP.match(name))


def is_ignored_path(rel_path: str, extra_globs: list[str] | tuple[str, ...] = ()) -> bool:
    """True if any component of the vault-relative `rel_path` is ignored, or a glob matches."""
    parts = rel_path.replace("\\", "/").split("/")
    if any(is_ignored_name(p) for p in parts if p):
        return True
    return any(fnmatch.fnmatchcase(rel_path, g) for g in extra_globs)


def is_markdown(name: str) -> bool:
    return name.lower().endswith(".md")
