"""A local stand-in for SIM TTD and SiCantik Cloud with sample applications.

Run `python -m sandbox.tracking` (port from SANDBOX_TRACKING_PORT, default
5080) and point Chassie at it:

    SICANTIK_BASE_URL=http://127.0.0.1:5080/sicantik
    SIMTTD_BASE_URL=http://127.0.0.1:5080/simttd
    SIMTTD_API_TOKEN=<the token this sandbox prints>

Tests use `TrackingSandbox` on an ephemeral port, change statuses with
`set_status` and make a service slow or broken with `set_fault`. Over HTTP,
`POST /sandbox/applications/<system>/<kode>/status` changes a status, which is
how a notifier can be exercised by hand. The sandbox binds to loopback only and
contains made-up people.
"""

from __future__ import annotations

import copy
import html
import json
import logging
import os
import re
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_PORT = 5080
DEFAULT_HOST = "127.0.0.1"
DEFAULT_SIMTTD_TOKEN = "sandbox-simttd-token"
SICANTIK_PREFIX = "/sicantik"
SIMTTD_PREFIX = "/simttd"
SIMTTD = "simttd"
SICANTIK = "sicantik"
MAX_CONTROL_BODY_BYTES = 64 * 1024
# Shutdown poll interval of http.server, which bounds how long stop() waits.
SHUTDOWN_POLL_SECONDS = 0.05

_SICANTIK_TEMPLATE = re.compile(r"^/sicantik/api/TemplateData/keluaran/(?P<template>[A-Za-z0-9_-]+)\.json$")
_STATUS_CONTROL = re.compile(r"^/sandbox/applications/(?P<system>simttd|sicantik)/(?P<kode>[^/]+)/status$")

# Status words as each system writes them.
_STATUS_WORDS = {
    SICANTIK: {
        "proses": "Proses",
        "selesai": "Selesai",
        "terbit": "Selesai",
        "ditolak": "Ditolak",
    },
    SIMTTD: {
        "proses": "proses",
        "selesai": "selesai",
        "terbit": "terbit",
        "ditolak": "ditolak",
    },
}


def _stage(tahapan: str, status: str, waktu: str, keterangan: str | None = None) -> dict[str, Any]:
    return {
        "tahapan": tahapan,
        "status": status,
        "waktu": waktu,
        "keterangan": keterangan,
    }


def sample_applications() -> dict[tuple[str, str], dict[str, Any]]:
    """Return the made-up applications the sandbox starts with, keyed by (system, kode)."""
    applications = [
        {
            "system": SICANTIK,
            "kode": "CSO.202212345678",
            "nama": "Budi Santoso",
            "no_hp": "081234567890",
            "nik": "5171010101800001",
            "alamat": "Jl. Contoh No. 1, Denpasar",
            "email": "budi@example.com",
            "jenis_izin": "Izin Penyelenggaraan Reklame",
            "jenis_permohonan": "Baru",
            "tgl_pengajuan": "2022-12-05",
            "riwayat": [
                _stage("Pendaftaran", "selesai", "2022-12-05 09:12:00"),
                _stage("Verifikasi Berkas", "selesai", "2022-12-06 10:30:00"),
                _stage("Survei Lapangan", "proses", "2022-12-08 08:45:00"),
            ],
        },
        {
            "system": SICANTIK,
            "kode": "CSO.202301000111",
            "nama": "Ni Luh Putu Sari",
            "no_hp": "+62 813-3800-1111",
            "nik": "5171014107900002",
            "alamat": "Jl. Contoh No. 2, Denpasar",
            "email": "sari@example.com",
            "jenis_izin": "Surat Izin Praktik Bidan",
            "jenis_permohonan": "Perpanjangan",
            "tgl_pengajuan": "2023-01-09",
            "riwayat": [
                _stage("Pendaftaran", "selesai", "2023-01-09 11:00:00"),
                _stage("Verifikasi Berkas", "selesai", "2023-01-10 09:00:00"),
                _stage("Penerbitan Izin", "terbit", "2023-01-12 14:20:00"),
            ],
        },
        {
            "system": SICANTIK,
            "kode": "CSO.202302000222",
            "nama": "I Made Wirawan",
            "no_hp": "085737000222",
            "nik": "5171010505850003",
            "alamat": "Jl. Contoh No. 3, Denpasar",
            "email": "wirawan@example.com",
            "jenis_izin": "Izin Praktik Dokter",
            "jenis_permohonan": "Baru",
            "tgl_pengajuan": "2023-02-14",
            "riwayat": [
                _stage("Pendaftaran", "selesai", "2023-02-14 08:30:00"),
                _stage(
                    "Verifikasi Berkas",
                    "ditolak",
                    "2023-02-16 13:00:00",
                    "Surat rekomendasi organisasi profesi belum dilampirkan.",
                ),
            ],
        },
        {
            "system": SIMTTD,
            "kode": "TTD-2023-000123",
            "nama": "Komang Ayu Lestari",
            "no_hp": "6281999000123",
            "nik": "5171016606920004",
            "alamat": "Jl. Contoh No. 4, Denpasar",
            "email": "ayu@example.com",
            "jenis_izin": "Izin Usaha Toko Swalayan",
            "jenis_permohonan": "Baru",
            "tgl_pengajuan": "2023-03-01",
            "riwayat": [
                _stage("Penerimaan Dokumen", "selesai", "2023-03-01 10:00:00"),
                _stage("Paraf Kepala Bidang", "selesai", "2023-03-02 15:00:00"),
                _stage(
                    "Menunggu Tanda Tangan Kepala Dinas",
                    "proses",
                    "2023-03-03 09:00:00",
                ),
            ],
        },
        {
            "system": SIMTTD,
            "kode": "TTD-2023-000124",
            "nama": "Gede Pratama",
            "no_hp": "081999000124",
            "nik": "5171011212880005",
            "alamat": "Jl. Contoh No. 5, Denpasar",
            "email": "pratama@example.com",
            "jenis_izin": "Tanda Daftar Usaha Pariwisata",
            "jenis_permohonan": "Perubahan",
            "tgl_pengajuan": "2023-03-05",
            "riwayat": [
                _stage("Penerimaan Dokumen", "selesai", "2023-03-05 10:00:00"),
                _stage("Tanda Tangan Elektronik", "terbit", "2023-03-07 16:10:00"),
            ],
        },
        {
            "system": SIMTTD,
            "kode": "TTD-2023-000125",
            "nama": "Wayan Suardana",
            "no_hp": "081999000125",
            "nik": "5171012003790006",
            "alamat": "Jl. Contoh No. 6, Denpasar",
            "email": "suardana@example.com",
            "jenis_izin": "Izin Penyelenggaraan Reklame",
            "jenis_permohonan": "Baru",
            "tgl_pengajuan": "2023-03-10",
            "riwayat": [
                _stage("Penerimaan Dokumen", "selesai", "2023-03-10 10:00:00"),
                _stage(
                    "Paraf Kepala Bidang",
                    "ditolak",
                    "2023-03-13 11:30:00",
                    "Titik reklame berada di zona larangan.",
                ),
            ],
        },
    ]
    return {(a["system"], a["kode"].upper()): a for a in applications}


@dataclass
class Fault:
    """A misbehaviour to simulate for one system: delay, an HTTP error, or a broken body."""

    delay_seconds: float = 0.0
    http_status: int | None = None
    malformed: bool = False


class TrackingSandbox:
    """The sandbox's state and HTTP server, usable as a library or as a program."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = 0,
        simttd_token: str = DEFAULT_SIMTTD_TOKEN,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.simttd_token = simttd_token
        self.applications = sample_applications()
        self.faults: dict[str, Fault] = {}
        self.request_count: dict[str, int] = {SICANTIK: 0, SIMTTD: 0}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on (known after start)."""
        if self._server is None:
            raise RuntimeError("sandbox is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """The root URL of the running server."""
        return f"http://{self.host}:{self.port}"

    @property
    def sicantik_base_url(self) -> str:
        """The value for SICANTIK_BASE_URL."""
        return self.base_url + SICANTIK_PREFIX

    @property
    def simttd_base_url(self) -> str:
        """The value for SIMTTD_BASE_URL."""
        return self.base_url + SIMTTD_PREFIX

    def start(self) -> TrackingSandbox:
        """Start serving in a background thread and return self."""
        handler = type("BoundHandler", (_Handler,), {"sandbox": self})
        self._server = ThreadingHTTPServer((self.host, self.requested_port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="tracking-sandbox",
            daemon=True,
        )
        self._thread.start()
        logger.info("tracking sandbox listening url=%s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> TrackingSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def set_status(
        self,
        system: str,
        kode: str,
        status: str,
        tahapan: str | None = None,
        keterangan: str | None = None,
    ) -> dict[str, Any]:
        """Move an application to a new stage and status ("proses", "selesai", "terbit", "ditolak").

        Raises KeyError for an unknown application and ValueError for an
        unknown status.
        """
        if status not in _STATUS_WORDS[SIMTTD]:
            raise ValueError(f"unknown status {status!r}; use one of {sorted(_STATUS_WORDS[SIMTTD])}")
        with self._lock:
            application = self.applications[(system, kode.upper())]
            current = application["riwayat"][-1]["tahapan"]
            waktu = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            application["riwayat"].append(_stage(tahapan or current, status, waktu, keterangan))
            logger.info(
                "tracking sandbox status changed system=%s kode_pendaftaran=%s status=%s",
                system,
                kode,
                status,
            )
            return copy.deepcopy(application)

    def add_application(self, application: dict[str, Any]) -> None:
        """Add or replace an application given in the sample format (system, kode, riwayat, …)."""
        with self._lock:
            self.applications[(application["system"], application["kode"].upper())] = copy.deepcopy(application)

    def find(self, system: str, kode: str) -> dict[str, Any] | None:
        """Return a copy of one application, or None."""
        with self._lock:
            application = self.applications.get((system, kode.strip().upper()))
            return copy.deepcopy(application) if application else None

    def set_fault(self, system: str, fault: Fault | None) -> None:
        """Make one system misbehave, or behave again with None."""
        with self._lock:
            if fault is None:
                self.faults.pop(system, None)
            else:
                self.faults[system] = fault

    def reset(self) -> None:
        """Restore the sample applications and clear faults and counters."""
        with self._lock:
            self.applications = sample_applications()
            self.faults.clear()
            self.request_count = {SICANTIK: 0, SIMTTD: 0}

    def count_request(self, system: str) -> Fault:
        """Count an incoming lookup and return the fault to apply (a no-op Fault when none)."""
        with self._lock:
            self.request_count[system] += 1
            return self.faults.get(system) or Fault()


def sicantik_rows(application: dict[str, Any]) -> list[dict[str, Any]]:
    """Render an application as SiCantik template rows, one row per stage."""
    words = _STATUS_WORDS[SICANTIK]
    return [
        {
            "no_permohonan": application["kode"],
            "nama": application["nama"],
            "no_hp": application["no_hp"],
            "nik": application["nik"],
            "alamat": application["alamat"],
            "email": application["email"],
            "jenis_izin": application["jenis_izin"],
            "jenis_permohonan": application["jenis_permohonan"],
            "tgl_pengajuan": application["tgl_pengajuan"],
            "nama_proses": stage["tahapan"],
            "status": words[stage["status"]],
            "tgl_proses": stage["waktu"],
            "keterangan": stage["keterangan"],
        }
        for stage in application["riwayat"]
    ]


def simttd_record(application: dict[str, Any]) -> dict[str, Any]:
    """Render an application in the SIM TTD contract."""
    words = _STATUS_WORDS[SIMTTD]
    current = application["riwayat"][-1]
    return {
        "kode_pendaftaran": application["kode"],
        "nama_pemohon": application["nama"],
        "no_hp": application["no_hp"],
        "nik": application["nik"],
        "alamat": application["alamat"],
        "email": application["email"],
        "jenis_izin": application["jenis_izin"],
        "jenis_permohonan": application["jenis_permohonan"],
        "tanggal_pengajuan": application["tgl_pengajuan"],
        "tahapan": current["tahapan"],
        "status": words[current["status"]],
        "keterangan": current["keterangan"],
        "riwayat": [{**stage, "status": words[stage["status"]]} for stage in application["riwayat"]],
    }


class _Handler(BaseHTTPRequestHandler):
    sandbox: TrackingSandbox
    server_version = "ChassieTrackingSandbox/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("tracking sandbox %s", format % args)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        template = _SICANTIK_TEMPLATE.match(parts.path)
        if template:
            self._sicantik(query)
        elif parts.path == SIMTTD_PREFIX + "/api/v1/permohonan":
            self._simttd(query)
        elif parts.path == "/sandbox/applications":
            self._send_json(
                HTTPStatus.OK,
                {"applications": list(self.sandbox.applications.values())},
            )
        elif parts.path == "/":
            self._send_page()
        else:
            self._send_json(
                HTTPStatus.NOT_FOUND,
                {"error": {"code": "not_found", "message": "unknown path"}},
            )

    def do_POST(self) -> None:
        match = _STATUS_CONTROL.match(urlsplit(self.path).path)
        if not match:
            self._send_json(
                HTTPStatus.NOT_FOUND,
                {"error": {"code": "not_found", "message": "unknown path"}},
            )
            return

        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_CONTROL_BODY_BYTES:
            self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": {"code": "too_large"}})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            application = self.sandbox.set_status(
                match.group("system"),
                unquote(match.group("kode")),
                str(body.get("status", "")),
                body.get("tahapan"),
                body.get("keterangan"),
            )
        except KeyError:
            self._send_json(
                HTTPStatus.NOT_FOUND,
                {"error": {"code": "not_found", "message": "unknown application"}},
            )
            return
        except (ValueError, AttributeError) as error:
            self._send_json(
                HTTPStatus.BAD_REQUEST,
                {"error": {"code": "invalid", "message": str(error)}},
            )
            return
        self._send_json(HTTPStatus.OK, {"application": application})

    def _apply_fault(self, system: str) -> bool:
        fault = self.sandbox.count_request(system)
        if fault.delay_seconds:
            time.sleep(fault.delay_seconds)
        if fault.http_status:
            self._send_json(HTTPStatus(fault.http_status), {"error": {"code": "simulated"}})
            return True
        if fault.malformed:
            self._send_raw(HTTPStatus.OK, b'{"data": {"data": [', "application/json")
            return True
        return False

    def _sicantik(self, query: dict[str, list[str]]) -> None:
        if self._apply_fault(SICANTIK):
            return
        kode = (query.get("no_permohonan") or [""])[0]
        application = self.sandbox.find(SICANTIK, kode)
        rows = sicantik_rows(application) if application else []
        self._send_json(HTTPStatus.OK, {"data": {"data": rows}})

    def _simttd(self, query: dict[str, list[str]]) -> None:
        if self._apply_fault(SIMTTD):
            return
        if self.headers.get("Authorization") != f"Bearer {self.sandbox.simttd_token}":
            self._send_json(
                HTTPStatus.UNAUTHORIZED,
                {"error": {"code": "unauthorized", "message": "invalid token"}},
            )
            return
        kode = (query.get("kode_pendaftaran") or [""])[0]
        application = self.sandbox.find(SIMTTD, kode)
        if application is None:
            self._send_json(
                HTTPStatus.NOT_FOUND,
                {"error": {"code": "not_found", "message": "no such application"}},
            )
            return
        self._send_json(HTTPStatus.OK, {"data": simttd_record(application)})

    def _send_page(self) -> None:
        rows = []
        for application in sorted(self.sandbox.applications.values(), key=lambda a: (a["system"], a["kode"])):
            current = application["riwayat"][-1]
            code = "71" if application["system"] == SIMTTD else "72"
            cells = (
                f"{code} {application['kode']}",
                application["jenis_izin"],
                current["tahapan"],
                current["status"],
            )
            rows.append("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>")
        page = (
            '<!doctype html><html lang="id"><head><meta charset="utf-8">'
            "<title>Sandbox Pelacakan Permohonan</title></head><body>"
            "<h1>Sandbox Pelacakan Permohonan</h1>"
            "<p>Layanan tiruan SIM TTD dan SiCantik Cloud untuk uji coba Chassie. "
            "Semua data di bawah ini adalah contoh, bukan data pemohon sebenarnya.</p>"
            "<table border='1' cellpadding='4'><tr><th>Ketik di WhatsApp</th><th>Jenis izin</th>"
            "<th>Tahapan</th><th>Status</th></tr>" + "".join(rows) + "</table></body></html>"
        )
        self._send_raw(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")

    def _send_json(self, status: HTTPStatus, payload: Any) -> None:
        self._send_raw(
            status,
            json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            "application/json",
        )

    def _send_raw(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("tracking sandbox client disconnected before the response")


def main() -> None:
    """Serve the sandbox on SANDBOX_TRACKING_PORT until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    port = int(os.environ.get("SANDBOX_TRACKING_PORT") or DEFAULT_PORT)
    token = os.environ.get("SIMTTD_API_TOKEN") or DEFAULT_SIMTTD_TOKEN
    sandbox = TrackingSandbox(port=port, simttd_token=token).start()
    logger.info(
        "tracking sandbox ready SICANTIK_BASE_URL=%s SIMTTD_BASE_URL=%s",
        sandbox.sicantik_base_url,
        sandbox.simttd_base_url,
    )

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    sandbox.stop()


if __name__ == "__main__":
    main()
