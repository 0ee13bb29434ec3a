"""Private state: the state folder is 0700 and everything memd keeps in it 0600.

index.db and state.db hold whole transcripts, the journal and the review queue: as readable as
the user's mail. SQLite gives its -wal and -shm files the mode of the database file, so a
database created 0600 (db.connect does) keeps them private too; `secure_state` repairs a folder
made before (0755 and 0644 under the usual umask) at the start of every command that opens a
vault, and `state_problems` is what `memd doctor` reports.

Only the folder itself and the files memd writes there are touched (databases, their -wal /
-shm / -journal files, lock files, and the folders memd makes inside: `locks`, `run`): a
`state_dir` the user pointed somewhere shared keeps everything else as it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
_DB_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal")
_OWN_DIRS = ("locks", "run")


def _ours(name: str) -> bool:
    return name.endswith(_DB_SUFFIXES) or name.endswith(".lock")


def _entries(state_dir: Path) -> list[tuple[Path, os.stat_result, int]]:
    """(path, lstat, the mode it must not exceed) for the folder and everything memd keeps in it."""
    out: list[tuple[Path, os.stat_result, int]] = []
    folders = [state_dir] + [state_dir / name for name in _OWN_DIRS]
    for folder in folders:
        try:
            st = os.lstat(folder)
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue  # a symlink or a file where a folder should be: not followed, not changed
        out.append((folder, st, DIR_MODE))
        try:
            with os.scandir(folder) as it:
                names = [e.name for e in it]
        except OSError:
            continue
        for name in sorted(names):
            if not _ours(name):
                continue
            path = folder / name
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((path, st, FILE_MODE))
    return out


def state_problems(state_dir: Path) -> list[str]:
    """What is readable or writable by others: `path (mode 0644, want 0600)`, empty when private."""
    problems = []
    for path, st, want in _entries(state_dir):
        mode = stat.S_IMODE(st.st_mode)
        if mode & ~want & 0o777:
            problems.append(f"{path} (mode {mode:04o}, want {want:04o})")
        elif st.st_uid != os.geteuid():
            problems.append(f"{path} (belongs to uid {st.st_uid}, not to you)")
    return problems


def secure_state(state_dir: Path) -> list[str]:
    """Create the state folder (0700) or take group and other bits off it and off what memd keeps
    in it. Returns what was repaired; what cannot be (another owner) is left for doctor."""
    state_dir = Path(state_dir)
    if not state_dir.exists():
        state_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            state_dir.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # made by another memd process meanwhile; repaired below like any other
    repaired = []
    for path, st, want in _entries(state_dir):
        mode = stat.S_IMODE(st.st_mode)
        if mode & ~want & 0o777 and st.st_uid == os.geteuid():
            try:
                os.chmod(path, mode & want)  # lstat said folder or regular file: no symlink followed
            except OSError:
                continue
            repaired.append(str(path))
    return repaired


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (SQLite then opens it as a new
    database, and gives its -wal and -shm files the same mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)
