"""Who is on the other end of a unix socket: the kernel's record, not anything the peer says."""

from __future__ import annotations

import socket
import struct
import sys
from dataclasses import dataclass

# <sys/un.h> on macOS and the BSDs; Python does not export these names.
_SOL_LOCAL = 0
_LOCAL_PEERCRED = 0x001
_LOCAL_PEERPID = 0x002
_XUCRED_VERSION = 0
# struct xucred: u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]
_XUCRED_SIZE = 4 + 4 + 4 + 16 * 4


@dataclass(frozen=True)
class PeerCredentials:
    uid: int
    gid: int | None
    pid: int | None


def peer_credentials(sock: socket.socket) -> PeerCredentials:
    """The peer's effective uid (and gid/pid where known) as recorded at connect().

    Raises OSError where the platform offers no way to ask, so callers fail closed.
    """
    if hasattr(socket, "SO_PEERCRED"):  # Linux
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, gid = struct.unpack("3i", raw)
        return PeerCredentials(uid=uid, gid=gid, pid=pid or None)
    if sys.platform == "darwin" or "bsd" in sys.platform:
        raw = sock.getsockopt(_SOL_LOCAL, _LOCAL_PEERCRED, _XUCRED_SIZE)
        version, uid = struct.unpack_from("=II", raw)
        if version != _XUCRED_VERSION:
            raise OSError(f"unexpected xucred version {version}")
        ngroups = struct.unpack_from("=h", raw, 8)[0]
        gid = struct.unpack_from("=I", raw, 12)[0] if ngroups > 0 else None
        pid = None
        if sys.platform == "darwin":
            try:
                pid = struct.unpack("=i", sock.getsockopt(_SOL_LOCAL, _LOCAL_PEERPID, 4))[0]
            except OSError:
                pid = None
        return PeerCredentials(uid=uid, gid=gid, pid=pid)
    raise OSError(f"peer credentials are not supported on {sys.platform}")
