"""The tracking service the actions call: one lookup, one outcome, never an exception for the citizen."""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from chassie.tracking.client import TrackingClient
from chassie.tracking.models import ApplicationStatus, TrackingUnavailable
from chassie.tracking.settings import (
    TrackingSettings,
    TrackingSettingsError,
    build_clients,
)

logger = logging.getLogger(__name__)

BASE_URL_SETTINGS = {"sicantik": "SICANTIK_BASE_URL", "simttd": "SIMTTD_BASE_URL"}


class LookupKind(str, enum.Enum):
    """Result kind of one lookup."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class LookupOutcome:
    """The result of one lookup, ready to be turned into a reply."""

    kind: LookupKind
    system: str
    kode_pendaftaran: str
    application: ApplicationStatus | None = None


class TrackingService:
    """Routes a lookup to the client of the named system."""

    def __init__(self, clients: Mapping[str, TrackingClient], deadline_seconds: float) -> None:
        self.clients = dict(clients)
        self.deadline_seconds = deadline_seconds

    @classmethod
    def from_env(cls) -> TrackingService:
        """Build the service from the environment; misconfiguration leaves the system unavailable."""
        try:
            settings = TrackingSettings.from_env()
        except (TrackingSettingsError, ValueError) as error:
            logger.error("tracking settings invalid, lookups disabled: %s", error)
            return cls({}, deadline_seconds=1.0)

        # One retry after a connect timeout fits inside the total timeout, so a
        # second of slack covers thread start-up and JSON decoding.
        return cls(build_clients(settings), deadline_seconds=settings.timeouts.total + 1.0)

    def lookup(self, system: str, kode: str) -> LookupOutcome:
        """Look up a normalised code in one system; failures become an UNAVAILABLE outcome."""
        started = time.monotonic()
        client = self.clients.get(system)
        if client is None:
            logger.error(
                "tracking system not configured system=%s kode_pendaftaran=%s setting=%s",
                system,
                kode,
                BASE_URL_SETTINGS.get(system, "?"),
            )
            return LookupOutcome(LookupKind.UNAVAILABLE, system, kode)

        try:
            application = client.lookup(kode)
        except TrackingUnavailable as error:
            logger.warning(
                "tracking lookup failed system=%s kode_pendaftaran=%s elapsed_ms=%d error=%s",
                system,
                kode,
                (time.monotonic() - started) * 1000,
                error,
            )
            return LookupOutcome(LookupKind.UNAVAILABLE, system, kode)

        kind = LookupKind.FOUND if application else LookupKind.NOT_FOUND
        logger.info(
            "tracking lookup system=%s kode_pendaftaran=%s outcome=%s elapsed_ms=%d",
            system,
            kode,
            kind.value,
            (time.monotonic() - started) * 1000,
        )
        return LookupOutcome(kind, system, kode, application)
