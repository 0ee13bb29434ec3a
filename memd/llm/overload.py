"""How many requests one client keeps in flight, shrinking when the server says it is overloaded.

Many import threads share one OpenAICompatModel. When the server answers 429 or 503, retrying
each request on its own after its own backoff would keep the server just as full: the gate
instead cuts the requests allowed in flight by a quarter (never below one) and, when the server
named a Retry-After, holds every new request until then. Each run of successes as long as the
current allowance lets it grow back by one, up to the configured concurrency (additive increase,
multiplicative decrease, as TCP does for the same reason). Like TCP, it cuts at most once per
COOLDOWN_S: the answers to requests sent before the cut say nothing about the new allowance,
and a server that turns down a share of requests at any load (a rate limit per key) would
otherwise drive the allowance down to one.
"""

from __future__ import annotations

import threading
import time

_clock = time.monotonic  # (tests move it)
CUT = 0.75  # the allowance after an overload, as a share of what it was
COOLDOWN_S = 2.0


class OverloadGate:
    def __init__(self, limit: int):
        self.limit = max(1, int(limit))
        self.allowed = self.limit
        self.in_flight = 0
        self.overloads = 0  # how many overload answers were seen (for the import report)
        self._successes = 0
        self._pause_until = 0.0
        self._last_cut = -COOLDOWN_S
        self._cond = threading.Condition()

    def enter(self) -> None:
        with self._cond:
            while True:
                wait = self._pause_until - _clock()
                if wait <= 0 and self.in_flight < self.allowed:
                    self.in_flight += 1
                    return
                self._cond.wait(timeout=wait if wait > 0 else 1.0)

    def leave(self, *, overloaded: bool = False, retry_after: float | None = None, ok: bool = True) -> None:
        """A request is done: `ok` (answered), `overloaded` (429/503), or neither (failed)."""
        with self._cond:
            self.in_flight = max(0, self.in_flight - 1)
            if overloaded:
                self.overloads += 1
                now = _clock()
                if now - self._last_cut >= COOLDOWN_S:
                    self._last_cut = now
                    self.allowed = max(1, min(self.allowed - 1, int(self.allowed * CUT)))
                    self._successes = 0
                if retry_after:
                    self._pause_until = max(self._pause_until, _clock() + retry_after)
            elif ok:
                self._successes += 1
                if self._successes >= self.allowed and self.allowed < self.limit:
                    self.allowed += 1
                    self._successes = 0
            self._cond.notify_all()
