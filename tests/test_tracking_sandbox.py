"""The tracking sandbox: both contracts, the status control endpoint and the program entry point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chassie.tracking.models import StatusCategory
from chassie.tracking.service import LookupKind, TrackingService
from chassie.tracking.settings import TrackingSettings, build_clients
from sandbox.tracking import TrackingSandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KODE = "CSO.202212345678"


@pytest.fixture
def sandbox() -> Iterator[TrackingSandbox]:
    with TrackingSandbox() as running:
        yield running


def service_for(sandbox: TrackingSandbox) -> TrackingService:
    settings = TrackingSettings.from_env(
        {
            "SICANTIK_BASE_URL": sandbox.sicantik_base_url,
            "SICANTIK_TEMPLATE_ID": "12",
            "SIMTTD_BASE_URL": sandbox.simttd_base_url,
            "SIMTTD_API_TOKEN": sandbox.simttd_token,
            "TRACKING_CACHE_TTL": "0",
        }
    )
    return TrackingService(build_clients(settings), deadline_seconds=5)


def test_sandbox_sicantik_contract(sandbox: TrackingSandbox) -> None:
    response = requests.get(
        f"{sandbox.sicantik_base_url}/api/TemplateData/keluaran/1.json",
        params={"no_permohonan": KODE},
        timeout=5,
    )

    rows = response.json()["data"]["data"]
    assert response.status_code == 200
    assert rows[-1]["no_permohonan"] == KODE
    assert rows[-1]["nama_proses"] == "Survei Lapangan"
    assert rows[-1]["status"] == "Proses"


def test_sandbox_simttd_requires_token(sandbox: TrackingSandbox) -> None:
    url = f"{sandbox.simttd_base_url}/api/v1/permohonan"

    without = requests.get(url, params={"kode_pendaftaran": "TTD-2023-000123"}, timeout=5)
    wrong = requests.get(
        url,
        params={"kode_pendaftaran": "TTD-2023-000123"},
        headers={"Authorization": "Bearer x"},
        timeout=5,
    )

    assert without.status_code == 401
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("system", "kode", "category"),
    [
        ("sicantik", "CSO.202212345678", StatusCategory.IN_PROCESS),
        ("sicantik", "CSO.202301000111", StatusCategory.FINISHED),
        ("sicantik", "CSO.202302000222", StatusCategory.REJECTED),
        ("simttd", "TTD-2023-000123", StatusCategory.IN_PROCESS),
        ("simttd", "TTD-2023-000124", StatusCategory.ISSUED),
        ("simttd", "TTD-2023-000125", StatusCategory.REJECTED),
    ],
)
def test_sample_stages(sandbox: TrackingSandbox, system: str, kode: str, category: StatusCategory) -> None:
    outcome = service_for(sandbox).lookup(system, kode)

    assert outcome.kind is LookupKind.FOUND
    assert outcome.application is not None
    assert outcome.application.category is category


def test_rejected_samples_carry_reason(sandbox: TrackingSandbox) -> None:
    service = service_for(sandbox)

    for system, kode in (
        ("sicantik", "CSO.202302000222"),
        ("simttd", "TTD-2023-000125"),
    ):
        application = service.lookup(system, kode).application
        assert application is not None
        assert application.reason


def test_unknown_code_not_found(sandbox: TrackingSandbox) -> None:
    service = service_for(sandbox)

    assert service.lookup("sicantik", "CSO.209900000000").kind is LookupKind.NOT_FOUND
    assert service.lookup("simttd", "TTD-2099-000001").kind is LookupKind.NOT_FOUND


def test_status_control_endpoint(sandbox: TrackingSandbox) -> None:
    response = requests.post(
        f"{sandbox.base_url}/sandbox/applications/sicantik/{KODE}/status",
        json={
            "status": "ditolak",
            "tahapan": "Verifikasi Teknis",
            "keterangan": "Lokasi tidak sesuai",
        },
        timeout=5,
    )
    application = service_for(sandbox).lookup("sicantik", KODE).application

    assert response.status_code == 200
    assert application is not None
    assert application.category is StatusCategory.REJECTED
    assert application.tahapan == "Verifikasi Teknis"
    assert application.reason == "Lokasi tidak sesuai"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (f"/sandbox/applications/sicantik/{KODE}/status", {"status": "hilang"}, 400),
        (
            "/sandbox/applications/sicantik/CSO.209900000000/status",
            {"status": "terbit"},
            404,
        ),
        ("/sandbox/applications/oss/X/status", {"status": "terbit"}, 404),
    ],
)
def test_status_control_rejects(sandbox: TrackingSandbox, path: str, body: dict[str, str], status: int) -> None:
    response = requests.post(sandbox.base_url + path, json=body, timeout=5)

    assert response.status_code == status


def test_set_status_function(sandbox: TrackingSandbox) -> None:
    sandbox.set_status("simttd", "ttd-2023-000123", "terbit", tahapan="Tanda Tangan Elektronik")

    application = service_for(sandbox).lookup("simttd", "TTD-2023-000123").application

    assert application is not None
    assert application.category is StatusCategory.ISSUED
    assert application.history[-1].tahapan == "Tanda Tangan Elektronik"


def test_sandbox_page_lists_samples(sandbox: TrackingSandbox) -> None:
    response = requests.get(sandbox.base_url + "/", timeout=5)

    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    assert "72 CSO.202212345678" in response.text
    assert "71 TTD-2023-000123" in response.text


def test_program_serves_on_configured_port() -> None:
    environ = {
        **os.environ,
        "SANDBOX_TRACKING_PORT": "0",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.tracking"],
        cwd=PROJECT_ROOT,
        env=environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 20
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline() if process.stderr else ""
            match = re.search(r"listening url=(\S+)", line)
            url = match.group(1) if match else None
        assert url is not None, "sandbox printed no listening URL"

        response = requests.get(
            f"{url}/sicantik/api/TemplateData/keluaran/1.json",
            params={"no_permohonan": KODE},
            timeout=5,
        )
        assert json.loads(response.text)["data"]["data"][0]["no_permohonan"] == KODE
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert process.returncode == 0
