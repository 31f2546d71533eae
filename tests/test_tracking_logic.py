"""Code validation, request resolution, privacy, field maps, settings and reply texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chassie.menu import MENU_HINT
from chassie.privacy import mask_phone
from chassie.tracking.codes import (
    detect_system,
    extract_kode,
    infer_system,
    normalise_kode,
    normalise_system,
)
from chassie.tracking.fieldmap import (
    SICANTIK_DEFAULT_FIELDS,
    FieldMapError,
    load_field_map,
)
from chassie.tracking.models import ApplicationStatus, StageEvent, StatusCategory
from chassie.tracking.privacy import (
    mask_name,
    normalise_phone,
    phones_match,
)
from chassie.tracking.replies import (
    ask_kode_reply,
    ask_system_reply,
    format_date,
    invalid_kode_reply,
    not_found_reply,
    status_reply,
    unavailable_reply,
)
from chassie.tracking.request import resolve_request
from chassie.tracking.resilience import CircuitBreaker, TtlCache
from chassie.tracking.settings import (
    TrackingSettings,
    TrackingSettingsError,
    build_clients,
)
from chassie.tracking.status import classify_status

# --- codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CSO.202212345678", "CSO.202212345678"),
        ("  cso.202212345678  ", "CSO.202212345678"),
        ("*CSO.202212345678*", "CSO.202212345678"),
        ("_CSO.202212345678_.", "CSO.202212345678"),
        ('"CSO.202212345678"?', "CSO.202212345678"),
        ("(CSO.202212345678),", "CSO.202212345678"),
        ("CSO.202212345678\u200b", "CSO.202212345678"),
        ("ＣＳＯ．２０２２１２３４５６７８", "CSO.202212345678"),
        ("ttd-2023-000123", "TTD-2023-000123"),
        ("202212345678", "202212345678"),
    ],
)
def test_normalise_kode_accepts(typed: str, expected: str) -> None:
    assert normalise_kode(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "72",
        "abc",
        "CSO 2022",
        "CSO/2022",
        "CSO..2022",
        "-CSO.2022",
        "A" * 41,
        "CSO.2022é",
    ],
)
def test_normalise_kode_rejects(typed: str | None) -> None:
    assert normalise_kode(typed) is None


def test_kode_max_length_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKING_KODE_MAX_LENGTH", "10")

    assert normalise_kode("CSO.202212") == "CSO.202212"
    assert normalise_kode("CSO.2022123") is None


def test_kode_pattern_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKING_KODE_PATTERN", r"CSO\.\d{12}")

    assert normalise_kode("cso.202212345678") == "CSO.202212345678"
    assert normalise_kode("TTD-2023-000123") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cek status CSO.202212345678", "CSO.202212345678"),
        ("tolong cek *cso.202212345678* ya pak", "CSO.202212345678"),
        ("kode saya TTD-2023-000123.", "TTD-2023-000123"),
        ("izin saya sudah sampai mana", None),
        ("nik saya 5171010101800001", None),
        ("hp 081234567890", None),
        ("menu 72", None),
        (None, None),
    ],
)
def test_extract_kode(text: str | None, expected: str | None) -> None:
    assert extract_kode(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cek di sicantik", "sicantik"),
        ("SiCantik Cloud", "sicantik"),
        ("si cantik", "sicantik"),
        ("lewat SIM TTD", "simttd"),
        ("simttd", "simttd"),
        ("72", "sicantik"),
        ("71", "simttd"),
        ("CSO.7212345678", None),
        ("sicantik atau sim ttd", None),
        ("izin saya", None),
    ],
)
def test_detect_system(text: str, expected: str | None) -> None:
    assert detect_system(text) == expected


def test_normalise_system_entity_values() -> None:
    assert normalise_system("sicantik") == "sicantik"
    assert normalise_system("SIMTTD") == "simttd"
    assert normalise_system("SiCantik Cloud") == "sicantik"
    assert normalise_system("oss") is None
    assert normalise_system(None) is None


def test_infer_system_from_code_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    assert infer_system("CSO.202212345678") == "sicantik"
    assert infer_system("TTD-2023-000123") == "simttd"
    assert infer_system("ABC123456") is None

    monkeypatch.setenv("SIMTTD_KODE_PATTERN", r"ABC\d+")
    assert infer_system("ABC123456") == "simttd"


# --- request resolution -------------------------------------------------------------


def test_request_from_menu_code_entities() -> None:
    request = resolve_request("72 CSO.202212345678", "CSO.202212345678", "sicantik")

    assert request.kode == "CSO.202212345678"
    assert request.system == "sicantik"
    assert not request.invalid_kode


def test_request_entity_with_trailing_words() -> None:
    request = resolve_request("72 cso.202212345678 mohon dicek", "cso.202212345678 mohon dicek", "sicantik")

    assert request.kode == "CSO.202212345678"


def test_request_invalid_entity_not_replaced() -> None:
    request = resolve_request("72 ../admin", "../admin", "sicantik", remembered_kode="CSO.202212345678")

    assert request.invalid_kode
    assert request.kode is None
    assert request.system == "sicantik"


def test_request_free_text_infers_system() -> None:
    request = resolve_request("cek status CSO.202212345678")

    assert request.kode == "CSO.202212345678"
    assert request.system == "sicantik"


def test_request_bare_code_unknown_shape() -> None:
    request = resolve_request("ABC123456")

    assert request.kode == "ABC123456"
    assert request.system is None


def test_request_uses_remembered_code_and_system() -> None:
    request = resolve_request(
        "izin saya sudah sampai mana",
        remembered_kode="ABC123456",
        remembered_system="simttd",
    )

    assert request.kode == "ABC123456"
    assert request.system == "simttd"


def test_request_explicit_system_beats_code_shape() -> None:
    request = resolve_request("71", system_entity="simttd", remembered_kode="CSO.202212345678")

    assert request.kode == "CSO.202212345678"
    assert request.system == "simttd"


def test_request_nothing_known() -> None:
    request = resolve_request("izin saya sudah sampai mana")

    assert request.kode is None
    assert request.system is None
    assert not request.invalid_kode


# --- privacy ----------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["081234567890", "+62 812-3456-7890", "6281234567890", "0062 81234567890"])
def test_normalise_phone_forms(phone: str) -> None:
    assert normalise_phone(phone) == "6281234567890"


def test_phones_match() -> None:
    assert phones_match("6281234567890", "0812-3456-7890")
    assert not phones_match("6281234567891", "081234567890")
    assert not phones_match("6281234567890", None)
    assert not phones_match("web-session-1", "081234567890")


def test_mask_name_and_phone() -> None:
    assert mask_name("Budi Santoso") == "B*** S******"
    assert mask_name("I") == "I"
    assert mask_name(None) is None
    assert mask_phone("6281234567890") == "6281****7890"
    assert "1234567" not in mask_phone("6281234567890")


# --- status words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "category"),
    [
        ("Proses", StatusCategory.IN_PROCESS),
        ("Selesai", StatusCategory.FINISHED),
        ("terbit", StatusCategory.ISSUED),
        ("Sudah ditandatangani", StatusCategory.ISSUED),
        ("Ditolak", StatusCategory.REJECTED),
        ("Dibatalkan", StatusCategory.REJECTED),
        ("Verifikasi", StatusCategory.IN_PROCESS),
        ("", StatusCategory.IN_PROCESS),
        (None, StatusCategory.IN_PROCESS),
    ],
)
def test_classify_status(status: str | None, category: StatusCategory) -> None:
    assert classify_status(status) is category


# --- field maps and settings ------------------------------------------------------------


def test_field_map_from_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "sicantik.yml"
    path.write_text(
        "fields:\n  nama: pemohon.nama\nstatus_values:\n  Arsip: rejected\n",
        encoding="utf-8",
    )

    field_map = load_field_map(str(path), SICANTIK_DEFAULT_FIELDS, "SICANTIK_FIELD_MAP")

    assert field_map.fields["nama"] == "pemohon.nama"
    assert field_map.fields["status"] == "status"
    assert field_map.status_values == {"Arsip": StatusCategory.REJECTED}
    assert field_map.read_text({"pemohon": {"nama": " Budi "}}, "nama") == "Budi"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('{"nik": "nik"}', "unknown logical fields"),
        ("{not json", "not valid JSON"),
        ("nama", "logical=source"),
        ("/nonexistent/map.yml", "does not exist"),
        ('{"status_values": {"X": "bogus"}}', "unknown category"),
    ],
)
def test_field_map_invalid(setting: str, message: str) -> None:
    with pytest.raises(FieldMapError, match=message):
        load_field_map(setting, SICANTIK_DEFAULT_FIELDS, "SICANTIK_FIELD_MAP")


def test_settings_defaults_and_clients() -> None:
    settings = TrackingSettings.from_env(
        {
            "SICANTIK_BASE_URL": "http://127.0.0.1:5080/sicantik/",
            "SIMTTD_BASE_URL": "http://127.0.0.1:5080/simttd",
        }
    )
    clients = build_clients(settings)

    assert settings.sicantik_base_url == "http://127.0.0.1:5080/sicantik"
    assert settings.sicantik_template_id == "1"
    assert settings.timeouts.connect == 2.0
    assert set(clients) == {"sicantik", "simttd"}


def test_settings_unconfigured_system_has_no_client() -> None:
    clients = build_clients(TrackingSettings.from_env({"SIMTTD_BASE_URL": "http://127.0.0.1:1"}))

    assert set(clients) == {"simttd"}


@pytest.mark.parametrize(
    "environ",
    [
        {"SICANTIK_BASE_URL": "ftp://127.0.0.1"},
        {"SICANTIK_BASE_URL": "http://user:pw@127.0.0.1"},
        {"SICANTIK_BASE_URL": "127.0.0.1:5080"},
        {"SICANTIK_TEMPLATE_ID": "../1"},
        {"TRACKING_READ_TIMEOUT": "soon"},
        {"TRACKING_CONNECT_TIMEOUT": "0"},
    ],
)
def test_settings_invalid(environ: dict[str, str]) -> None:
    with pytest.raises(TrackingSettingsError):
        TrackingSettings.from_env(environ)


# --- cache and breaker ------------------------------------------------------------------


def test_cache_expires() -> None:
    now = [0.0]
    cache: TtlCache[str] = TtlCache(10, clock=lambda: now[0])
    cache.put("k", "v")

    assert cache.get("k") == (True, "v")
    now[0] = 10.0
    assert cache.get("k") == (False, None)


def test_cache_bounded() -> None:
    cache: TtlCache[int] = TtlCache(10, max_entries=2)
    for number in range(3):
        cache.put(number, number)

    assert cache.get(0) == (False, None)
    assert cache.get(2) == (True, 2)


def test_breaker_half_open_allows_one_trial() -> None:
    now = [0.0]
    breaker = CircuitBreaker("test", failure_threshold=1, reset_seconds=5, clock=lambda: now[0])
    breaker.record_failure()

    assert not breaker.allow()
    now[0] = 5.0
    assert breaker.allow()
    assert not breaker.allow()
    breaker.record_failure()
    assert breaker.state == CircuitBreaker.OPEN


# --- replies ------------------------------------------------------------------------------


def application(**overrides: object) -> ApplicationStatus:
    values: dict[str, object] = {
        "kode_pendaftaran": "CSO.202212345678",
        "system": "sicantik",
        "category": StatusCategory.IN_PROCESS,
        "status_text": "Proses",
        "tahapan": "Survei Lapangan",
        "licence_type": "Izin Penyelenggaraan Reklame",
        "request_type": "Baru",
        "filed_on": "2022-12-05",
        "history": (
            StageEvent("Pendaftaran", "2022-12-05 09:12:00", "Selesai"),
            StageEvent("Survei Lapangan", "2022-12-08 08:45:00", "Proses"),
        ),
        "applicant_name": "Budi Santoso",
        "applicant_phone": "081234567890",
    }
    values.update(overrides)
    return ApplicationStatus(**values)  # type: ignore[arg-type]


def test_status_reply_in_process() -> None:
    reply = status_reply(application(), reveal_name=False)

    assert "*CSO.202212345678*" in reply.text
    assert "SiCantik Cloud" in reply.text
    assert "Izin Penyelenggaraan Reklame" in reply.text
    assert "5 Desember 2022" in reply.text
    assert "Survei Lapangan" in reply.text
    assert "Sedang diproses" in reply.text
    assert "Riwayat tahapan" in reply.text
    assert "B*** S******" in reply.text
    assert "Budi Santoso" not in reply.text
    assert "081234567890" not in reply.text
    assert reply.text.endswith(MENU_HINT)
    assert reply.buttons == [
        {"title": "Ya", "payload": "/notification_subscribe"},
        {"title": "Tidak", "payload": "/deny"},
    ]


def test_status_reply_reveals_name_to_owner() -> None:
    reply = status_reply(application(), reveal_name=True)

    assert "Budi Santoso" in reply.text


def test_status_reply_rejected_with_reason() -> None:
    reply = status_reply(
        application(
            category=StatusCategory.REJECTED,
            status_text="Ditolak",
            reason="Berkas tidak lengkap",
        ),
        reveal_name=False,
    )

    assert "Ditolak" in reply.text
    assert "Alasan: Berkas tidak lengkap" in reply.text
    assert reply.buttons == []
    assert reply.text.endswith(MENU_HINT)


def test_status_reply_issued_has_no_offer() -> None:
    reply = status_reply(
        application(category=StatusCategory.ISSUED, status_text="terbit"),
        reveal_name=False,
    )

    assert "Izin sudah terbit" in reply.text
    assert reply.buttons == []


def test_status_reply_minimal_application() -> None:
    minimal = ApplicationStatus("CSO.202212345678", "sicantik", StatusCategory.IN_PROCESS, "")

    reply = status_reply(minimal, reveal_name=False)

    assert "Nama pemohon" not in reply.text
    assert "Riwayat" not in reply.text
    assert "None" not in reply.text


def test_other_replies_end_with_menu_hint() -> None:
    replies = [
        not_found_reply("sicantik", "CSO.202212345678"),
        unavailable_reply("simttd", "TTD-2023-000123"),
        invalid_kode_reply(None),
        invalid_kode_reply("sicantik"),
        ask_kode_reply(None),
        ask_kode_reply("simttd"),
        ask_system_reply("ABC123456"),
    ]

    for reply in replies:
        assert reply.text.endswith(MENU_HINT)


def test_not_found_reply_shows_format_and_menu_5() -> None:
    text = not_found_reply("sicantik", "CSO.202299999999").text

    assert "tidak ditemukan" in text
    assert "*72 CSO.202212345678*" in text
    assert "menu *5*" in text


def test_unavailable_reply_has_contact() -> None:
    text = unavailable_reply("sicantik", "CSO.202212345678").text

    assert "Mohon maaf" in text
    assert "0361428610" in text
    assert "0361416075" in text
    assert "perijinan@denpasarkota.go.id" in text
    assert "menu *5*" in text


def test_ask_system_buttons_carry_code() -> None:
    reply = ask_system_reply("ABC123456")
    payloads = [button["payload"] for button in reply.buttons]

    assert payloads[0] == '/check_status{"tracking_system":"simttd","kode_pendaftaran":"ABC123456"}'
    assert json.loads(payloads[1].removeprefix("/check_status")) == {
        "tracking_system": "sicantik",
        "kode_pendaftaran": "ABC123456",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-12-05", "5 Desember 2022"),
        ("2022-12-05 09:12:00", "5 Desember 2022, 09.12"),
        ("2022-12-05T09:12:00+08:00", "5 Desember 2022, 09.12"),
        ("05-12-2022", "5 Desember 2022"),
        ("05/12/2022", "5 Desember 2022"),
        ("kemarin", "kemarin"),
        ("2022-13-45", "2022-13-45"),
        (None, None),
    ],
)
def test_format_date(value: str | None, expected: str | None) -> None:
    assert format_date(value) == expected


def test_status_reply_fits_button_body() -> None:
    history = tuple(
        StageEvent(f"Tahapan pemeriksaan teknis lapangan nomor {number}", "2023-01-01 10:00", "Selesai")
        for number in range(30)
    )
    reply = status_reply(application(history=history, reason="x" * 5000), reveal_name=False)

    assert len(reply.text) <= 1024
    assert "Riwayat tahapan" in reply.text
    assert "nomor 29" in reply.text
    assert "nomor 0 " not in reply.text
    assert reply.text.endswith(MENU_HINT)


def test_status_reply_cuts_long_reason() -> None:
    rejected = application(category=StatusCategory.REJECTED, reason="alasan " * 200, history=())

    reply = status_reply(rejected, reveal_name=False)

    assert "…" in reply.text
    assert len(reply.text) < 1024
