"""Resolution of the code and system that a citizen's message refers to."""

from __future__ import annotations

from dataclasses import dataclass

from chassie.tracking.codes import (
    detect_system,
    extract_kode,
    infer_system,
    normalise_kode,
    normalise_system,
)


@dataclass(frozen=True)
class TrackingRequest:
    """The code and system to look up; either may still be missing.

    `invalid_kode` is True when the message carried something meant as a code
    that failed validation. The raw text is not kept, so it cannot be echoed
    back or logged.
    """

    kode: str | None
    system: str | None
    invalid_kode: bool = False


def resolve_request(
    text: str | None,
    kode_entity: str | None = None,
    system_entity: str | None = None,
    remembered_kode: str | None = None,
    remembered_system: str | None = None,
) -> TrackingRequest:
    """Combine the latest message with what the conversation remembers.

    The latest message wins: an explicit system (entity, "71"/"72", "SiCantik")
    before the shape of the code, before the system asked about earlier. A code
    entity that is invalid makes the request invalid instead of silently falling
    back to an older code.
    """
    kode = None
    if kode_entity and kode_entity.strip():
        kode = normalise_kode(kode_entity) or extract_kode(kode_entity)
        if kode is None:
            return TrackingRequest(
                kode=None,
                system=_explicit_system(system_entity, text),
                invalid_kode=True,
            )
    if kode is None:
        kode = normalise_kode(text) or extract_kode(text)
    if kode is None:
        kode = normalise_kode(remembered_kode)

    system = _explicit_system(system_entity, text)
    if system is None and kode is not None:
        system = infer_system(kode)
    if system is None:
        system = normalise_system(remembered_system)
    return TrackingRequest(kode=kode, system=system)


def _explicit_system(system_entity: str | None, text: str | None) -> str | None:
    return normalise_system(system_entity) or detect_system(text)
