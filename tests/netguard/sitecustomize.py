"""Loaded by every Python process the tests start (via PYTHONPATH): refuse connections off loopback.

The tests prove the product runs offline: any attempt to reach another host raises at once, in the test
process and in every subprocess (CLI runs, the parser sandbox), instead of depending on the network.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(OSError):
    pass


def _allowed(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost would need DNS: not allowed


def _connect(self: socket.socket, address: Any) -> None:
    if not _allowed(address):
        raise NetworkBlocked(f"outgoing connection blocked in tests: {address!r}")
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if not _allowed(address):
        raise NetworkBlocked(f"outgoing connection blocked in tests: {address!r}")
    return _real_connect_ex(self, address)


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in (None, "localhost", "127.0.0.1", "::1", b"localhost") and not _is_ip(host):
        raise NetworkBlocked(f"DNS lookup blocked in tests: {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _is_ip(host: Any) -> bool:
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
        return True
    except ValueError:
        return False


_real_getaddrinfo = socket.getaddrinfo
socket.socket.connect = _connect  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _getaddrinfo
