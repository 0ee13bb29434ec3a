"""Walking the vault: every file memd may index, and every folder it could not read.

Symlinked folders are followed (Obsidian follows them) but each real folder is visited once, so
a symlink loop ends. A folder that cannot be listed is reported, never treated as empty: the
index keeps the rows of every file under it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from memd.vault.ignore import is_ignored_name, is_memd_temp

STALE_TEMP_SECONDS = 120


@dataclass
class WalkResult:
    unreadable_dirs: list[str] = field(default_factory=list)  # vault-relative, "" for the root
    warnings: list[tuple[str, str]] = field(default_factory=list)
    stale_temps: list[str] = field(default_factory=list)


def walk(vault: Path, result: WalkResult, extra_globs: list[str] | tuple[str, ...] = (),
         prefix: str = "") -> Iterator[tuple[str, os.stat_result]]:
    """Yield (vault-relative path, stat) for every file memd may index under `prefix`."""
    start = vault / prefix if prefix else vault
    stack: list[tuple[Path, str]] = [(start, prefix.strip("/"))]
    seen_dirs: set[tuple[int, int]] = set()
    try:
        st = os.stat(start)
        seen_dirs.add((st.st_dev, st.st_ino))
    except FileNotFoundError:
        return  # the folder is gone: nothing under it is seen, and each row is confirmed gone one by one
    except OSError:
        result.unreadable_dirs.append(prefix.strip("/"))
        return
    now = time.time()
    # The globs as one compiled pattern (fnmatchcase's own translation): the parents of every
    # path walked here already passed the name rules, so only the globs are left to check.
    excluded = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in extra_globs)).match if extra_globs else None
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except (PermissionError, FileNotFoundError, NotADirectoryError, OSError) as exc:
            result.unreadable_dirs.append(rel)
            result.warnings.append((rel or ".", f"cannot list folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            name = entry.name
            child = f"{rel}/{name}" if rel else name
            if is_ignored_name(name):
                if is_memd_temp(name):
                    try:
                        if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
                            result.stale_temps.append(child)
                    except OSError:
                        pass
                continue
            if excluded is not None and excluded(child):
                continue
            try:
                if entry.is_dir(follow_symlinks=True):
                    dst = entry.stat(follow_symlinks=True)
                    key = (dst.st_dev, dst.st_ino)
                    if key in seen_dirs:
                        if entry.is_symlink():
                            result.warnings.append((child, "symlink loop or repeated folder; visited once"))
                        continue
                    seen_dirs.add(key)
                    stack.append((Path(entry.path), child))
                elif entry.is_file(follow_symlinks=True):
                    yield child, entry.stat(follow_symlinks=True)
            except FileNotFoundError:
                continue  # vanished mid-scan (or a dangling symlink): nothing to index
            except OSError as exc:
                result.warnings.append((child, f"cannot stat: {exc.strerror or exc}"))
