"""Which vault paths memd never looks at (DESIGN.md, "Never touch")."""

from __future__ import annotations

import fnmatch

# Sync tools leave these next to the real note; indexing them would duplicate every fact.
_CONFLICT_PATTERNS = (
    "*.sync-conflict-*",  # Syncthing
    "* (*conflicted copy*)*",  # Dropbox: "note (conflicted copy)", "note (Ann's conflicted copy 2024-01-02)"
)


def is_ignored(relative_path: str) -> bool:
    """True for a vault-relative POSIX path memd must not index or react to.

    Any component starting with a dot is ignored: that covers dot-folders (.obsidian/ under any
    name the user configured, .trash/, .git/), iCloud stubs (.note.md.icloud), memd's own temp
    files (.note.md.memd-XXXX.tmp) and editor swap files; Obsidian itself hides all of them.
    """
    parts = relative_path.split("/")
    if any(part.startswith(".") for part in parts if part):
        return True
    name = parts[-1]
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _CONFLICT_PATTERNS)
