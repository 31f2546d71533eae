"""The Indonesian texts citizens read about their applications, formatted for WhatsApp."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from chassie.menu import MENU_HINT
from chassie.tracking.codes import DEFAULT_KODE_MIN_LENGTH, SICANTIK, SIMTTD, SYSTEM_MENU_CODES, SYSTEM_TITLES
from chassie.tracking.models import ApplicationStatus, StageEvent, StatusCategory
from chassie.tracking.privacy import mask_name

OFFICE_CONTACT = "Telp 0361428610 / 0361416075\nEmail perijinan@denpasarkota.go.id"
EXAMPLE_KODE = {SICANTIK: "CSO.202212345678", SIMTTD: "TTD-2023-000123"}
NOTIFICATION_SUBSCRIBE_PAYLOAD = "/notification_subscribe"
DENY_PAYLOAD = "/deny"
MAX_HISTORY_LINES = 8
# WhatsApp limits the body of a message with reply buttons to 1024 characters.
MAX_MESSAGE_CHARS = 1024
# Long values from an office system (a reason, a stage name) are cut to this.
MAX_FIELD_CHARS = 300
NOTIFICATION_QUESTION = "Apakah Bapak/Ibu ingin kami kabari lewat WhatsApp ketika izin ini terbit atau ditolak?"

STATUS_WORDS = {
    StatusCategory.IN_PROCESS: "Sedang diproses",
    StatusCategory.FINISHED: "Selesai",
    StatusCategory.ISSUED: "Izin sudah terbit",
    StatusCategory.REJECTED: "Ditolak",
}

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d")
_DATE_TIME = re.compile(r"^(?P<date>[\d/-]{8,10})(?:[ T](?P<hour>\d{2}):(?P<minute>\d{2}))?")


@dataclass(frozen=True)
class Reply:
    """One bot message: its text and optional quick-reply buttons."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def format_date(value: str | None) -> str | None:
    """Write an ISO or Indonesian-order date as "12 Desember 2022" (with "09.30" when a time is given)."""
    if not value:
        return None

    match = _DATE_TIME.match(value.strip())
    if not match:
        return value
    parsed = None
    for date_format in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(match.group("date"), date_format)
            break
        except ValueError:
            continue
    if parsed is None:
        return value

    text = f"{parsed.day} {MONTHS[parsed.month - 1]} {parsed.year}"
    if match.group("hour"):
        text += f", {match.group('hour')}.{match.group('minute')}"
    return text


def _with_hint(*parts: str) -> str:
    return "\n\n".join([*parts, MENU_HINT])


def _usage(system: str | None) -> str:
    if system:
        code = SYSTEM_MENU_CODES[system]
        return f"Format: *{code} <kode_pendaftaran>*\nContoh: *{code} {EXAMPLE_KODE[system]}*"
    return (
        f"Format: *71 <kode_pendaftaran>* untuk SIM TTD, contoh *71 {EXAMPLE_KODE[SIMTTD]}*\n"
        f"atau *72 <kode_pendaftaran>* untuk SiCantik Cloud, contoh *72 {EXAMPLE_KODE[SICANTIK]}*"
    )


def status_reply(application: ApplicationStatus, reveal_name: bool) -> Reply:
    """Describe an application; offer notification buttons while it is not final."""
    summary = _summary_text(application, reveal_name)
    offer = None if application.is_final else NOTIFICATION_QUESTION

    # Older stages are dropped until the message fits a WhatsApp button body.
    history_count = min(len(application.history), MAX_HISTORY_LINES)
    while True:
        parts = [summary]
        if history_count:
            parts.append(_history_text(application.history, history_count))
        if offer:
            parts.append(offer)
        text = _with_hint(*parts)
        if len(text) <= MAX_MESSAGE_CHARS or history_count == 0:
            break
        history_count -= 1

    if offer is None:
        return Reply(text)
    buttons = [
        {"title": "Ya", "payload": NOTIFICATION_SUBSCRIBE_PAYLOAD},
        {"title": "Tidak", "payload": DENY_PAYLOAD},
    ]
    return Reply(text, buttons)


def _summary_text(application: ApplicationStatus, reveal_name: bool) -> str:
    name = application.applicant_name if reveal_name else mask_name(application.applicant_name)
    lines = [
        "*Status Permohonan*",
        f"Kode pendaftaran: *{application.kode_pendaftaran}*",
        f"Sistem: {SYSTEM_TITLES.get(application.system, application.system)}",
    ]
    optional_lines = (
        ("Nama pemohon", name),
        ("Jenis izin", application.licence_type),
        ("Jenis permohonan", application.request_type),
        ("Tanggal pengajuan", format_date(application.filed_on)),
        ("Tahapan saat ini", application.tahapan),
    )
    lines += [f"{label}: {_shorten(value)}" for label, value in optional_lines if value]
    lines.append(f"Status: *{STATUS_WORDS[application.category]}*")
    if application.category is StatusCategory.REJECTED and application.reason:
        lines.append(f"Alasan: {_shorten(application.reason)}")
    return "\n".join(lines)


def _shorten(value: str) -> str:
    if len(value) <= MAX_FIELD_CHARS:
        return value
    return value[: MAX_FIELD_CHARS - 1].rstrip() + "…"


def _history_text(history: tuple[StageEvent, ...], history_count: int) -> str:
    events = history[-history_count:]
    first_number = len(history) - len(events) + 1
    lines = ["*Riwayat tahapan:*"]
    for number, event in enumerate(events, start=first_number):
        details = [_shorten(event.tahapan)]
        if event.status:
            details.append(f"_{event.status[:1].upper()}{event.status[1:]}_")
        when = format_date(event.timestamp)
        if when:
            details.append(when)
        lines.append(f"{number}. " + " - ".join(details))
    return "\n".join(lines)


def not_found_reply(system: str, kode: str) -> Reply:
    """Say that no application has this code, with the expected format and menu 5."""
    return Reply(
        _with_hint(
            f"Mohon maaf, permohonan dengan kode *{kode}* tidak ditemukan di {SYSTEM_TITLES[system]}.",
            "Mohon periksa kembali kode pendaftaran Bapak/Ibu.\n" + _usage(system),
            "Jika kode sudah benar tetapi permohonan tetap tidak ditemukan, silakan hubungi kami melalui menu *5*.",
        )
    )


def unavailable_reply(system: str, kode: str) -> Reply:
    """Apologise that the system cannot be reached and give the office contact."""
    return Reply(
        _with_hint(
            f"Mohon maaf, layanan {SYSTEM_TITLES[system]} sedang tidak dapat dihubungi, "
            f"sehingga status permohonan *{kode}* belum dapat kami tampilkan.",
            "Silakan coba beberapa saat lagi, atau hubungi kami:\n" + OFFICE_CONTACT,
            "Informasi kontak lengkap ada di menu *5*.",
        )
    )


def invalid_kode_reply(system: str | None) -> Reply:
    """Say that the typed code is not in a valid format, with an example."""
    return Reply(
        _with_hint(
            "Mohon maaf, kode pendaftaran yang Bapak/Ibu ketik tidak sesuai format.",
            "Kode pendaftaran terdiri dari huruf, angka, titik atau tanda hubung "
            f"(minimal {DEFAULT_KODE_MIN_LENGTH} karakter), seperti tertulis pada bukti pendaftaran.\n"
            + _usage(system),
            "Bila kode sudah benar tetapi tetap tidak dapat dicek, silakan hubungi kontak di menu *5*.",
        )
    )


def ask_kode_reply(system: str | None) -> Reply:
    """Ask for the registration code, naming the system when it is already known."""
    if system:
        question = (
            f"Silakan ketik kode pendaftaran permohonan Bapak/Ibu di {SYSTEM_TITLES[system]}.\n"
            f"Contoh: *{EXAMPLE_KODE[system]}*"
        )
    else:
        question = "Silakan ketik kode pendaftaran permohonan Bapak/Ibu.\n" + _usage(None)
    return Reply(_with_hint(question, "Kode pendaftaran tercantum pada bukti pendaftaran permohonan."))


def ask_system_reply(kode: str) -> Reply:
    """Ask which system the code belongs to, with one button per system."""
    buttons = [
        {"title": SYSTEM_TITLES[system], "payload": _check_status_payload(system, kode)}
        for system in (SIMTTD, SICANTIK)
    ]
    return Reply(
        _with_hint(
            f"Permohonan dengan kode *{kode}* diajukan melalui aplikasi apa?\n"
            "Ketik *71* untuk SIM TTD atau *72* untuk SiCantik Cloud.",
        ),
        buttons,
    )


def declined_reply() -> Reply:
    """Confirm that no notification will be sent."""
    return Reply(
        _with_hint(
            "Baik, kami tidak akan mengirim pemberitahuan untuk permohonan ini.\n"
            "Bapak/Ibu dapat mengecek status kapan saja dengan kode *71* atau *72* diikuti kode pendaftaran."
        )
    )


def _check_status_payload(system: str, kode: str) -> str:
    entities = json.dumps({"tracking_system": system, "kode_pendaftaran": kode}, separators=(",", ":"))
    return f"/check_status{entities}"
