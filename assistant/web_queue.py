"""The line in front of the one model, and the per-client rate limit. Plain threading, no web framework.

In scope: first come, first served, one request at a time (DESIGN.md: one Llama per process, calls serialized —
the answer pipeline also reads the model's last-call stats and the index, so the whole answer is the unit, not
one model call); each waiting request knows how many are ahead of it; beyond the configured size a newcomer is
refused at once instead of waiting. Out of scope: what runs in a turn, and the Korean messages (web_api.py).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class QueueFull(Exception):
    """More requests are waiting than the queue may hold."""


class ModelQueue:
    """A fair line: `join` takes a ticket, `wait` returns when it is that ticket's turn, `leave` frees the turn.

    `size` is how many may wait behind the one being served; `join(force=True)` (staff jobs) never refuses.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._line: deque[int] = deque()
        self._numbers = itertools.count(1)
        self._changed = threading.Condition()

    def full(self) -> bool:
        with self._changed:
            return len(self._line) > self.size

    def join(self, force: bool = False) -> int:
        with self._changed:
            if not force and len(self._line) > self.size:
                raise QueueFull
            ticket = next(self._numbers)
            self._line.append(ticket)
            return ticket

    def ahead(self, ticket: int) -> int:
        """How many are in line before `ticket` (0: its turn). A ticket no longer in line counts as served."""
        with self._changed:
            return self._line.index(ticket) if ticket in self._line else 0

    def wait(self, ticket: int, timeout: float | None = None) -> bool:
        """True once it is `ticket`'s turn; False when `timeout` seconds passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._line or self._line[0] == ticket, timeout)

    def leave(self, ticket: int) -> None:
        with self._changed:
            if ticket in self._line:
                self._line.remove(ticket)
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Requests in line, the one being served included."""
        with self._changed:
            return len(self._line)

    @contextmanager
    def turn(self, force: bool = False) -> Iterator[None]:
        """Wait for a turn (blocking) and hold it for the block."""
        ticket = self.join(force)
        try:
            self.wait(ticket)
            yield
        finally:
            self.leave(ticket)


class RateLimit:
    """At most `per_minute` requests per client in any sliding 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self._clock = per_minute, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> bool:
        """Count one request; False (and not counted) when the client is over the limit."""
        now = self._clock()
        with self._lock:
            if len(self._hits) > 10_000:  # forget idle clients, so the table cannot grow without bound
                self._hits = {c: h for c, h in self._hits.items() if h and now - h[-1] < 60}
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            return True
