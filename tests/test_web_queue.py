"""The line in front of the model and the rate limit, as plain objects (no model, no web framework)."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.web_queue import ModelQueue, QueueFull, RateLimit


def test_the_line_is_first_come_first_served_and_says_how_many_are_ahead() -> None:
    queue = ModelQueue(size=5)
    first, second, third = queue.join(), queue.join(), queue.join()
    assert [queue.ahead(t) for t in (first, second, third)] == [0, 1, 2]
    assert queue.wait(first, 0) and not queue.wait(second, 0.01)
    queue.leave(first)
    assert queue.wait(second, 0) and queue.ahead(third) == 1
    queue.leave(third)  # a client that went away while waiting gives its place back
    queue.leave(second)
    assert queue.waiting == 0


def test_beyond_its_size_the_line_refuses_at_once_except_staff_jobs() -> None:
    queue = ModelQueue(size=1)
    queue.join()  # being served
    queue.join()  # waiting: the line is full now
    assert queue.full()
    started = time.perf_counter()
    with pytest.raises(QueueFull):
        queue.join()
    assert time.perf_counter() - started < 0.1
    assert queue.join(force=True)  # staff jobs wait instead


def test_leaving_wakes_the_next_in_line() -> None:
    queue = ModelQueue(size=2)
    first = queue.join()
    order: list[str] = []

    def later() -> None:
        with queue.turn():
            order.append("second")

    thread = threading.Thread(target=later)
    thread.start()
    time.sleep(0.05)
    order.append("first")
    queue.leave(first)
    thread.join(timeout=5)
    assert order == ["first", "second"] and queue.waiting == 0


def test_turns_never_overlap() -> None:
    queue = ModelQueue(size=10)
    inside, most = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with queue.turn():
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert most == 1


def test_the_rate_limit_is_per_client_in_a_sliding_minute() -> None:
    now = [1000.0]
    limit = RateLimit(per_minute=2, clock=lambda: now[0])
    assert limit.hit("a") and limit.hit("a") and not limit.hit("a")
    assert limit.hit("b")  # another client has its own budget
    now[0] += 59.0
    assert not limit.hit("a")
    now[0] += 1.0  # the first two requests are a minute old now
    assert limit.hit("a")
