"""`memd doctor` checks on real folders, a real socket and real limits files."""

from __future__ import annotations

import os

import pytest

from memd.daemon import doctor
from memd.daemon.lock import InstanceLock
from memd.daemon.paths import ensure_private_dir
from memd.errors import ConfigError


def test_config_checks(tmp_path):
    path = tmp_path / "config.toml"
    missing = doctor.check_config(path)
    assert missing.status == "fail" and "memd init" in missing.fix
    path.write_text('vault = "/x"\n[llm\n')
    broken = doctor.check_config(path)
    assert broken.status == "fail" and "not valid TOML" in broken.detail
    path.write_text('vault = "/x"\n')
    assert doctor.check_config(path).status == "ok"

    def strict_loader(p):
        raise ConfigError("vault /x does not exist", hint="run memd init")

    refused = doctor.check_config(path, load=strict_loader)
    assert refused.status == "fail" and "vault /x does not exist" in refused.detail and refused.fix == "run memd init"


def test_vault_checks(tmp_path):
    assert doctor.check_vault(tmp_path / "nope")[0].status == "fail"
    (tmp_path / "file").write_text("")
    assert "not a folder" in doctor.check_vault(tmp_path / "file")[0].detail
    vault = tmp_path / "vault"
    vault.mkdir()
    [check] = doctor.check_vault(vault, system="linux")
    assert check.status == "ok"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_vault(tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o000)
    try:
        assert doctor.check_vault(vault, system="linux")[0].status == "fail"
    finally:
        vault.chmod(0o700)


@pytest.mark.parametrize(
    ("relative", "label"),
    [
        ("Documents/Notes", "Documents"),
        ("Desktop/Vault", "Desktop"),
        ("Library/Mobile Documents/iCloud~md~obsidian/Documents/Vault", "iCloud Drive"),
    ],
)
def test_macos_protected_locations_explain_full_disk_access(tmp_path, relative, label):
    home = tmp_path / "home"
    vault = home / relative
    vault.mkdir(parents=True)
    checks = doctor.check_vault(vault, system="darwin", home=home)
    location = next(c for c in checks if c.name == "vault location")
    assert location.status == "warn"
    assert label in location.detail and "Full Disk Access" in location.fix


def test_macos_vault_elsewhere_is_fine(tmp_path):
    home = tmp_path / "home"
    vault = home / "Vaults" / "Main"
    vault.mkdir(parents=True)
    location = next(c for c in doctor.check_vault(vault, system="darwin", home=home) if c.name == "vault location")
    assert location.status == "ok"


def test_inotify_limit_against_folder_count(tmp_path):
    vault = tmp_path / "vault"
    for n in range(20):
        (vault / f"d{n}" / "sub").mkdir(parents=True)  # 41 folders with the root
    limits = tmp_path / "limits"
    limits.mkdir()
    (limits / "max_user_watches").write_text("40\n")
    too_few = doctor.check_inotify(vault, system="linux", limits_dir=limits)
    assert too_few.status == "fail" and "41 folders" in too_few.detail and "polling" in too_few.detail
    assert "max_user_watches" in too_few.fix
    (limits / "max_user_watches").write_text("60\n")
    assert doctor.check_inotify(vault, system="linux", limits_dir=limits).status == "warn"
    (limits / "max_user_watches").write_text("100000\n")
    assert doctor.check_inotify(vault, system="linux", limits_dir=limits).status == "ok"
    assert doctor.check_inotify(vault, system="darwin").status == "ok"
    if os.path.exists("/proc/sys/fs/inotify/max_user_watches"):
        assert doctor.check_inotify(vault, system="linux").status in ("ok", "warn")


def test_socket_dir_checks(vault_paths, serve):
    assert doctor.check_socket_dir(vault_paths.socket).status == "ok"  # not there yet: fine
    folder = vault_paths.socket.parent
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    loose = doctor.check_socket_dir(vault_paths.socket)
    assert loose.status == "warn" and "0755" in loose.detail
    ensure_private_dir(folder)
    vault_paths.socket.write_text("")
    assert doctor.check_socket_dir(vault_paths.socket).status == "fail"
    vault_paths.socket.unlink()
    serve()
    check = doctor.check_socket_dir(vault_paths.socket)
    assert check.status == "ok" and "0600" in check.detail


def test_daemon_checks(vault_paths, serve):
    absent = doctor.check_daemon(vault_paths)
    assert absent.status == "warn" and "not running" in absent.detail
    with InstanceLock(vault_paths.lock):
        hung = doctor.check_daemon(vault_paths)
    assert hung.status == "fail" and f"pid {os.getpid()}" in hung.detail
    serve()
    alive = doctor.check_daemon(vault_paths)
    assert alive.status == "ok" and f"pid {os.getpid()}" in alive.detail


def test_llm_backend_checks():
    assert doctor.check_llm("rules", None).status == "ok"
    assert doctor.check_llm("openai", lambda: "llama.cpp at http://127.0.0.1:8080, model qwen3").status == "ok"

    def refused():
        raise ConnectionRefusedError(111, "Connection refused")

    down = doctor.check_llm("openai", refused)
    assert down.status == "fail" and "Connection refused" in down.detail
    checks = [doctor.check_llm("rules", None), down]
    assert doctor.worst(checks) == "fail" and doctor.worst([]) == "ok"
