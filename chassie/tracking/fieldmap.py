"""Configurable mapping from an office system's JSON field names to the fields Chassie reads.

The logical field names are SiCantik Cloud's defaults. An office whose service
names a field differently maps it, for example `{"nama": "nama_pemohon"}`; a
dotted name such as `pemohon.nama` reads a nested object. Fields Chassie must
never show (NIK, address, email) have no logical name, so they are never read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chassie.tracking.models import StatusCategory

logger = logging.getLogger(__name__)

# Meaning of each logical field. The keys are the names a field map may set.
LOGICAL_FIELDS: dict[str, str] = {
    "no_permohonan": "registration code (kode_pendaftaran)",
    "nama": "applicant's name, shown masked unless the sender's number matches",
    "no_hp": "applicant's phone, used only to compare with the sender's number",
    "jenis_izin": "type of licence",
    "jenis_permohonan": "type of request (new, renewal, change)",
    "tgl_pengajuan": "date the application was filed",
    "nama_proses": "current stage (tahapan)",
    "status": "status value",
    "keterangan": "reason or note given with the status",
    "riwayat": "list of earlier stages, each read with the same field names",
    "tgl_proses": "time of a stage in the history",
}

SICANTIK_DEFAULT_FIELDS: dict[str, str] = {name: name for name in LOGICAL_FIELDS}

SIMTTD_DEFAULT_FIELDS: dict[str, str] = {
    "no_permohonan": "kode_pendaftaran",
    "nama": "nama_pemohon",
    "no_hp": "no_hp",
    "jenis_izin": "jenis_izin",
    "jenis_permohonan": "jenis_permohonan",
    "tgl_pengajuan": "tanggal_pengajuan",
    "nama_proses": "tahapan",
    "status": "status",
    "keterangan": "keterangan",
    "riwayat": "riwayat",
    "tgl_proses": "waktu",
}

_FILE_SUFFIXES = (".yml", ".yaml", ".json")


class FieldMapError(ValueError):
    """A field map setting is malformed or names an unknown logical field."""


@dataclass(frozen=True)
class FieldMap:
    """Source field names by logical name, plus an office's own status values."""

    fields: Mapping[str, str]
    status_values: Mapping[str, StatusCategory] = field(default_factory=dict)

    def read(self, record: Mapping[str, Any], logical_name: str) -> Any:
        """Return the value of a logical field in one record, or None when absent."""
        source = self.fields.get(logical_name)
        if not source:
            return None

        value: Any = record
        for part in source.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def read_text(self, record: Mapping[str, Any], logical_name: str) -> str | None:
        """Return a logical field as stripped text, or None when absent or empty."""
        value = self.read(record, logical_name)
        if value is None or isinstance(value, (dict, list)):
            return None
        text = str(value).strip()
        return text or None


def load_field_map(setting: str | None, defaults: Mapping[str, str], setting_name: str) -> FieldMap:
    """Build a field map from a setting: inline JSON, `a=b,c=d` pairs, or a YAML/JSON file path.

    The setting either maps logical names to source names directly or contains
    `fields:` and `status_values:` sections. Unset logical names keep their
    defaults. Raises FieldMapError naming the setting when it is invalid.
    """
    if not setting or not setting.strip():
        return FieldMap(fields=dict(defaults))

    raw = _parse_setting(setting.strip(), setting_name)
    if "fields" in raw or "status_values" in raw:
        field_overrides = raw.get("fields") or {}
        status_values = raw.get("status_values") or {}
    else:
        field_overrides, status_values = raw, {}

    fields = dict(defaults)
    fields.update(_validated_fields(field_overrides, setting_name))
    return FieldMap(
        fields=fields,
        status_values=_validated_status_values(status_values, setting_name),
    )


def _parse_setting(setting: str, setting_name: str) -> dict[str, Any]:
    if setting.startswith("{"):
        try:
            parsed = json.loads(setting)
        except json.JSONDecodeError as error:
            raise FieldMapError(f"{setting_name} is not valid JSON: {error}") from error
    elif setting.lower().endswith(_FILE_SUFFIXES):
        path = Path(setting)
        if not path.is_file():
            raise FieldMapError(f"{setting_name} names a file that does not exist: {setting}")
        try:
            parsed = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise FieldMapError(f"{setting_name} file {setting} is not valid YAML: {error}") from error
    else:
        parsed = {}
        for pair in setting.split(","):
            name, separator, source = pair.partition("=")
            if not separator:
                raise FieldMapError(f"{setting_name} entry {pair!r} is not of the form logical=source")
            parsed[name.strip()] = source.strip()

    if not isinstance(parsed, dict):
        raise FieldMapError(f"{setting_name} must be a mapping of logical field names to source names")
    return parsed


def _validated_fields(overrides: Any, setting_name: str) -> dict[str, str]:
    if not isinstance(overrides, dict):
        raise FieldMapError(f"{setting_name} 'fields' must be a mapping")
    unknown = sorted(set(overrides) - set(LOGICAL_FIELDS))
    if unknown:
        raise FieldMapError(f"{setting_name} has unknown logical fields {unknown}; known: {sorted(LOGICAL_FIELDS)}")
    return {name: str(source).strip() for name, source in overrides.items() if source}


def _validated_status_values(values: Any, setting_name: str) -> dict[str, StatusCategory]:
    if not isinstance(values, dict):
        raise FieldMapError(f"{setting_name} 'status_values' must be a mapping")
    result = {}
    for value, category in values.items():
        try:
            result[str(value)] = StatusCategory(str(category))
        except ValueError as error:
            allowed = [c.value for c in StatusCategory]
            raise FieldMapError(
                f"{setting_name} status value {value!r} has unknown category {category!r}; use one of {allowed}"
            ) from error
    return result
