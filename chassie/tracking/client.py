"""The interface every tracking client implements, with the shared cache and breaker."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from chassie.tracking.codes import normalise_kode
from chassie.tracking.models import ApplicationStatus, TrackingUnavailable
from chassie.tracking.resilience import CircuitBreaker, TtlCache

logger = logging.getLogger(__name__)


class TrackingClient(ABC):
    """Looks up an application by registration code in one office system.

    Subclasses implement `_fetch`. This class validates the code, answers
    repeated questions from a short cache and stops calling a service that
    keeps failing until its breaker lets a trial call through.
    """

    system: str = ""

    def __init__(self, cache: TtlCache[ApplicationStatus | None], breaker: CircuitBreaker) -> None:
        self.cache = cache
        self.breaker = breaker

    def lookup(self, kode_pendaftaran: str) -> ApplicationStatus | None:
        """Return the application with this code, or None when the system has none.

        Raises ValueError for a code that is not normalised and valid, and
        TrackingUnavailable when the system is unreachable or its response unusable.
        """
        kode = normalise_kode(kode_pendaftaran)
        if kode is None or kode != kode_pendaftaran:
            raise ValueError("kode_pendaftaran must be normalised with normalise_kode before a lookup")

        cached, application = self.cache.get(kode)
        if cached:
            logger.debug("tracking cache hit system=%s kode_pendaftaran=%s", self.system, kode)
            return application

        if not self.breaker.allow():
            raise TrackingUnavailable(f"{self.system}: circuit breaker open")

        try:
            application = self._fetch(kode)
        except TrackingUnavailable:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        self.cache.put(kode, application)
        return application

    @abstractmethod
    def _fetch(self, kode: str) -> ApplicationStatus | None:
        """Ask the system for one application; raise TrackingUnavailable on failure."""
