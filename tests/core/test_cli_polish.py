"""The CLI's first ten minutes, as a new user meets them: version, help, completion, config,
stop, service messages, output into a pipe, --json errors. Real `memd` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

MEMD = [sys.executable, "-m", "memd"]


def run(env, *args, input=None, timeout=60):
    return subprocess.run(MEMD + list(args), env=env, capture_output=True, text=True, input=input, timeout=timeout)


@pytest.fixture
def env(tmp_path, vault):
    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"))
    e.pop("COLUMNS", None)
    r = run(e, "init", str(vault), "--json")
    assert r.returncode == 0, r.stderr
    return e


def _walk(cmd: click.Command, path: list[str]):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from _walk(sub, path + [name])


# Commands whose stdout is not theirs to format: `mcp` (without a subcommand) speaks the MCP
# protocol on stdout.
NO_JSON = {("memd", "mcp")}


def test_every_option_has_help_and_every_command_has_json():
    from memd.cli import cli

    missing_help, missing_json = [], []
    for path, cmd in _walk(cli, ["memd"]):
        assert cmd.help or isinstance(cmd, click.Group) and cmd.commands, f"{' '.join(path)} has no help text"
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden and not p.help:
                missing_help.append(f"{' '.join(path)} {p.opts[0]}")
        runs_itself = not isinstance(cmd, click.Group) or cmd.invoke_without_command
        if runs_itself and len(path) > 1 and tuple(path) not in NO_JSON:
            if not any(isinstance(p, click.Option) and "--json" in p.opts for p in cmd.params):
                missing_json.append(" ".join(path))
    assert not missing_help, f"options without help: {missing_help}"
    assert not missing_json, f"commands without --json: {missing_json}"


def test_version_help_and_no_arguments(tmp_path):
    from memd import __version__

    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "none.toml"))
    for flag in ("-V", "--version"):
        r = run(e, flag)
        assert r.returncode == 0 and r.stdout.strip() == f"memd, version {__version__}"
    bare = run(e)
    assert bare.returncode == 0, bare.stderr
    assert "Usage: memd" in bare.stdout and "Commands:" in bare.stdout
    helped = run(e, "--help")
    assert helped.stdout == bare.stdout
    assert "Examples:" in helped.stdout and "memd import chatgpt" in helped.stdout
    assert "https://pypi.org/project/memd-vault/" in helped.stdout


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o nosort -F _memd_completion memd"),
                                          ("zsh", "#compdef memd"), ("fish", "complete --no-files --command memd")])
def test_completion_scripts(tmp_path, shell, marker):
    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "none.toml"))
    r = run(e, "completion", shell)
    assert r.returncode == 0, r.stderr
    assert marker in r.stdout and "_MEMD_COMPLETE" in r.stdout
    # The script asks memd itself; that answer lists real commands.
    # (fish passes the incomplete word itself, bash and zsh its index)
    e.update(_MEMD_COMPLETE=f"{shell}_complete", COMP_WORDS="memd co", COMP_CWORD="co" if shell == "fish" else "1")
    answer = subprocess.run(MEMD, env=e, capture_output=True, text=True, timeout=60)
    assert "completion" in answer.stdout and "config" in answer.stdout and "context" in answer.stdout


def test_completion_of_unknown_shell_is_a_usage_error(tmp_path):
    r = run(dict(os.environ, MEMD_CONFIG=str(tmp_path / "x.toml")), "completion", "tcsh")
    assert r.returncode == 2 and "tcsh" in r.stderr


def test_config_path_get_set_keeps_comments_and_validates(env):
    cfg = Path(env["MEMD_CONFIG"])
    assert run(env, "config", "path").stdout.strip() == str(cfg)
    example = json.loads(run(env, "config", "path", "--example", "--json").stdout)
    assert example["exists"] and Path(example["path"]).name == "config.example.toml"
    # memd's own header line names that installed example file, which exists.
    header = cfg.read_text().splitlines()[0]
    assert example["path"] in header

    cfg.write_text(cfg.read_text() + "\n# my settings\n[extract]\nbackend = \"rules\"   # keep it offline\n")
    before = cfg.read_text()
    r = run(env, "config", "set", "extract.backend", "gpt")
    assert r.returncode == 1 and "extract.backend must be one of rules, openai, mlx" in r.stderr
    assert cfg.read_text() == before, "an invalid value changed the file"
    r = run(env, "config", "set", "writer.settle_seconds", "soon")
    assert r.returncode == 1 and "must be a number" in r.stderr and cfg.read_text() == before
    r = run(env, "config", "set", "nope.key", "1")
    assert r.returncode == 1 and "unknown config key" in r.stderr

    assert run(env, "config", "set", "extract.backend", "openai").returncode == 0
    assert run(env, "config", "set", "import.me", "Ana, Ana Silva").returncode == 0
    assert run(env, "config", "set", "writer.settle_seconds", "0").returncode == 0
    text = cfg.read_text()
    assert "# my settings" in text and 'backend = "openai"  # keep it offline' in text
    assert 'me = ["Ana", "Ana Silva"]' in text and "[writer]\nsettle_seconds = 0.0" in text
    assert run(env, "config", "get", "extract.backend").stdout.strip() == "openai"
    got = json.loads(run(env, "config", "get", "import.me", "--json").stdout)
    assert got == {"key": "import.me", "value": ["Ana", "Ana Silva"]}
    every = json.loads(run(env, "config", "get", "--json").stdout)["values"]
    assert every["daemon.log_level"] == "info" and every["writer.settle_seconds"] == 0.0
    # No temp files left beside the config.
    assert [p.name for p in cfg.parent.iterdir()] == [cfg.name]


def test_set_in_text_appends_missing_sections_and_top_keys():
    from memd.config_edit import set_in_text

    text = "# head\nvault = \"/v\"\n\n[index]\nexclude = []\n\n[daemon]\nlog_level = \"info\"\n"
    out = set_in_text(text, "index", "chunk_chars", 100)
    assert out == "# head\nvault = \"/v\"\n\n[index]\nexclude = []\nchunk_chars = 100\n\n[daemon]\nlog_level = \"info\"\n"
    out = set_in_text(text, None, "state_dir", "/s")
    assert out.startswith("# head\nvault = \"/v\"\nstate_dir = \"/s\"\n\n[index]")
    out = set_in_text(text, "ask", "backend", "openai")
    assert out.endswith("log_level = \"info\"\n\n[ask]\nbackend = \"openai\"\n")
    # A '#' inside a quoted value is not a comment.
    out = set_in_text('[llm]\nmodel = "a#b"  # note\n', "llm", "model", "c")
    assert out == '[llm]\nmodel = "c"  # note\n'


@pytest.mark.parametrize("body,named", [
    ('[extract]\nbackend = "gpt"\n', "extract.backend must be one of rules, openai, mlx, got 'gpt'"),
    ("[daemon]\nsocket_path = 5\n", "daemon.socket_path must be a path (a quoted string), got 5"),
    ("[mlx]\nmodel_path = 7\n", "mlx.model_path must be a path"),
    ('[import]\ntz = "Mars/Olympus"\n', "is not a time zone"),
    ('[daemon]\nlog_level = "loud"\n', "daemon.log_level must be one of"),
])
def test_invalid_config_values_caught_by_every_command_and_named_by_doctor(env, body, named):
    cfg = Path(env["MEMD_CONFIG"])
    cfg.write_text(cfg.read_text() + "\n" + body)
    for args in (["status"], ["search", "x"], ["fact", "set", "user", "k", "v"], ["service", "status"]):
        r = run(env, *args)
        assert r.returncode == 1, (args, r.stdout)
        assert named in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    r = run(env, "doctor", "--json")
    assert r.returncode == 1
    checks = json.loads(r.stdout)["checks"]
    assert checks[0]["name"] == "config" and checks[0]["status"] == "fail" and named in checks[0]["detail"]


def test_vault_that_is_a_number(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("vault = 5\n")
    r = run(dict(os.environ, MEMD_CONFIG=str(cfg)), "status")
    assert r.returncode == 1 and "vault must be a path (a quoted string), got 5" in r.stderr


def test_pipe_output_is_tab_separated_and_never_cut(env, vault):
    long_value = "a very long value " * 12
    assert run(env, "fact", "set", "user", "long_note", long_value.strip()).returncode == 0
    r = run(env, "entity", "show", "user")
    rows = [line.split("\t") for line in r.stdout.splitlines() if "\t" in line]
    assert rows[0] == ["key", "value", "section"]
    assert ["long_note", long_value.strip(), "User Information"] in rows or \
        any(row[:2] == ["long_note", long_value.strip()] for row in rows)
    status = run(env, "status").stdout.splitlines()
    assert "journal\t2 operations" in status or any(l.startswith("journal\t") for l in status)
    assert any(l.startswith("socket\t") and l.endswith(".sock") for l in status)
    assert not any("\x1b[" in l for l in status), "colour codes in a pipe"


def test_plurals(env, tmp_path):
    from memd.cli.common import plural

    assert plural(1, "operation") == "1 operation" and plural(2, "operation") == "2 operations"
    assert plural(0, "entry", "entries") == "0 entries"
    status = run(env, "status").stdout
    # `memd init` journals exactly one operation (creating user.md).
    assert "journal\t1 operation\n" in status


def test_json_errors_go_to_stderr_as_an_object(env):
    r = run(env, "fact", "remove", "nobody", "key", "--json")
    assert r.returncode == 1 and r.stdout == ""
    err = json.loads(r.stderr)["error"]
    assert err["type"] == "NotFoundError" and err["message"] == "there is no entity called 'nobody'"
    assert err["exit_code"] == 1 and "memd entity list" in err["hint"]
    usage = run(env, "search", "--limit", "zero", "x", "--json")
    assert usage.returncode == 2 and json.loads(usage.stderr)["error"]["type"] == "BadParameter"
    plain = run(env, "fact", "remove", "nobody", "key")
    assert plain.returncode == 1
    assert plain.stderr.strip() == ("memd: error: there is no entity called 'nobody' "
                                    "(`memd entity list` shows the names; `user` is you)")


def test_stop_and_status_show_pid_and_socket(env):
    assert json.loads(run(env, "stop", "--json").stdout) == {"stopped": False, "was_running": False, "pid": None}
    status = json.loads(run(env, "status", "--json").stdout)
    sock = status["daemon"]["socket"]  # the README's example reads this with the daemon stopped
    assert status["daemon"]["running"] is False and sock.endswith(".sock")
    daemon = subprocess.Popen(MEMD + ["run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Path(sock).exists():
            time.sleep(0.1)
        assert Path(sock).exists(), "the daemon did not start"
        svc = json.loads(run(env, "service", "status", "--json").stdout)
        assert svc["daemon"] == {"running": True, "pid": daemon.pid, "reachable": True, "socket": sock}
        human = run(env, "service", "status").stdout
        assert f"pid\t{daemon.pid}" in human and f"socket\t{sock}" in human
        live = json.loads(run(env, "status", "--json").stdout)["daemon"]
        assert live["pid"] == daemon.pid and live["socket"] == sock and live["running"] is True
        r = run(env, "stop", "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"stopped": True, "was_running": True, "pid": daemon.pid, "via": "signal"}
        assert daemon.wait(timeout=15) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_service_without_a_user_session_says_what_to_do(env, tmp_path):
    # No D-Bus session bus for this process: systemctl --user cannot reach a user manager.
    e = dict(env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus", XDG_RUNTIME_DIR=str(tmp_path / "norun"))
    if not sys.platform.startswith("linux"):
        pytest.skip("systemd is Linux only")
    r = run(e, "service", "install")
    assert r.returncode == 1
    assert "memd run" in r.stderr and ("no systemd user session" in r.stderr or "systemctl is not installed" in r.stderr)
    units = Path(e["HOME"]) / ".config" / "systemd" / "user" / "memd.service"
    assert not units.exists(), "a unit was written although it cannot be started"
    r = run(e, "service", "uninstall")
    assert r.returncode == 0 and "not installed" in r.stdout and "removed" not in r.stdout
    data = json.loads(run(e, "service", "uninstall", "--json").stdout)
    assert data["installed"] is False and data["removed"] is False
