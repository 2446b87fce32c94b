"""The test session itself is offline: connections off loopback fail at once, in-process and in children."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def test_outgoing_connection_is_blocked_here() -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("huggingface.co", 443)


def test_outgoing_connection_is_blocked_in_subprocesses() -> None:
    code = "import socket\ntry:\n    socket.create_connection(('203.0.113.7', 80), timeout=1)\nexcept OSError as e:\n    print(e)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30).stdout
    assert "blocked" in out


def test_loopback_still_works() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()
