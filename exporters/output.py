"""Where an export's bytes go, without ever destroying something memd did not write.

Three cases:
  a file inside the vault   through the vault writer (`write_whole`): journaled, atomic, and
                            replaced only while it still holds what memd last exported there; a
                            canvas or base the user has edited since is refused (`--force` to
                            replace it anyway, the journal still keeps the step).
  a file outside the vault  atomic replace (temp + fsync + rename). An existing file is replaced
                            only if it is memd's previous export, unchanged (recorded in the
                            state folder's exports.json), or with `--force`.
  a folder (mem-agent)      built whole in a hidden temp folder beside it, then swapped in with one
                            rename, so a reader sees the old memory or the new one, never a mix. A
                            folder that is not memd's unchanged previous export is refused unless
                            `--force`, and even then it is kept beside the new one, not deleted:
                            mem-agent writes into its memory, and those writes must not vanish.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from memd.errors import ConflictError, VaultError
from memd.state import Source
from memd.vault import swap
from memd.vault.atomic import atomic_write, fsync_dir, sha256

RECORD_FILE = "exports.json"


def vault_relative(app: Any, path: Path) -> str | None:
    """`path` relative to the vault, or None when it lies outside it."""
    vault = Path(os.path.realpath(app.config.vault))
    real = Path(os.path.realpath(path))
    try:
        return real.relative_to(vault).as_posix()
    except ValueError:
        return None


def _records(app: Any) -> dict[str, Any]:
    try:
        data = json.loads((app.config.state_dir / RECORD_FILE).read_text("utf-8"))
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, ValueError, OSError):
        return {}


def _remember(app: Any, target: Path, hashes: dict[str, str]) -> None:
    """Record what was exported where (read-modify-write under the writer's lock, so two exports
    at once, from the CLI and the daemon, both stay recorded)."""
    with app.writer.locked():
        records = _records(app)
        records[str(target)] = hashes
        atomic_write(app.config.state_dir / RECORD_FILE,
                     (json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())


def _check_parent(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise VaultError(f"no folder {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise VaultError(f"cannot write in {parent}: permission denied")


def write_file(app: Any, path: Path, data: bytes, *, kind: str, force: bool = False) -> dict[str, Any]:
    """Write one export file; returns {path, bytes, where, status}."""
    path = Path(os.path.abspath(path.expanduser()))
    if path.is_dir():
        raise VaultError(f"{path} is a folder; give a file name")
    _refuse_memd_files(app, path)
    rel = vault_relative(app, path)
    if rel is not None:
        return _write_in_vault(app, rel, data, kind=kind, force=force)
    _check_parent(path)
    recorded = _records(app).get(str(path), {})
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise VaultError(f"cannot read {path}: {exc.strerror}") from None
    if current == data:
        return {"path": str(path), "bytes": len(data), "where": "outside the vault", "status": "unchanged"}
    if current is not None and not force and recorded.get("") != sha256(current):
        raise ConflictError(f"{path} exists and is not memd's last export (changed or written by something else)",
                            hint="pass --force to replace it")
    try:
        atomic_write(path, data, fsync=app.config.writer.fsync)
    except OSError as exc:
        raise VaultError(f"cannot write {path}: {exc.strerror}") from None
    _remember(app, path, {"": sha256(data)})
    return {"path": str(path), "bytes": len(data), "where": "outside the vault", "status": "written"}


def _refuse_memd_files(app: Any, path: Path) -> None:
    """memd's own config and state are never an export's target, --force or not."""
    real = Path(os.path.realpath(path))
    config = app.config.path
    if (config and real == Path(os.path.realpath(config))) or real.is_relative_to(os.path.realpath(app.config.state_dir)):
        raise VaultError(f"{path} is memd's own config or state; choose another file")


def _write_in_vault(app: Any, rel: str, data: bytes, *, kind: str, force: bool) -> dict[str, Any]:
    """Through the writer: journaled, compare-and-swap, the file's last memd hash as the guard.
    Only a file memd exported there before may be replaced: never a note of the user's, nor a
    memory file (a whole-file write cannot be undone line by line), even with --force."""
    last = None
    exported_before = False
    for entry in app.state.journal(path=rel, limit=20):
        if entry["status"] == "applied" and entry["hash_after"]:
            exported_before = entry["op"].startswith("export_")
            last = entry["hash_after"]
            break
    target = app.config.vault / rel
    if target.exists() and not exported_before:
        raise ConflictError(f"{rel} is a file in your vault that memd did not export; choose another name")
    if force and target.is_file():
        try:
            last = sha256(target.read_bytes())  # replace whatever is there now (the journal keeps the step)
        except OSError as exc:
            raise VaultError(f"cannot read {rel}: {exc.strerror}") from None
    result = app.writer.write_whole(rel, data.decode("utf-8"), expected_hash=last,
                                    source=Source(f"export:{kind}", ref=rel), op_name=f"export_{kind}")
    if result.status == "conflict":
        raise ConflictError(f"{rel} was edited since memd last wrote it; kept as it is",
                            hint="pass --force to replace it")
    if result.status == "deferred":
        raise ConflictError(f"{rel}: {result.reason}")
    return {"path": str(target), "vault_path": rel, "bytes": len(data), "where": "vault",
            "status": "unchanged" if result.status == "noop" else "written", "journal_id": result.journal_id}


def _is_our_export(root: Path, recorded: dict[str, str] | None) -> bool:
    """Whether `root` holds exactly the files memd exported there, unchanged. Stops at the first
    difference, so pointing the export at a big foreign folder costs a few stats, not a read of it."""
    if not recorded:
        return False
    seen = 0
    try:
        for folder, _dirs, files in os.walk(root, onerror=_raise):
            for name in files:
                full = Path(folder) / name
                rel = full.relative_to(root).as_posix()
                seen += 1
                if seen > len(recorded) or rel not in recorded or full.is_symlink():
                    return False
                if sha256(full.read_bytes()) != recorded[rel]:
                    return False
    except OSError:
        return False
    return seen == len(recorded)


def _raise(exc: OSError) -> None:
    raise exc


def write_tree(app: Any, target: Path, files: dict[str, bytes], *, force: bool = False) -> dict[str, Any]:
    """Replace folder `target` with exactly `files` (relative path -> bytes), atomically."""
    target = Path(os.path.realpath(target.expanduser()))  # a symlinked folder: replace what it points at
    if vault_relative(app, target) is not None:
        raise VaultError(f"{target} is inside the vault; export to a folder outside it"
                         " (the vault's memory folder already is a mem-agent memory)")
    for name, inner in (("the vault", app.config.vault), ("memd's state folder", app.config.state_dir)):
        if Path(os.path.realpath(inner)).is_relative_to(target):
            raise VaultError(f"{target} holds {name}; export to a folder of its own")
    if target.exists() and not target.is_dir():
        raise VaultError(f"{target} is a file, not a folder")
    _check_parent(target)
    kept_aside = None
    existing = target.is_dir()
    if existing:
        try:
            with os.scandir(target) as it:
                empty = next(it, None) is None
        except OSError as exc:
            raise VaultError(f"cannot read {target}: {exc.strerror}") from None
        if not empty and not _is_our_export(target, _records(app).get(str(target))):
            if not force:
                raise ConflictError(f"{target} is not empty and is not memd's unchanged last export",
                                    hint="pass --force to replace it; the old folder is kept beside it")
            stamp = time.strftime('%Y%m%d-%H%M%S')
            kept_aside = target.parent / f"{target.name}.replaced-{stamp}"
            n = 2
            while kept_aside.exists():
                kept_aside = target.parent / f"{target.name}.replaced-{stamp}-{n}"
                n += 1
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.memd-", suffix=".tmp", dir=target.parent))
    swapped = False  # after the swap, `tmp` holds the OLD folder: never removed on an error path
    try:
        for rel, data in sorted(files.items()):
            out = tmp / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "wb") as fh:
                fh.write(data)
                if app.config.writer.fsync:
                    os.fsync(fh.fileno())
        for folder, _dirs, _files in os.walk(tmp):
            os.chmod(folder, 0o777 & ~_umask())
            if app.config.writer.fsync:
                fsync_dir(Path(folder))
        if not existing:
            os.rename(tmp, target)  # fails if something appeared there meanwhile: nothing lost
            swapped = True
        else:
            try:
                swap.exchange(tmp, target)  # one atomic step: readers see old or new
            except swap.Unsupported:  # two renames: a reader may find no folder for a moment
                aside = target.parent / f".{target.name}.memd-old-{os.urandom(4).hex()}"
                os.rename(target, aside)
                try:
                    os.rename(tmp, target)
                except OSError:
                    os.rename(aside, target)  # put the old folder back before reporting
                    raise
                tmp = aside
            swapped = True
            if kept_aside is None and not _is_our_export(tmp, _records(app).get(str(target))) and any(tmp.iterdir()):
                # mem-agent wrote into it between the check and the swap: keep it, do not delete it.
                kept_aside = target.parent / f"{target.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            if kept_aside is not None:
                os.rename(tmp, kept_aside)
            else:
                shutil.rmtree(tmp)  # memd's own unchanged previous export
    except OSError as exc:
        if not swapped:
            shutil.rmtree(tmp, ignore_errors=True)
        raise VaultError(f"cannot write {target}: {exc.strerror or exc}") from None
    if app.config.writer.fsync:
        fsync_dir(target.parent)
    _remember(app, target, {rel: sha256(data) for rel, data in files.items()})
    return {"path": str(target), "files": len(files), "bytes": sum(len(d) for d in files.values()),
            **({"previous_kept_at": str(kept_aside)} if kept_aside else {})}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
