"""`memd init`: write the config, create the memory skeleton and the state folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from memd.config import Config, config_from_dict, default_config_path, load_config, render_config
from memd.errors import ConfigError, VaultError
from memd.private_state import secure_state
from memd.vault.atomic import atomic_write
from memd.vault.operations import USER_RELATIONS, USER_TITLE

USER_SKELETON = f"# {USER_TITLE}\n\n## {USER_RELATIONS}\n"


@dataclass
class InitResult:
    config: Config
    config_path: Path
    config_written: bool
    user_file_created: bool


def init_vault(vault: Path, *, config_path: Path | None = None, state_dir: Path | None = None,
               create: bool = False, force: bool = False) -> InitResult:
    vault = vault.expanduser().resolve()
    if not vault.exists():
        if not create:
            raise VaultError(f"no folder at {vault}", hint="pass --create to make a new vault there")
        vault.mkdir(parents=True)
    if not vault.is_dir():
        raise VaultError(f"{vault} is not a folder")
    if not os.access(vault, os.R_OK | os.W_OK | os.X_OK):
        raise VaultError(f"cannot read and write {vault}")
    cfg_path = (config_path or default_config_path()).expanduser().resolve()
    existing: Config | None = None
    if cfg_path.exists():
        try:
            existing = load_config(cfg_path)
        except ConfigError:
            if not force:
                raise
    if existing is not None and existing.vault != vault and not force:
        raise ConfigError(f"{cfg_path} already points at {existing.vault}",
                          hint="pass --force to repoint it, or --config for a second vault")
    data: dict = {"vault": str(vault)}
    if state_dir:
        data["state_dir"] = str(state_dir.expanduser().resolve())
    config = config_from_dict(data, cfg_path)
    if existing is not None and existing.vault == vault:
        config = existing  # keep every setting the user chose; just make sure the skeleton exists
        written = False
    else:
        cfg_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cfg_path, render_config(config).encode())
        written = True
    secure_state(config.state_dir)
    user_file = config.user_file
    created = False
    if not user_file.exists():
        # Created through the writer so it is journaled and memd owns its skeleton lines.
        from memd.app import Memd
        from memd.state import Source
        from memd.vault.operations import CreateFile

        with Memd(config) as app:
            rel = user_file.relative_to(config.vault).as_posix()
            created = app.writer.apply(CreateFile(rel, USER_SKELETON), Source("init")).status == "applied"
    config.entities_root.mkdir(parents=True, exist_ok=True)
    return InitResult(config, cfg_path, written, created)
