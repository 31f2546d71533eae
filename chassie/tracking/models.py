"""Values that travel between the tracking clients, the service and the replies."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class StatusCategory(str, enum.Enum):
    """Plain-words class of an application's status, shared by every system."""

    IN_PROCESS = "in_process"
    FINISHED = "finished"
    ISSUED = "issued"
    REJECTED = "rejected"

    @property
    def is_final(self) -> bool:
        """True when the application will not move any further."""
        return self is not StatusCategory.IN_PROCESS


@dataclass(frozen=True)
class StageEvent:
    """One step of an application's stage history."""

    tahapan: str
    timestamp: str | None = None
    status: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ApplicationStatus:
    """An application as a tracking system reports it, without NIK, address or email.

    The applicant's name and phone are kept only to mask the name and to decide
    whether the sender may see it unmasked. They are left out of `repr` so that
    logging the value cannot leak them.
    """

    kode_pendaftaran: str
    system: str
    category: StatusCategory
    status_text: str
    tahapan: str | None = None
    licence_type: str | None = None
    request_type: str | None = None
    filed_on: str | None = None
    reason: str | None = None
    history: tuple[StageEvent, ...] = ()
    applicant_name: str | None = field(default=None, repr=False)
    applicant_phone: str | None = field(default=None, repr=False)

    @property
    def is_final(self) -> bool:
        """True when the application is finished, issued or rejected."""
        return self.category.is_final


class TrackingError(Exception):
    """Base class of the errors a tracking client raises."""


class TrackingUnavailable(TrackingError):
    """The tracking system returned no usable response: timeout, refused, 5xx, bad JSON or open breaker."""


class TrackingNotConfigured(TrackingUnavailable):
    """The base URL (or another required setting) of a tracking system is missing."""
