"""Tracking clients against a real local HTTP server whose responses each test scripts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chassie.tracking.codes import normalise_kode
from chassie.tracking.fieldmap import (
    SICANTIK_DEFAULT_FIELDS,
    SIMTTD_DEFAULT_FIELDS,
    load_field_map,
)
from chassie.tracking.http import HttpTimeouts, JsonHttpClient
from chassie.tracking.models import StatusCategory, TrackingUnavailable
from chassie.tracking.resilience import CircuitBreaker, TtlCache
from chassie.tracking.sicantik import SiCantikClient
from chassie.tracking.simttd import SimTtdClient

KODE = "CSO.202212345678"
TOKEN = "test-token"


@dataclass
class Scripted:
    """What the server returns: status, body bytes, headers and an optional delay."""

    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def json_body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


@dataclass
class ScriptedServer:
    """A loopback HTTP server that records requests and returns scripted responses in order."""

    responses: list[Scripted] = field(default_factory=list)
    default: Scripted = field(default_factory=Scripted)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""

    def next_response(self) -> Scripted:
        return self.responses.pop(0) if self.responses else self.default


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            server.requests.append(
                {
                    "raw_path": self.path,
                    "path": parts.path,
                    "query": parse_qs(parts.query),
                    "authorization": self.headers.get("Authorization"),
                    "host": self.headers.get("Host"),
                }
            )
            scripted = server.next_response()
            if scripted.delay:
                time.sleep(scripted.delay)
            try:
                self.send_response(scripted.status)
                for name, value in scripted.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(scripted.body)))
                self.end_headers()
                self.wfile.write(scripted.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(scripted))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scripted.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield scripted
    httpd.shutdown()
    httpd.server_close()


FAST = HttpTimeouts(connect=0.5, read=0.5, total=2.0)


def make_sicantik(
    base_url: str,
    field_map_setting: str | None = None,
    timeouts: HttpTimeouts = FAST,
    cache_ttl: float = 0,
    breaker_failures: int = 100,
    clock: Callable[[], float] = time.monotonic,
) -> SiCantikClient:
    return SiCantikClient(
        base_url=base_url,
        template_id="7",
        field_map=load_field_map(field_map_setting, SICANTIK_DEFAULT_FIELDS, "SICANTIK_FIELD_MAP"),
        http=JsonHttpClient("sicantik", timeouts),
        cache=TtlCache(cache_ttl),
        breaker=CircuitBreaker("sicantik", breaker_failures, 30, clock=clock),
    )


def make_simttd(base_url: str, token: str | None = TOKEN) -> SimTtdClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return SimTtdClient(
        base_url=base_url,
        field_map=load_field_map(None, SIMTTD_DEFAULT_FIELDS, "SIMTTD_FIELD_MAP"),
        http=JsonHttpClient("simttd", FAST, headers=headers),
        cache=TtlCache(0),
        breaker=CircuitBreaker("simttd", 100, 30),
    )


def sicantik_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "no_permohonan": KODE,
        "nama": "Budi Santoso",
        "no_hp": "081234567890",
        "nik": "5171010101800001",
        "alamat": "Jl. Contoh No. 1",
        "email": "budi@example.com",
        "jenis_izin": "Izin Penyelenggaraan Reklame",
        "jenis_permohonan": "Baru",
        "tgl_pengajuan": "2022-12-05",
        "nama_proses": "Survei Lapangan",
        "status": "Proses",
    }
    row.update(overrides)
    return row


def simttd_record(**overrides: Any) -> dict[str, Any]:
    record = {
        "kode_pendaftaran": "TTD-2023-000123",
        "nama_pemohon": "Komang Ayu",
        "no_hp": "6281999000123",
        "nik": "5171016606920004",
        "jenis_izin": "Izin Usaha Toko Swalayan",
        "jenis_permohonan": "Baru",
        "tanggal_pengajuan": "2023-03-01",
        "tahapan": "Menunggu Tanda Tangan Kepala Dinas",
        "status": "proses",
        "keterangan": None,
        "riwayat": [
            {
                "tahapan": "Penerimaan Dokumen",
                "status": "selesai",
                "waktu": "2023-03-01 10:00:00",
            },
            {
                "tahapan": "Menunggu Tanda Tangan Kepala Dinas",
                "status": "proses",
                "waktu": "2023-03-03 09:00:00",
            },
        ],
    }
    record.update(overrides)
    return record


# --- SiCantik Cloud -------------------------------------------------------------


def test_sicantik_found(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row()]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.kode_pendaftaran == KODE
    assert application.licence_type == "Izin Penyelenggaraan Reklame"
    assert application.request_type == "Baru"
    assert application.filed_on == "2022-12-05"
    assert application.tahapan == "Survei Lapangan"
    assert application.category is StatusCategory.IN_PROCESS
    assert application.applicant_name == "Budi Santoso"
    assert server.requests[0]["path"] == "/api/TemplateData/keluaran/7.json"
    assert server.requests[0]["query"] == {"no_permohonan": [KODE]}


def test_sicantik_keeps_no_nik_address_email(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row()]}}))

    application = make_sicantik(server.base_url).lookup(KODE)
    flattened = json.dumps([str(value) for value in vars(application).values()])

    assert "5171010101800001" not in flattened
    assert "Jl. Contoh" not in flattened
    assert "budi@example.com" not in flattened
    assert "Budi Santoso" not in repr(application)
    assert "081234567890" not in repr(application)


def test_sicantik_finished_status(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row(status="Selesai")]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.category is StatusCategory.FINISHED
    assert application.is_final


def test_sicantik_empty_list_is_not_found(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": {"data": []}}))

    assert make_sicantik(server.base_url).lookup(KODE) is None


def test_sicantik_http_404_is_not_found(server: ScriptedServer) -> None:
    server.default = Scripted(status=404, body=json_body({"message": "not found"}))

    assert make_sicantik(server.base_url).lookup(KODE) is None


def test_sicantik_ignores_rows_of_other_codes(server: ScriptedServer) -> None:
    # A template that ignores the filter returns every application.
    other = sicantik_row(no_permohonan="CSO.202299999999", nama="Orang Lain")
    server.default = Scripted(body=json_body({"data": {"data": [other]}}))

    assert make_sicantik(server.base_url).lookup(KODE) is None


def test_sicantik_picks_matching_row(server: ScriptedServer) -> None:
    other = sicantik_row(no_permohonan="CSO.202299999999", nama="Orang Lain")
    mine = sicantik_row(no_permohonan=KODE.lower())
    server.default = Scripted(body=json_body({"data": {"data": [other, mine]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.applicant_name == "Budi Santoso"


@pytest.mark.parametrize("list_key", ["data", "items", "berkas", "perizinan"])
def test_sicantik_alternative_list_keys(server: ScriptedServer, list_key: str) -> None:
    server.default = Scripted(body=json_body({"data": {list_key: [sicantik_row()]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.kode_pendaftaran == KODE


@pytest.mark.parametrize(
    "payload",
    [
        {"items": [sicantik_row()]},
        [sicantik_row()],
        {"data": [sicantik_row()]},
    ],
)
def test_sicantik_list_at_other_depths(server: ScriptedServer, payload: Any) -> None:
    server.default = Scripted(body=json_body(payload))

    assert make_sicantik(server.base_url).lookup(KODE) is not None


def test_sicantik_unrecognised_shape_is_unavailable(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"result": {"rows": [sicantik_row()]}}))

    with pytest.raises(TrackingUnavailable):
        make_sicantik(server.base_url).lookup(KODE)


def test_sicantik_unknown_extra_fields_ignored(server: ScriptedServer) -> None:
    row = sicantik_row(kolom_baru="x", nested={"a": [1, 2]}, angka=5)
    server.default = Scripted(body=json_body({"data": {"data": [row]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.tahapan == "Survei Lapangan"


def test_sicantik_missing_optional_fields(server: ScriptedServer) -> None:
    row = {"no_permohonan": KODE, "status": "Proses"}
    server.default = Scripted(body=json_body({"data": {"data": [row]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.licence_type is None
    assert application.tahapan is None
    assert application.applicant_name is None
    assert application.category is StatusCategory.IN_PROCESS


def test_sicantik_non_string_values(server: ScriptedServer) -> None:
    row = sicantik_row(jenis_izin=None, nama_proses=12, status=["x"])
    server.default = Scripted(body=json_body({"data": {"data": [row]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.licence_type is None
    assert application.tahapan == "12"
    assert application.status_text == ""


def test_sicantik_custom_field_map(server: ScriptedServer) -> None:
    row = {
        "nomor_registrasi": KODE,
        "pemohon": {"nama_lengkap": "Budi Santoso", "telepon": "081234567890"},
        "izin": "Izin Reklame",
        "tahap": "Penandatanganan",
        "state": "SK TERBIT",
    }
    field_map = json.dumps(
        {
            "no_permohonan": "nomor_registrasi",
            "nama": "pemohon.nama_lengkap",
            "no_hp": "pemohon.telepon",
            "jenis_izin": "izin",
            "nama_proses": "tahap",
            "status": "state",
        }
    )
    server.default = Scripted(body=json_body({"data": {"items": [row]}}))

    application = make_sicantik(server.base_url, field_map).lookup(KODE)

    assert application is not None
    assert application.applicant_name == "Budi Santoso"
    assert application.applicant_phone == "081234567890"
    assert application.licence_type == "Izin Reklame"
    assert application.tahapan == "Penandatanganan"
    assert application.category is StatusCategory.ISSUED


def test_sicantik_office_status_values(server: ScriptedServer) -> None:
    setting = json.dumps(
        {
            "status_values": {
                "Arsip": "rejected",
                "Proses Selesai Sebagian": "in_process",
            }
        }
    )
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row(status="Arsip")]}}))

    application = make_sicantik(server.base_url, setting).lookup(KODE)

    assert application is not None
    assert application.category is StatusCategory.REJECTED


def test_sicantik_rows_per_stage_become_history(server: ScriptedServer) -> None:
    rows = [
        sicantik_row(
            nama_proses="Survei Lapangan",
            status="Proses",
            tgl_proses="2022-12-08 08:45:00",
        ),
        sicantik_row(
            nama_proses="Pendaftaran",
            status="Selesai",
            tgl_proses="2022-12-05 09:12:00",
        ),
        sicantik_row(
            nama_proses="Verifikasi Berkas",
            status="Selesai",
            tgl_proses="2022-12-06 10:30:00",
        ),
    ]
    server.default = Scripted(body=json_body({"data": {"data": rows}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert [event.tahapan for event in application.history] == [
        "Pendaftaran",
        "Verifikasi Berkas",
        "Survei Lapangan",
    ]
    assert application.tahapan == "Survei Lapangan"
    assert application.category is StatusCategory.IN_PROCESS


def test_sicantik_rejection_reason(server: ScriptedServer) -> None:
    row = sicantik_row(status="Ditolak", keterangan="Berkas tidak lengkap")
    server.default = Scripted(body=json_body({"data": {"data": [row]}}))

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert application.category is StatusCategory.REJECTED
    assert application.reason == "Berkas tidak lengkap"


# --- failures -------------------------------------------------------------------


def test_malformed_json_is_unavailable(server: ScriptedServer) -> None:
    server.default = Scripted(body=b'{"data": {"data": [')

    with pytest.raises(TrackingUnavailable, match="not valid JSON"):
        make_sicantik(server.base_url).lookup(KODE)


def test_html_error_page_is_unavailable(server: ScriptedServer) -> None:
    server.default = Scripted(body=b"<html><body>Gateway</body></html>")

    with pytest.raises(TrackingUnavailable):
        make_sicantik(server.base_url).lookup(KODE)


def test_500_retried_once_then_unavailable(server: ScriptedServer) -> None:
    server.default = Scripted(status=500, body=b"error")

    with pytest.raises(TrackingUnavailable, match="HTTP 500"):
        make_sicantik(server.base_url).lookup(KODE)

    assert len(server.requests) == 2


def test_503_then_success_is_found(server: ScriptedServer) -> None:
    server.responses = [
        Scripted(status=503, body=b"busy"),
        Scripted(body=json_body({"data": {"data": [sicantik_row()]}})),
    ]

    application = make_sicantik(server.base_url).lookup(KODE)

    assert application is not None
    assert len(server.requests) == 2


def test_read_timeout_not_retried(server: ScriptedServer) -> None:
    server.default = Scripted(delay=1.5, body=json_body({"data": {"data": [sicantik_row()]}}))

    started = time.monotonic()
    with pytest.raises(TrackingUnavailable, match="timed out"):
        make_sicantik(server.base_url).lookup(KODE)
    elapsed = time.monotonic() - started

    assert elapsed < 1.4
    assert len(server.requests) == 1


def test_refused_connection_is_unavailable() -> None:
    # Port 9 on loopback (discard) has no listener on a test machine.
    started = time.monotonic()
    with pytest.raises(TrackingUnavailable, match="connection failed"):
        make_sicantik("http://127.0.0.1:9").lookup(KODE)

    assert time.monotonic() - started < 2.0


def test_redirect_not_followed(server: ScriptedServer) -> None:
    server.default = Scripted(status=302, body=b"", headers={"Location": "http://127.0.0.2:1/steal"})

    with pytest.raises(TrackingUnavailable, match="HTTP 302"):
        make_sicantik(server.base_url).lookup(KODE)

    assert len(server.requests) == 1


def test_oversized_response_is_unavailable(server: ScriptedServer) -> None:
    server.default = Scripted(body=b"[" + b'"x",' * 700_000 + b'"x"]')

    with pytest.raises(TrackingUnavailable, match="larger than"):
        make_sicantik(server.base_url).lookup(KODE)


def test_breaker_opens_and_fails_fast(server: ScriptedServer) -> None:
    now = [1000.0]
    server.default = Scripted(status=500, body=b"error")
    client = make_sicantik(server.base_url, breaker_failures=2, clock=lambda: now[0])

    for _ in range(2):
        with pytest.raises(TrackingUnavailable):
            client.lookup(KODE)
    requests_before = len(server.requests)
    with pytest.raises(TrackingUnavailable, match="breaker open"):
        client.lookup(KODE)

    assert len(server.requests) == requests_before
    assert client.breaker.state == CircuitBreaker.OPEN


def test_breaker_trial_call_closes_it(server: ScriptedServer) -> None:
    now = [1000.0]
    server.default = Scripted(status=500, body=b"error")
    client = make_sicantik(server.base_url, breaker_failures=1, clock=lambda: now[0])
    with pytest.raises(TrackingUnavailable):
        client.lookup(KODE)

    now[0] += 31
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row()]}}))

    assert client.lookup(KODE) is not None
    assert client.breaker.state == CircuitBreaker.CLOSED


def test_cache_answers_repeat_lookup(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row()]}}))
    client = make_sicantik(server.base_url, cache_ttl=60)

    first = client.lookup(KODE)
    second = client.lookup(KODE)

    assert first == second
    assert len(server.requests) == 1


def test_unavailable_result_not_cached(server: ScriptedServer) -> None:
    server.responses = [Scripted(status=500), Scripted(status=500)]
    server.default = Scripted(body=json_body({"data": {"data": [sicantik_row()]}}))
    client = make_sicantik(server.base_url, cache_ttl=60)

    with pytest.raises(TrackingUnavailable):
        client.lookup(KODE)

    assert client.lookup(KODE) is not None


# --- hostile codes ----------------------------------------------------------------

HOSTILE_CODES = [
    "../../etc/passwd",
    "CSO.2022/../../admin",
    "CSO.2022?no_permohonan=other",
    "CSO.2022#fragment",
    "CSO.2022&template=1",
    "user@evil.example",
    "//evil.example/x",
    "http://evil.example",
    "CSO.2022%2F..%2F",
    "CSO.2022\r\nHost: evil",
    "CSO 2022 1234",
    "CSO..202212345678",
    "ÇSO.202212345678",
    "CSO.２０２２／１",
    "CSO.2022\u202e1234",
    "A" * 41,
    "CSO." + "1" * 5000,
    "",
    "   ",
]


@pytest.mark.parametrize("hostile", HOSTILE_CODES, ids=range(len(HOSTILE_CODES)))
def test_hostile_code_rejected_before_request(server: ScriptedServer, hostile: str) -> None:
    assert normalise_kode(hostile) is None
    with pytest.raises(ValueError):
        make_sicantik(server.base_url).lookup(hostile)

    assert server.requests == []


def test_code_sent_only_as_query_parameter(server: ScriptedServer) -> None:
    # The loosest pattern an office might configure still cannot move the path.
    server.default = Scripted(body=json_body({"data": {"data": []}}))
    kode = "CSO.2022_1-2"

    make_sicantik(server.base_url).lookup(kode)

    assert server.requests[0]["path"] == "/api/TemplateData/keluaran/7.json"
    assert server.requests[0]["query"] == {"no_permohonan": [kode]}
    assert server.requests[0]["host"] == server.base_url.removeprefix("http://")


def test_loosened_pattern_still_encoded(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKING_KODE_PATTERN", r"[A-Z0-9/?#&@=:. -]+")
    server.default = Scripted(body=json_body({"data": {"data": []}}))
    kode = normalise_kode("abc/x?y=1#z&w@h")
    assert kode is not None

    make_sicantik(server.base_url).lookup(kode)

    assert server.requests[0]["path"] == "/api/TemplateData/keluaran/7.json"
    assert server.requests[0]["query"] == {"no_permohonan": [kode]}


# --- SIM TTD --------------------------------------------------------------------


def test_simttd_found_with_history(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": simttd_record()}))

    application = make_simttd(server.base_url).lookup("TTD-2023-000123")

    assert application is not None
    assert application.system == "simttd"
    assert application.tahapan == "Menunggu Tanda Tangan Kepala Dinas"
    assert application.category is StatusCategory.IN_PROCESS
    assert [event.tahapan for event in application.history] == [
        "Penerimaan Dokumen",
        "Menunggu Tanda Tangan Kepala Dinas",
    ]
    assert server.requests[0]["path"] == "/api/v1/permohonan"
    assert server.requests[0]["query"] == {"kode_pendaftaran": ["TTD-2023-000123"]}
    assert server.requests[0]["authorization"] == f"Bearer {TOKEN}"


def test_simttd_issued_and_rejected(server: ScriptedServer) -> None:
    server.responses = [
        Scripted(body=json_body({"data": simttd_record(status="terbit")})),
        Scripted(body=json_body({"data": simttd_record(status="ditolak", keterangan="Zona larangan")})),
    ]
    client = make_simttd(server.base_url)

    issued = client.lookup("TTD-2023-000123")
    rejected = client.lookup("TTD-2023-000123")

    assert issued is not None and issued.category is StatusCategory.ISSUED
    assert rejected is not None and rejected.category is StatusCategory.REJECTED
    assert rejected.reason == "Zona larangan"


def test_simttd_not_found_404_and_null(server: ScriptedServer) -> None:
    server.responses = [
        Scripted(status=404, body=json_body({"error": {"code": "not_found"}})),
        Scripted(body=json_body({"data": None})),
    ]
    client = make_simttd(server.base_url)

    assert client.lookup("TTD-2023-000999") is None
    assert client.lookup("TTD-2023-000999") is None


def test_simttd_record_for_other_code(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body({"data": simttd_record(kode_pendaftaran="TTD-2023-000555")}))

    assert make_simttd(server.base_url).lookup("TTD-2023-000123") is None


def test_simttd_rejected_token_is_unavailable(server: ScriptedServer) -> None:
    server.default = Scripted(status=401, body=json_body({"error": {"code": "unauthorized"}}))

    with pytest.raises(TrackingUnavailable, match="API token"):
        make_simttd(server.base_url).lookup("TTD-2023-000123")

    assert len(server.requests) == 1


def test_simttd_without_data_member(server: ScriptedServer) -> None:
    server.default = Scripted(body=json_body(simttd_record()))

    with pytest.raises(TrackingUnavailable, match="data"):
        make_simttd(server.base_url).lookup("TTD-2023-000123")


def test_simttd_custom_field_map(server: ScriptedServer) -> None:
    record = {
        "id_berkas": "TTD-2023-000123",
        "state": "SIGNED",
        "posisi": "Selesai TTE",
    }
    server.default = Scripted(body=json_body({"data": record}))
    client = SimTtdClient(
        base_url=server.base_url,
        field_map=load_field_map(
            "no_permohonan=id_berkas,status=state,nama_proses=posisi",
            SIMTTD_DEFAULT_FIELDS,
            "SIMTTD_FIELD_MAP",
        ),
        http=JsonHttpClient("simttd", FAST),
        cache=TtlCache(0),
        breaker=CircuitBreaker("simttd", 3, 30),
    )

    application = client.lookup("TTD-2023-000123")

    assert application is not None
    assert application.category is StatusCategory.ISSUED
    assert application.tahapan == "Selesai TTE"
