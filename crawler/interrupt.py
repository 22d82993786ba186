"""A run stopped by SIGTERM or SIGINT (a service manager, `kill`, Ctrl-C) ends as `interrupted`: neither a
success, which would hide that work is left, nor a failure, which would count against the program.

Outside the crawl a signal raises `Interrupted` where the main thread is. During the crawl an exception
cannot cross the reactor, so the first signal asks Scrapy to stop (it finishes the downloads in flight and
stores what it has) and a second one stops the reactor at once; `Interrupted` is raised when the crawl has
returned. What was stored stays stored; the next run finds the rest still to do.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """What a shell reports for a process ended by this signal."""
        return 128 + self.signum


def _raise(signum: int, _frame: Any) -> None:
    raise Interrupted(signum)


@contextmanager
def _handled_by(handler: Callable[[int, Any], None]) -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def interruptible() -> Any:
    """For the length of the block, SIGTERM and SIGINT raise `Interrupted` in the main thread."""
    return _handled_by(_raise)


@contextmanager
def stopping_gracefully(stop: Callable[[], Any], kill: Callable[[], Any]) -> Iterator[None]:
    """For a block that runs the reactor: the first signal calls `stop`, any later one `kill`; when the block
    has returned, `Interrupted` is raised for the first signal received."""
    received: list[int] = []

    def handler(signum: int, _frame: Any) -> None:
        received.append(signum)
        (stop if len(received) == 1 else kill)()

    with _handled_by(handler):
        yield
    if received:
        raise Interrupted(received[0])
