"""Application tracking in the office systems SIM TTD (menu code 71) and SiCantik Cloud (72).

Plain modules without Rasa: code validation (`codes`), the client interface
(`client`) and its two implementations (`simttd`, `sicantik`), settings from the
environment (`settings`), the service the actions call (`service`) and the
texts citizens read (`replies`).
"""

from chassie.tracking.codes import SICANTIK, SIMTTD, normalise_kode
from chassie.tracking.models import (
    ApplicationStatus,
    StatusCategory,
    TrackingUnavailable,
)
from chassie.tracking.service import LookupKind, LookupOutcome, TrackingService

__all__ = [
    "SICANTIK",
    "SIMTTD",
    "ApplicationStatus",
    "LookupKind",
    "LookupOutcome",
    "StatusCategory",
    "TrackingService",
    "TrackingUnavailable",
    "normalise_kode",
]
