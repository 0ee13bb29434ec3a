"""One daemon per vault, stale sockets, other users, socket activation: with real processes."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import stat
import sys
from pathlib import Path

import pytest

from memd.daemon import rpc
from memd.daemon.client import RpcError, connect, daemon_state, vault_daemon_state
from memd.daemon.lock import InstanceLock, lock_holder
from memd.daemon.paths import MAX_SOCKET_PATH_BYTES, daemon_paths, ensure_private_dir
from memd.errors import DaemonError

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to another uid")


def test_second_instance_is_refused_with_the_running_pid(tmp_path, short_dir, spawn):
    vault, state, run = tmp_path / "vault", tmp_path / "state", short_dir / "run"
    vault.mkdir()
    first, ready = spawn(vault, state, run)
    assert ready.startswith(f"ready {first.pid} ")
    second, line = spawn(vault, state, run)
    assert second.wait(30) == 1
    assert line == ""
    message = second.stderr.read().strip()
    assert message == f"memd is already running for this vault (pid {first.pid}) (lock file {daemon_paths(vault, state_dir=state, runtime_dir=run).lock})"
    assert len(message.splitlines()) == 1
    # The refused start did not touch the running daemon's socket.
    paths = daemon_paths(vault, state_dir=state, runtime_dir=run)
    with connect(paths.socket) as client:
        assert client.ping()["pid"] == first.pid
    assert daemon_state(paths).pid == first.pid and daemon_state(paths).reachable
    found = vault_daemon_state(vault, state_dir=state, runtime_dir=run)
    assert found.running and found.reachable and found.pid == first.pid


def test_a_crashed_daemon_leaves_a_socket_the_next_one_replaces(tmp_path, short_dir, spawn, serve, vault_paths):
    # vault_paths is the same vault the in-process `serve` uses.
    vault = tmp_path / "vault"
    crashed, ready = spawn(vault, tmp_path / "state", short_dir / "run")
    assert ready.startswith("ready")
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(10)
    assert stat.S_ISSOCK(os.lstat(vault_paths.socket).st_mode)  # left behind
    assert connect(vault_paths.socket) is None  # nobody listens: no hang, no error
    assert lock_holder(vault_paths.lock) is None  # the kernel released the lock
    assert not daemon_state(vault_paths).running
    serve()
    with connect(vault_paths.socket) as client:
        assert client.ping()["pid"] == os.getpid()


def test_a_leftover_socket_file_without_a_daemon_is_cleaned_up(serve, vault_paths):
    ensure_private_dir(vault_paths.socket.parent)
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(os.fspath(vault_paths.socket))
    leftover.close()
    serve()
    with connect(vault_paths.socket) as client:
        assert client.call("add", a=1, b=2) == 3


def test_lock_holder_and_daemon_state(vault_paths, serve):
    assert lock_holder(vault_paths.lock) is None
    assert daemon_state(vault_paths) == daemon_state(vault_paths).__class__(pid=None, reachable=False)
    with InstanceLock(vault_paths.lock):
        # Held, but nothing answers: running (the CLI must not write beside it), not reachable.
        state = daemon_state(vault_paths)
        assert state.running and state.pid == os.getpid() and not state.reachable
        with pytest.raises(DaemonError, match=f"already running for this vault \\(pid {os.getpid()}\\)"):
            InstanceLock(vault_paths.lock).acquire(wait=0.1)
    assert lock_holder(vault_paths.lock) is None
    serve()
    state = daemon_state(vault_paths)
    assert state.running and state.reachable and state.pid == os.getpid()


def test_socket_paths_stay_short_and_per_vault(tmp_path):
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 6))
    first = daemon_paths(tmp_path / "one", state_dir=tmp_path, runtime_dir=deep)
    second = daemon_paths(tmp_path / "two", state_dir=tmp_path, runtime_dir=deep)
    assert first.socket != second.socket and first.lock != second.lock
    for paths in (first, second):
        assert len(os.fsencode(paths.socket)) < MAX_SOCKET_PATH_BYTES
    # Two spellings of one vault share one daemon.
    (tmp_path / "one").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "one")
    again = daemon_paths(tmp_path / "alias", state_dir=tmp_path, runtime_dir=deep)
    assert again.lock.name.split("-")[-1] == first.lock.name.split("-")[-1]
    # Default location: $XDG_RUNTIME_DIR/memd (the test environment sets it).
    default = daemon_paths(tmp_path / "one", state_dir=tmp_path)
    assert default.socket.parent == Path(os.environ["XDG_RUNTIME_DIR"]) / "memd"
    # Without XDG_RUNTIME_DIR: the state dir; on macOS: Application Support.
    assert daemon_paths(tmp_path / "one", state_dir=tmp_path, env={}).socket.parent == tmp_path / "run"
    mac = daemon_paths(tmp_path / "one", state_dir=tmp_path, system="darwin")
    assert "memd" in mac.socket.parent.parts or mac.socket.parent.name.startswith("memd-")


def test_private_dir_is_fixed_or_refused(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    ensure_private_dir(folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    link = tmp_path / "link"
    link.symlink_to(folder)
    with pytest.raises(DaemonError, match="link"):
        ensure_private_dir(link)


@needs_root
def test_private_dir_owned_by_someone_else_is_refused(tmp_path):
    nobody = pwd.getpwnam("nobody")
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    with pytest.raises(DaemonError, match="belongs to uid"):
        ensure_private_dir(folder)


def _fork_as_nobody(body):
    """Run body() in a forked child as 'nobody'; returns (pid, read end of a pipe it writes to).

    A fork, not an exec: the interpreter lives under /root, which nobody may not read.
    """
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            body(write_end)
            status = 0
        except BaseException as exc:  # report, never return into pytest in the child
            os.write(write_end, f"error {type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, os.fdopen(read_end, "r")


@needs_root
def test_a_peer_with_another_uid_is_refused(tmp_path, short_dir):
    """The daemon runs as 'nobody'; this (root) process connects and must be turned away."""
    import asyncio

    from memd.daemon.socket_server import SocketServer

    nobody = pwd.getpwnam("nobody")
    os.chmod(short_dir, 0o711)  # let nobody pass through to its own folder
    home = short_dir / "nobody"
    home.mkdir()
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    paths = daemon_paths(home / "vault", state_dir=home / "state", runtime_dir=home / "run")

    def serve_as_nobody(report):
        async def main():
            with InstanceLock(paths.lock) as lock:
                server = SocketServer(paths.socket, {"hello": lambda: "hi"}, lock=lock)
                await server.start()
                os.write(report, b"ready\n")
                await server.serve_forever()

        asyncio.run(main())

    pid, report = _fork_as_nobody(serve_as_nobody)
    try:
        assert report.readline().strip() == "ready"
        assert os.stat(paths.socket).st_uid == nobody.pw_uid
        client = connect(paths.socket, timeout=10)  # root may enter the 0700 folder; the uid check stops it
        with client:
            with pytest.raises(RpcError) as caught:
                client.call("hello")
        assert caught.value.code == rpc.PEER_REFUSED
        assert f"uid {os.geteuid()}" in caught.value.message
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        report.close()


@needs_root
def test_another_user_cannot_even_reach_the_socket(serve, vault_paths):
    serve()

    def try_connect(report):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(os.fspath(vault_paths.socket))
            os.write(report, b"connected\n")
        except PermissionError:
            os.write(report, b"denied\n")

    pid, report = _fork_as_nobody(try_connect)
    with report:
        assert report.readline().strip() == "denied"
    os.waitpid(pid, 0)


def test_socket_activation_adopts_the_inherited_socket(tmp_path, short_dir, spawn):
    """systemd-style: the listening socket arrives as fd 3 with LISTEN_PID/LISTEN_FDS set."""
    vault, state, run = tmp_path / "vault", tmp_path / "state", short_dir / "run"
    vault.mkdir()
    paths = daemon_paths(vault, state_dir=state, runtime_dir=run)
    ensure_private_dir(paths.socket.parent)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.fspath(paths.socket))
    listener.listen(16)
    inode = os.stat(paths.socket).st_ino
    fd = listener.fileno()
    # What systemd does between fork and exec: the socket on fd 3, LISTEN_PID set to the pid
    # that exec keeps.
    wrapper = (
        sys.executable,
        "-c",
        f"import os, sys; os.dup2({fd}, 3); os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS='1'); "
        "os.execv(sys.argv[1], sys.argv[1:])",
    )
    proc, ready = spawn(vault, state, run, argv_prefix=wrapper, pass_fds=(fd,))
    listener.close()
    assert ready.startswith(f"ready {proc.pid} "), proc.stderr.read() if not ready else ready
    with connect(paths.socket) as client:
        assert client.ping()["pid"] == proc.pid
    assert os.stat(paths.socket).st_ino == inode  # served on the inherited socket, not a new one
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert stat.S_ISSOCK(os.lstat(paths.socket).st_mode)  # systemd owns the path; memd left it


def test_connect_returns_none_fast_when_nothing_listens(tmp_path):
    assert connect(tmp_path / "absent.sock") is None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(os.fspath(tmp_path / "dead.sock"))
    sock.close()
    assert connect(tmp_path / "dead.sock") is None
    (tmp_path / "file.sock").write_text("")
    assert connect(tmp_path / "file.sock") is None


def test_connect_gives_up_clearly_on_a_daemon_that_never_accepts(short_dir):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.fspath(short_dir / "busy.sock"))
    listener.listen(0)
    clients = []
    with pytest.raises(DaemonError, match="not accepting connections"):
        for _ in range(10):  # the kernel queues a connection or two, then says EAGAIN
            clients.append(connect(short_dir / "busy.sock", connect_timeout=0.2))
    assert 0 < len(clients) < 10
    for client in clients:
        client.close()
    listener.close()
