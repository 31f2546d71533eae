"""Client of SiCantik Cloud's "Template Data" JSON web service.

Each office publishes a template at
`{base}/api/TemplateData/keluaran/{template_id}.json?no_permohonan=<kode>`
returning `{"data": {"data": [rows]}}`. Some templates name the list `items`,
`berkas` or `perizinan`, and field names differ per office (see fieldmap).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from chassie.tracking.client import TrackingClient
from chassie.tracking.codes import SICANTIK
from chassie.tracking.fieldmap import FieldMap
from chassie.tracking.http import JsonHttpClient
from chassie.tracking.models import ApplicationStatus, TrackingUnavailable
from chassie.tracking.parsing import build_application, record_matches
from chassie.tracking.resilience import CircuitBreaker, TtlCache

logger = logging.getLogger(__name__)

LIST_KEYS = ("data", "items", "berkas", "perizinan")
QUERY_PARAMETER = "no_permohonan"
TEMPLATE_PATH = "/api/TemplateData/keluaran/{template_id}.json"


class SiCantikClient(TrackingClient):
    """Looks up applications in a SiCantik Cloud template."""

    system = SICANTIK

    def __init__(
        self,
        base_url: str,
        template_id: str,
        field_map: FieldMap,
        http: JsonHttpClient,
        cache: TtlCache[ApplicationStatus | None],
        breaker: CircuitBreaker,
    ) -> None:
        super().__init__(cache, breaker)
        self.url = base_url.rstrip("/") + TEMPLATE_PATH.format(template_id=template_id)
        self.field_map = field_map
        self.http = http

    def _fetch(self, kode: str) -> ApplicationStatus | None:
        payload = self.http.get_json(self.url, {QUERY_PARAMETER: kode}, log_id=kode)
        if payload is None:
            return None

        rows = [row for row in extract_rows(payload) if record_matches(row, self.field_map, kode)]
        if not rows:
            # A template that ignores the filter returns other applications;
            # only a row carrying this very code is ever shown.
            return None

        sort_field = self.field_map.fields.get("tgl_proses")
        if sort_field and all(self.field_map.read_text(r, "tgl_proses") for r in rows):
            rows.sort(key=lambda r: self.field_map.read_text(r, "tgl_proses") or "")

        current = rows[-1]
        history = self.field_map.read(current, "riwayat")
        if not isinstance(history, list):
            # Templates without a history field list one row per stage instead.
            history = rows if len(rows) > 1 else []
        return build_application(self.system, kode, current, self.field_map, history)


def extract_rows(payload: Any) -> list[Mapping[str, Any]]:
    """Return the list of records in a Template Data response, whichever key contains it.

    Raises TrackingUnavailable when the response has no recognisable list, because
    that is a changed or misconfigured template, not a missing application.
    """
    candidate: Any = payload
    for _ in range(3):
        if isinstance(candidate, list):
            return [row for row in candidate if isinstance(row, Mapping)]
        if not isinstance(candidate, Mapping):
            break
        key = next((k for k in LIST_KEYS if k in candidate), None)
        if key is None:
            break
        candidate = candidate[key]
        if candidate is None:
            return []

    raise TrackingUnavailable(
        f"{SICANTIK}: template response has no list under any of {list(LIST_KEYS)}; check SICANTIK_TEMPLATE_ID"
    )
