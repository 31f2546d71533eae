"""The Indonesian texts citizens read about notification subscriptions, formatted for WhatsApp."""

from __future__ import annotations

from chassie.menu import MENU_HINT
from chassie.tracking.codes import SICANTIK, SIMTTD, SYSTEM_MENU_CODES, SYSTEM_TITLES
from chassie.tracking.models import ApplicationStatus
from chassie.tracking.replies import EXAMPLE_KODE, STATUS_WORDS, Reply

SUBSCRIBE_PHRASE = "langganan notifikasi"
UNSUBSCRIBE_PHRASE = "berhenti notifikasi"


def _with_hint(*parts: str) -> str:
    return "\n\n".join([*parts, MENU_HINT])


def _command(system: str | None, kode: str | None = None) -> str:
    if system:
        return f"*{SUBSCRIBE_PHRASE} {SYSTEM_MENU_CODES[system]} {kode or EXAMPLE_KODE[system]}*"
    return (
        f"*{SUBSCRIBE_PHRASE} 71 {EXAMPLE_KODE[SIMTTD]}* untuk SIM TTD, atau\n"
        f"*{SUBSCRIBE_PHRASE} 72 {EXAMPLE_KODE[SICANTIK]}* untuk SiCantik Cloud"
    )


def _application_line(system: str, kode: str) -> str:
    return f"*{kode}* ({SYSTEM_TITLES.get(system, system)})"


def subscribed_reply(system: str, kode: str, checked: bool) -> Reply:
    """Confirm a new subscription, mentioning when the status could not be checked just now."""
    parts = [
        "Baik, kami akan mengabari Bapak/Ibu lewat WhatsApp ketika permohonan "
        f"{_application_line(system, kode)} "
        "*terbit* atau *ditolak*."
    ]
    if not checked:
        parts.append("Saat ini sistem perizinan belum dapat kami hubungi, tetapi permohonan ini tetap kami pantau.")
    parts.append(f"Untuk berhenti, ketik *{UNSUBSCRIBE_PHRASE}*.")
    return Reply(_with_hint(*parts))


def already_subscribed_reply(system: str, kode: str) -> Reply:
    """Say that this number already follows the application."""
    return Reply(
        _with_hint(
            "Bapak/Ibu sudah berlangganan pemberitahuan untuk permohonan "
            f"{_application_line(system, kode)}.\n"
            "Kami akan mengabari ketika izin terbit atau ditolak.",
            f"Untuk berhenti, ketik *{UNSUBSCRIBE_PHRASE}*.",
        )
    )


def already_final_reply(application: ApplicationStatus) -> Reply:
    """Explain that an application with a final status needs no subscription, and give the status."""
    lines = [
        f"Permohonan {_application_line(application.system, application.kode_pendaftaran)} "
        f"sudah berstatus *{STATUS_WORDS[application.category]}*, "
        "sehingga tidak perlu berlangganan pemberitahuan."
    ]
    if application.reason:
        lines.append(f"Keterangan: {application.reason}")
    code = SYSTEM_MENU_CODES.get(application.system, "72")
    return Reply(
        _with_hint(
            "\n".join(lines),
            f"Detail status dapat dilihat dengan mengetik *{code} {application.kode_pendaftaran}*.",
        )
    )


def ask_application_reply(system: str | None) -> Reply:
    """Ask which application to follow, with the command format."""
    return Reply(
        _with_hint(
            "Untuk berlangganan pemberitahuan, silakan ketik:\n" + _command(system),
            "Kode pendaftaran tercantum pada bukti pendaftaran permohonan.",
        )
    )


def ask_system_reply(kode: str) -> Reply:
    """Ask in which system the code was registered."""
    return Reply(
        _with_hint(
            f"Permohonan *{kode}* diajukan melalui aplikasi apa? Silakan ketik:\n"
            f"*{SUBSCRIBE_PHRASE} 71 {kode}* untuk SIM TTD, atau\n"
            f"*{SUBSCRIBE_PHRASE} 72 {kode}* untuk SiCantik Cloud"
        )
    )


def invalid_kode_reply(system: str | None) -> Reply:
    """Say that the code typed after the command is not a valid registration code."""
    return Reply(
        _with_hint(
            "Mohon maaf, kode pendaftaran yang Bapak/Ibu ketik tidak sesuai format.",
            "Contoh:\n" + _command(system),
        )
    )


def not_found_reply(system: str, kode: str) -> Reply:
    """Say that no application has this code, so nothing was subscribed."""
    return Reply(
        _with_hint(
            f"Mohon maaf, permohonan dengan kode *{kode}* tidak ditemukan di {SYSTEM_TITLES[system]}, "
            "sehingga belum dapat kami pantau.",
            "Mohon periksa kembali kode pendaftaran Bapak/Ibu.\nContoh:\n" + _command(system),
        )
    )


def not_whatsapp_reply() -> Reply:
    """Explain that notifications are sent only to a WhatsApp number."""
    return Reply(
        _with_hint(
            "Mohon maaf, pemberitahuan status izin hanya dapat dikirim ke nomor WhatsApp. "
            "Silakan hubungi kami lewat WhatsApp untuk berlangganan."
        )
    )


def storage_failed_reply() -> Reply:
    """Apologise that the request could not be saved."""
    return Reply(
        _with_hint(
            "Mohon maaf, permintaan Bapak/Ibu belum dapat kami simpan karena gangguan sistem.",
            "Silakan coba lagi beberapa saat lagi.",
        )
    )


def unsubscribed_reply(kodes: list[str]) -> Reply:
    """Confirm that notifications stop, naming the applications when known."""
    if kodes:
        listed = "\n".join(f"- *{kode}*" for kode in kodes)
        confirmation = "Baik, kami tidak akan mengirim pemberitahuan lagi untuk permohonan:\n" + listed
    else:
        confirmation = "Baik, kami tidak akan mengirim pemberitahuan lagi."
    return Reply(
        _with_hint(
            confirmation,
            f"Bapak/Ibu dapat berlangganan kembali kapan saja dengan mengetik *{SUBSCRIBE_PHRASE}* "
            "diikuti kode *71* atau *72* dan kode pendaftaran.",
        )
    )


def nothing_to_unsubscribe_reply(kode: str | None) -> Reply:
    """Say that this number follows no application (or not the one named)."""
    subject = f"permohonan *{kode}*" if kode else "nomor ini"
    return Reply(_with_hint(f"Saat ini tidak ada langganan pemberitahuan yang aktif untuk {subject}."))
