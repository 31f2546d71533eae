"""Indonesian texts of the complaint feature, for citizens and for the complaint team."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chassie.complaints.form import FORM_TEMPLATE
from chassie.complaints.hours import AnswerWindow, format_day, format_moment
from chassie.complaints.models import STATUS_CLOSED, STATUS_IN_PROGRESS, STATUS_NEW
from chassie.complaints.store import TicketView
from chassie.complaints.validators import FIELD_ISI, FIELD_LABELS, FIELD_NIK, FIELDS, mask_nik
from chassie.menu import MENU_HINT

CANCEL_HINT = "Ketik *batal* untuk berhenti."
# Start of the field-by-field way, as the citizen can type it.
FIELD_BY_FIELD_PHRASE = "isi satu per satu"
# Team previews of the message text stop after this many characters.
PREVIEW_LENGTH = 80

STATUS_TEXT = {
    STATUS_NEW: "Baru diterima, menunggu tanggapan petugas",
    STATUS_IN_PROGRESS: "Sedang diproses petugas",
    STATUS_CLOSED: "Selesai",
}


def _with_menu_hint(text: str) -> str:
    return f"{text}\n\n{MENU_HINT}"


def form_instructions() -> str:
    """Text under the template when the citizen typed 81 alone."""
    return _with_menu_hint(
        "Silakan salin formulir di atas, isi setiap kolom, lalu kirim kembali ke nomor ini.\n"
        f"Bila lebih mudah, ketik *{FIELD_BY_FIELD_PHRASE}* dan kami tanyakan datanya satu per satu."
    )


def form_template() -> str:
    """Return the empty form as its own message, so that the citizen can copy it alone."""
    return FORM_TEMPLATE


def field_by_field_intro() -> str:
    """Opening of the field-by-field form."""
    return f"Baik, kami akan menanyakan data konsultasi/pengaduan satu per satu. {CANCEL_HINT}"


def form_errors(errors: Mapping[str, str], kept: Iterable[str]) -> str:
    """List the wrong fields of a pasted form and confirm that the valid ones were kept."""
    lines = ["Mohon maaf, ada isian yang belum sesuai:"]
    lines += [f"• {errors[name]}" for name in FIELDS if name in errors]
    kept_labels = [FIELD_LABELS[name] for name in FIELDS if name in set(kept)]
    if kept_labels:
        lines.append("")
        lines.append(f"Isian yang sudah benar ({', '.join(kept_labels)}) sudah kami catat.")
    lines.append("Silakan lengkapi isian yang belum sesuai berikut ini.")
    return "\n".join(lines)


def empty_form() -> str:
    """Return the reply to a form sent back without any valid field."""
    return (
        "Formulir yang Bapak/Ibu kirim belum berisi data yang dapat kami gunakan. "
        f"Kami bantu isi satu per satu. {CANCEL_HINT}"
    )


def summary(values: Mapping[str, str]) -> str:
    """Summary before sending, with the NIK masked."""
    lines = ["*Mohon periksa kembali data konsultasi/pengaduan Bapak/Ibu:*", ""]
    for name in FIELDS:
        if name == FIELD_ISI:
            continue
        value = values.get(name) or "-"
        if name == FIELD_NIK:
            value = mask_nik(value)
        lines.append(f"*{FIELD_LABELS[name]}* : {value}")
    lines.append(f"*{FIELD_LABELS[FIELD_ISI]}* :")
    lines.append(values.get(FIELD_ISI) or "-")
    lines.append("")
    lines.append("Tekan *Kirim* bila data sudah benar, atau *Ubah* untuk memperbaiki.")
    return _with_menu_hint("\n".join(lines))


def choose_field_to_change() -> str:
    """Question after "Ubah": which field to correct."""
    return _with_menu_hint("Bagian mana yang ingin Bapak/Ibu ubah?")


def nothing_to_send() -> str:
    """Answer to "Kirim" when the form is not complete (for example after a restart)."""
    return _with_menu_hint(
        "Mohon maaf, data konsultasi/pengaduan Bapak/Ibu belum lengkap.\n"
        f"Ketik *81* untuk melihat formulir, atau *{FIELD_BY_FIELD_PHRASE}* untuk mengisi dengan dipandu."
    )


def cancelled() -> str:
    """Return the reply to "batal" while a complaint form is being filled."""
    return _with_menu_hint("Pengisian konsultasi/pengaduan dibatalkan. Data yang sudah diisi tidak kami simpan.")


def nothing_to_cancel() -> str:
    """Return the reply to "batal" when no complaint form is being filled."""
    return _with_menu_hint("Baik, Bapak/Ibu. Tidak ada pengisian yang sedang berjalan.")


def ticket_received(ticket: TicketView, window: AnswerWindow, hours_text: str) -> str:
    """Return the confirmation for the citizen, with the time the team will reply."""
    lines = [
        f"Terima kasih, Bapak/Ibu *{ticket.nama}*. Konsultasi/pengaduan Bapak/Ibu sudah kami terima.",
        f"Nomor tiket: *{ticket.ticket_number}*",
        "",
    ]
    if window.open_now:
        lines.append("Tim Pengaduan kami akan menjawab melalui WhatsApp ini pada jam kerja hari ini.")
    else:
        lines.append(
            "Saat ini di luar jam kerja. Tim Pengaduan kami akan menjawab melalui WhatsApp ini "
            f"mulai *{format_moment(window.starts_at)}*."
        )
    lines.append(f"Jam kerja: {hours_text}, kecuali hari libur.")
    lines.append(f"Untuk melihat status, ketik *cek tiket {ticket.ticket_number}*.")
    return _with_menu_hint("\n".join(lines))


def submit_failed() -> str:
    """Answer when the ticket could not be stored."""
    return _with_menu_hint(
        "Mohon maaf, konsultasi/pengaduan Bapak/Ibu belum dapat kami simpan karena gangguan sistem.\n"
        "Data Bapak/Ibu masih tersimpan di percakapan ini: silakan tekan *Kirim* lagi beberapa saat lagi, "
        "atau hubungi kontak di menu *5*."
    )


def ticket_status(ticket: TicketView) -> str:
    """Status of a ticket, shown only to the number that filed it."""
    lines = [
        f"*Status tiket {ticket.ticket_number}*",
        f"Diterima: {format_moment(ticket.created_at)}",
        f"Status: *{STATUS_TEXT.get(ticket.status, ticket.status)}*",
    ]
    if ticket.status == STATUS_CLOSED and ticket.closed_at is not None:
        lines.append(f"Selesai: {format_day(ticket.closed_at)}")
    if ticket.last_reply:
        lines += ["", "Jawaban terakhir petugas:", ticket.last_reply]
    return _with_menu_hint("\n".join(lines))


def ticket_not_found(ticket_number: str | None) -> str:
    """Answer to "cek tiket" for an unknown number or one filed from another number."""
    if ticket_number is None:
        return _with_menu_hint("Mohon tuliskan nomor tiketnya, contoh: *cek tiket PGD/261204/001*.")
    return _with_menu_hint(
        f"Tiket *{ticket_number}* tidak ditemukan untuk nomor WhatsApp ini.\n"
        "Status tiket hanya dapat dilihat dari nomor WhatsApp yang mengirim konsultasi/pengaduan."
    )


def lookup_failed() -> str:
    """Answer when the ticket database cannot be read."""
    return _with_menu_hint(
        "Mohon maaf, status tiket belum dapat kami tampilkan karena gangguan sistem. Silakan coba beberapa saat lagi."
    )


def relay_to_citizen(ticket: TicketView, text: str) -> str:
    """Format a team member's reply for the citizen."""
    return _with_menu_hint(f"*Jawaban Tim Pengaduan DPMPTSP Kota Denpasar*\nTiket: *{ticket.ticket_number}*\n\n{text}")


def closed_to_citizen(ticket: TicketView) -> str:
    """Notice to the citizen that the ticket was closed."""
    return _with_menu_hint(
        f"Konsultasi/pengaduan Bapak/Ibu dengan nomor tiket *{ticket.ticket_number}* telah *selesai* ditangani.\n"
        "Terima kasih telah menghubungi DPMPTSP Kota Denpasar. Bila masih ada yang perlu disampaikan, "
        "silakan kirim konsultasi/pengaduan baru melalui menu *8*."
    )


# Texts for the complaint team, who know the commands.


def team_new_ticket(ticket: TicketView) -> str:
    """Format a new ticket for the team, with the NIK masked."""
    return (
        f"*Tiket baru {ticket.ticket_number}*\n"
        f"Diterima: {format_moment(ticket.created_at)}\n"
        f"*Nama* : {ticket.nama}\n"
        f"*Alamat* : {ticket.alamat}\n"
        f"*NIK* : {mask_nik(ticket.nik)}\n"
        f"*Telp/WA* : {ticket.telp}\n"
        f"*Email* : {ticket.email}\n"
        f"*Isi Konsultasi/Pengaduan* :\n{ticket.isi}\n\n"
        f"Balas: #balas {ticket.ticket_number} <teks>\n"
        f"Tutup: #selesai {ticket.ticket_number}"
    )


def team_usage() -> str:
    """Return the usage of the team commands."""
    return (
        "Perintah Tim Pengaduan:\n"
        "• *#balas <tiket> <teks>* mengirim jawaban ke warga\n"
        "• *#selesai <tiket>* menutup tiket dan memberi tahu warga\n"
        "• *#tiket* menampilkan tiket yang masih terbuka\n"
        "Contoh: #balas PGD/261204/001 Selamat siang, izin Bapak sudah terbit."
    )


def team_reply_sent(ticket: TicketView) -> str:
    """Confirmation to the team member that the answer reached the citizen."""
    return f"Jawaban untuk tiket *{ticket.ticket_number}* sudah dikirim ke warga. Status: {ticket.status}."


def team_reply_not_delivered(ticket: TicketView, code: int | None) -> str:
    """Report a reply that was stored but that WhatsApp did not deliver."""
    reason = (
        "warga tidak mengirim pesan dalam 24 jam terakhir, sehingga WhatsApp menolak pesan bebas"
        if code == 131047
        else f"pengiriman WhatsApp gagal (kode {code if code is not None else '-'})"
    )
    return (
        f"Jawaban untuk tiket *{ticket.ticket_number}* sudah disimpan, tetapi *belum terkirim* ke warga: {reason}.\n"
        f"Warga tetap dapat membacanya dengan *cek tiket {ticket.ticket_number}*. "
        f"Bila perlu, hubungi warga di {ticket.telp}."
    )


def team_closed(ticket: TicketView, citizen_told: bool) -> str:
    """Confirmation of #selesai."""
    told = "Warga sudah diberi tahu." if citizen_told else "Pemberitahuan ke warga *gagal terkirim*."
    return f"Tiket *{ticket.ticket_number}* ditutup (selesai). {told}"


def team_command_failed() -> str:
    """Report a database failure during a team command."""
    return "Perintah gagal karena gangguan basis data. Silakan coba lagi; bila berulang, hubungi Tim IT."


def team_ticket_not_found(ticket_number: str) -> str:
    """Unknown ticket number in a team command."""
    return f"Tiket *{ticket_number}* tidak ditemukan. Ketik *#tiket* untuk melihat tiket yang terbuka."


def team_ticket_closed(ticket_number: str) -> str:
    """Report a command on a ticket that is already closed."""
    return f"Tiket *{ticket_number}* sudah selesai sebelumnya."


def team_open_tickets(tickets: Iterable[TicketView], total: int) -> str:
    """List the open tickets, oldest first."""
    tickets = list(tickets)
    if not tickets:
        return "Tidak ada tiket yang terbuka."
    lines = [f"*Tiket terbuka: {total}*"]
    for ticket in tickets:
        preview = " ".join(ticket.isi.split())
        if len(preview) > PREVIEW_LENGTH:
            preview = preview[: PREVIEW_LENGTH - 1] + "…"
        lines.append(
            f"• *{ticket.ticket_number}* ({ticket.status}, {format_day(ticket.created_at)}) {ticket.nama}: {preview}"
        )
    if total > len(tickets):
        lines.append(f"… dan {total - len(tickets)} tiket lain.")
    return "\n".join(lines)
