"""A short time-to-live cache and a circuit breaker for the tracking clients.

Both are thread-safe because the action server runs lookups in worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

V = TypeVar("V")
Clock = Callable[[], float]

DEFAULT_CACHE_MAX_ENTRIES = 1024


class TtlCache(Generic[V]):
    """A bounded cache whose entries expire `ttl_seconds` after they were stored."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = DEFAULT_CACHE_MAX_ENTRIES,
        clock: Clock = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, V | None]:
        """Return (True, value) for a fresh entry and (False, None) otherwise."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            expires_at, value = entry
            if self._clock() >= expires_at:
                del self._entries[key]
                return False, None
            return True, value

    def put(self, key: Hashable, value: V) -> None:
        """Store a value, evicting the oldest entry when the cache is full."""
        if self._ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + self._ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()


class CircuitBreaker:
    """Fails calls fast after repeated failures, then lets one trial call through.

    Closed: calls pass. After `failure_threshold` consecutive failures it opens
    and rejects calls for `reset_seconds`. Then it is half-open: one call may
    pass, and its result closes or reopens the breaker.
    """

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"

    def __init__(
        self,
        name: str,
        failure_threshold: int,
        reset_seconds: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self.name = name
        self._failure_threshold = max(1, failure_threshold)
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """The breaker's current state: closed, open or half_open."""
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> str:
        if self._opened_at is None:
            return self.CLOSED
        if self._clock() - self._opened_at >= self._reset_seconds:
            return self.HALF_OPEN
        return self.OPEN

    def allow(self) -> bool:
        """Return True when a call may go out now."""
        with self._lock:
            state = self._state_locked()
            if state == self.CLOSED:
                return True
            if state == self.HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def record_success(self) -> None:
        """Close the breaker after a usable response."""
        with self._lock:
            if self._opened_at is not None:
                logger.info("tracking breaker closed service=%s", self.name)
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        """Count a failure and open the breaker at the threshold or after a failed trial."""
        with self._lock:
            self._failures += 1
            reopen = self._trial_running or self._failures >= self._failure_threshold
            self._trial_running = False
            if reopen:
                if self._opened_at is None or self._state_locked() != self.OPEN:
                    logger.warning(
                        "tracking breaker opened service=%s failures=%d reset_seconds=%s",
                        self.name,
                        self._failures,
                        self._reset_seconds,
                    )
                self._opened_at = self._clock()
