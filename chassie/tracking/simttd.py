"""Client of SIM TTD through the small JSON contract defined by this project.

`GET {base}/api/v1/permohonan?kode_pendaftaran=<kode>` with
`Authorization: Bearer <token>` returns `{"data": {application}}`, or 404 (or
`{"data": null}`) when there is no such application. docs/tracking.md has the
full contract; field names can be remapped like SiCantik's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chassie.tracking.client import TrackingClient
from chassie.tracking.codes import SIMTTD
from chassie.tracking.fieldmap import FieldMap
from chassie.tracking.http import JsonHttpClient
from chassie.tracking.models import ApplicationStatus, TrackingUnavailable
from chassie.tracking.parsing import build_application, record_matches
from chassie.tracking.resilience import CircuitBreaker, TtlCache

logger = logging.getLogger(__name__)

LOOKUP_PATH = "/api/v1/permohonan"
QUERY_PARAMETER = "kode_pendaftaran"


class SimTtdClient(TrackingClient):
    """Looks up applications in SIM TTD."""

    system = SIMTTD

    def __init__(
        self,
        base_url: str,
        field_map: FieldMap,
        http: JsonHttpClient,
        cache: TtlCache[ApplicationStatus | None],
        breaker: CircuitBreaker,
    ) -> None:
        super().__init__(cache, breaker)
        self.url = base_url.rstrip("/") + LOOKUP_PATH
        self.field_map = field_map
        self.http = http

    def _fetch(self, kode: str) -> ApplicationStatus | None:
        payload = self.http.get_json(self.url, {QUERY_PARAMETER: kode}, log_id=kode)
        if payload is None:
            return None
        if not isinstance(payload, Mapping) or "data" not in payload:
            raise TrackingUnavailable(f"{SIMTTD}: response has no 'data' member")

        record: Any = payload["data"]
        if record is None:
            return None
        if not isinstance(record, Mapping):
            raise TrackingUnavailable(f"{SIMTTD}: 'data' is not an object")
        if not record_matches(record, self.field_map, kode):
            logger.warning(
                "tracking response for another code system=%s kode_pendaftaran=%s",
                SIMTTD,
                kode,
            )
            return None

        history = self.field_map.read(record, "riwayat")
        return build_application(
            self.system,
            kode,
            record,
            self.field_map,
            history if isinstance(history, list) else [],
        )
