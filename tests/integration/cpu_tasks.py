"""Functions the CPU-pool tests send to pool processes (module level, so they pickle by name)."""

from __future__ import annotations

import os
import signal
import time


def add(a: int, b: int) -> int:
    return a + b


def pid() -> int:
    return os.getpid()


def spin(seconds: float) -> str:
    """Busy CPU (not a sleep) for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def hog(megabytes: int) -> int:
    """Allocate ``megabytes`` and touch them."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def fail(message: str) -> None:
    raise ValueError(message)


class Unpicklable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.handle = lambda: None  # a lambda cannot be pickled


def fail_unpicklably() -> None:
    raise Unpicklable("no way back")


def die() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def spawn_child_and_spin(path: str) -> None:
    """Start a grandchild (in our process group) that writes its pid to ``path``, then spin for ever."""
    child = os.fork()
    if child == 0:
        with open(path, "w") as f:
            f.write(str(os.getpid()))
        while True:
            time.sleep(1)
    while True:
        pass
