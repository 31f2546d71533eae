"""Turning records of an office system into ApplicationStatus values through a field map."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from chassie.tracking.codes import normalise_kode
from chassie.tracking.fieldmap import FieldMap
from chassie.tracking.models import ApplicationStatus, StageEvent
from chassie.tracking.status import classify_status

logger = logging.getLogger(__name__)

MAX_HISTORY_EVENTS = 20


def record_matches(record: Mapping[str, Any], field_map: FieldMap, kode: str) -> bool:
    """True when a record carries exactly this registration code."""
    return normalise_kode(field_map.read_text(record, "no_permohonan")) == kode


def stage_event(record: Mapping[str, Any], field_map: FieldMap) -> StageEvent | None:
    """Read one stage of the history, or None when the record names no stage."""
    tahapan = field_map.read_text(record, "nama_proses")
    if tahapan is None:
        return None
    return StageEvent(
        tahapan=tahapan,
        timestamp=field_map.read_text(record, "tgl_proses"),
        status=field_map.read_text(record, "status"),
        note=field_map.read_text(record, "keterangan"),
    )


def build_application(
    system: str,
    kode: str,
    current: Mapping[str, Any],
    field_map: FieldMap,
    history_records: Sequence[Any] = (),
) -> ApplicationStatus:
    """Build the application from its current record and the records of its earlier stages."""
    status_text = field_map.read_text(current, "status") or ""
    events = tuple(
        event
        for event in (stage_event(r, field_map) for r in history_records if isinstance(r, Mapping))
        if event is not None
    )
    return ApplicationStatus(
        kode_pendaftaran=kode,
        system=system,
        category=classify_status(status_text, field_map.status_values),
        status_text=status_text,
        tahapan=field_map.read_text(current, "nama_proses"),
        licence_type=field_map.read_text(current, "jenis_izin"),
        request_type=field_map.read_text(current, "jenis_permohonan"),
        filed_on=field_map.read_text(current, "tgl_pengajuan"),
        reason=field_map.read_text(current, "keterangan"),
        history=events[-MAX_HISTORY_EVENTS:],
        applicant_name=field_map.read_text(current, "nama"),
        applicant_phone=field_map.read_text(current, "no_hp"),
    )
