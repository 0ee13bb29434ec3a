"""`memd service` against fake systemctl / launchctl executables first on PATH, in a temp HOME.

The fakes are real programs: the code under test runs them through its ordinary runner.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from memd.daemon import service
from memd.daemon.formula import Resource, render_formula, sha256_of
from memd.errors import ConfigError, DaemonError

FAKE = r"""#!/bin/sh
# Record the call, one argument per tab-separated field.
{ printf '%s' "$(basename "$0")"; for arg in "$@"; do printf '\t%s' "$arg"; done; printf '\n'; } >> "$FAKE_LOG"
case " $* " in
  *" $FAKE_FAIL "*) echo "Failed to $FAKE_FAIL: simulated" >&2; exit 1 ;;
esac
case "$(basename "$0") $1 $2" in
  "systemctl --user is-active") echo "${FAKE_STATE:-active}"; [ "${FAKE_STATE:-active}" = active ] ;;
  "launchctl print "*) printf 'gui/501/dev.memd = {\n\tstate = running\n}\n' ;;
esac
"""


@pytest.fixture
def fakes(tmp_path, monkeypatch):
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    for name in ("systemctl", "launchctl", "journalctl", "tail"):
        path = bin_dir / name
        path.write_text(FAKE)
        path.chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_FAIL", "no-such-call")

    def calls():
        return [tuple(line.split("\t")) for line in log.read_text().splitlines()]

    return calls


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "my config" / "config.toml"
    path.parent.mkdir()
    path.write_text('vault = "~/Vault"\n')
    return path


@pytest.fixture
def executable(tmp_path):
    # A path with a space and a percent sign: both need quoting in a systemd unit.
    path = tmp_path / "my apps 100%" / "memd"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def unit_dir() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"


def test_systemd_install_writes_the_unit_and_starts_it(fakes, config_file, executable):
    plan = service.install(config_file, executable=executable, system="linux")
    unit = (unit_dir() / "memd.service").read_text()
    assert "Type=notify" in unit and "Restart=on-failure" in unit and "WatchdogSec=60" in unit
    exec_line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    escaped_exe = str(executable).replace("%", "%%")
    assert exec_line == f'ExecStart="{escaped_exe}" run --config "{config_file}"'
    assert not re.search(r"@[A-Z_]+@", unit)  # every placeholder filled
    assert fakes() == [
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "memd.service"),
    ]
    assert plan.steps and not (unit_dir() / "memd.socket").exists()


def test_systemd_reinstall_restarts_and_socket_activation(fakes, config_file, executable, short_dir):
    service.install(config_file, executable=executable, system="linux")
    socket_path = short_dir / "run" / "vault-0123.sock"
    service.install(config_file, executable=executable, socket_path=socket_path, system="linux")
    socket_unit = (unit_dir() / "memd.socket").read_text()
    assert f"ListenStream={socket_path}" in socket_unit and "SocketMode=0600" in socket_unit
    assert fakes()[2:] == [
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "memd.socket", "memd.service"),
        ("systemctl", "--user", "restart", "memd.service"),
    ]
    # Installing again without a socket drops the socket unit.
    service.install(config_file, executable=executable, system="linux")
    assert not (unit_dir() / "memd.socket").exists()
    assert ("systemctl", "--user", "disable", "--now", "memd.socket") in fakes()


def test_systemd_failure_rolls_the_files_back(fakes, config_file, executable, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "enable")
    with pytest.raises(DaemonError, match="systemctl --user enable --now memd.service` failed: Failed to enable: simulated"):
        service.install(config_file, executable=executable, system="linux")
    assert not (unit_dir() / "memd.service").exists()
    assert fakes()[-1] == ("systemctl", "--user", "daemon-reload")  # systemd forgets the unit again


def test_dry_run_writes_and_runs_nothing(fakes, config_file, executable):
    plan = service.install(config_file, executable=executable, system="linux", dry_run=True)
    text = plan.describe()
    assert f"write {unit_dir() / 'memd.service'}" in text
    assert "    Type=notify" in text
    assert "run systemctl --user enable --now memd.service" in text
    assert not unit_dir().exists() and fakes() == []
    plan = service.install(config_file, executable=executable, system="darwin", dry_run=True)
    assert "run launchctl bootstrap gui/" in plan.describe()
    assert fakes() == []


def test_systemd_uninstall_status_and_logs(fakes, config_file, executable, monkeypatch):
    assert service.status(system="linux").installed is False
    assert service.uninstall(system="linux").steps == []  # nothing installed: nothing to do
    service.install(config_file, executable=executable, system="linux")
    state = service.status(system="linux")
    assert state.installed and state.active and state.detail == "active"
    monkeypatch.setenv("FAKE_STATE", "failed")
    state = service.status(system="linux")
    assert state.installed and not state.active and state.detail == "failed"
    assert service.logs(lines=50, follow=True, system="linux") == 0
    assert fakes()[-1] == ("journalctl", "--user", "-u", "memd.service", "-n", "50", "--no-pager", "-f")
    service.uninstall(system="linux")
    assert not (unit_dir() / "memd.service").exists()
    assert fakes()[-2:] == [
        ("systemctl", "--user", "disable", "--now", "memd.service"),
        ("systemctl", "--user", "daemon-reload"),
    ]


def test_launchd_install_and_uninstall(fakes, config_file, executable):
    service.install(config_file, executable=executable, system="darwin")
    plist_path = Path.home() / "Library" / "LaunchAgents" / "dev.memd.plist"
    plist = plistlib.loads(plist_path.read_bytes())
    assert plist["Label"] == "dev.memd"
    assert plist["ProgramArguments"] == [str(executable), "run", "--config", str(config_file)]
    assert plist["KeepAlive"] == {"SuccessfulExit": False} and plist["RunAtLoad"] is True
    log_dir = Path.home() / "Library" / "Logs" / "memd"
    assert plist["StandardErrorPath"] == str(log_dir / "memd.err.log") and log_dir.is_dir()
    uid = os.getuid()
    assert fakes() == [
        ("launchctl", "bootout", f"gui/{uid}/dev.memd"),
        ("launchctl", "enable", f"gui/{uid}/dev.memd"),
        ("launchctl", "bootstrap", f"gui/{uid}", str(plist_path)),
    ]
    state = service.status(system="darwin")
    assert state.installed and state.active and state.detail == "running"
    (log_dir / "memd.err.log").write_text("boom\n")
    assert service.logs(lines=20, system="darwin") == 0
    assert fakes()[-1] == ("tail", "-n", "20", str(log_dir / "memd.err.log"))
    service.uninstall(system="darwin")
    assert not plist_path.exists()
    assert fakes()[-1] == ("launchctl", "bootout", f"gui/{uid}/dev.memd")


def test_install_needs_a_config_and_an_executable(fakes, tmp_path, config_file, monkeypatch):
    with pytest.raises(ConfigError, match="not found"):
        service.install(tmp_path / "missing.toml", executable=tmp_path / "memd", system="linux")
    monkeypatch.setattr(service.sys, "executable", str(tmp_path / "nowhere" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DaemonError, match="cannot find the memd executable"):
        service.install(config_file, system="linux")
    with pytest.raises(DaemonError, match="does not support"):
        service.install(config_file, executable=tmp_path / "memd", system="win32")


def test_the_executable_beside_the_interpreter_is_found(tmp_path, monkeypatch):
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "memd").write_text("#!/bin/sh\n")
    (venv_bin / "memd").chmod(0o755)
    monkeypatch.setattr(service.sys, "executable", str(venv_bin / "python"))
    assert service.find_executable() == venv_bin / "memd"


def test_homebrew_formula_renders(tmp_path):
    sdist = tmp_path / "memd-0.1.0.tar.gz"
    sdist.write_bytes(b"release bytes")
    text = render_formula(
        sdist=sdist,
        url="https://files.pythonhosted.org/packages/source/m/memd/memd-0.1.0.tar.gz",
        homepage="https://github.com/memd/memd",
        resources=[Resource("watchdog", "https://example.org/watchdog-7.1.0.tar.gz", "ab" * 32)],
    )
    assert f'sha256 "{sha256_of(sdist)}"' in text
    assert 'resource "watchdog" do' in text and "virtualenv_install_with_resources" in text
    assert 'run [opt_bin/"memd", "run"]' in text
    assert not re.search(r"@[A-Z_]+@", text)  # every placeholder filled


TEMPLATES = {"memd.service.in", "memd.socket.in", "dev.memd.plist.in", "memd.rb.in"}


def test_templates_load_in_this_install():
    from memd.daemon import templates

    for name in TEMPLATES:
        assert "@" in templates.load(name)


@pytest.mark.slow
def test_built_wheel_ships_the_templates_and_no_top_level_packaging(tmp_path):
    """packaging/ is data (memd.packaging), never a top-level package shadowing PyPI's."""
    import subprocess
    import sys
    import zipfile

    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(repo)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("memd_vault-*.whl")  # the distribution's name ("memd" on PyPI is another project)
    names = zipfile.ZipFile(wheel).namelist()
    assert "memd/config.example.toml" in names
    assert {f"memd/packaging/{n}" for n in TEMPLATES} <= set(names)
    assert not any(n.startswith("packaging/") for n in names)
    assert "memd/daemon/client.py" in names and "memd/importers/chatgpt.py" in names


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_rendered_units(fakes, config_file, executable, short_dir):
    """systemd's own parser checks quoting, % escapes and every directive."""
    service.install(config_file, executable=executable, socket_path=short_dir / "v.sock", system="linux")
    files = [str(unit_dir() / "memd.service"), str(unit_dir() / "memd.socket")]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
