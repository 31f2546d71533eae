"""The menu codes of the office's manual and the parser that recognises them.

This table is the single source of truth for the codes: the NLU component that
maps typed numbers to intents, the WhatsApp list rows and the tests all read it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

MAIN_MENU_CODE = "0"
# The closing line of every answer outside a form.
MENU_HINT = "Ketik *0* untuk kembali ke menu utama."
UNKNOWN_CODE_INTENT = "menu_code_unknown"

# A bare number of this many digits or fewer that is not on the menu is treated
# as a mistyped menu code. Longer digit strings (a NIK, a phone number) are not.
MAX_UNKNOWN_CODE_DIGITS = 3


@dataclass(frozen=True)
class MenuEntry:
    """One code of the menu and the intent it stands for."""

    code: str
    intent: str
    title: str
    description: str
    argument_entity: Optional[str] = None


@dataclass(frozen=True)
class MenuSelection:
    """A message recognised as a menu code, with the text typed after it."""

    code: str
    intent: str
    argument: Optional[str] = None
    argument_entity: Optional[str] = None


# Titles are WhatsApp list row titles (at most 24 characters) and descriptions
# are row descriptions (at most 72 characters).
MENU: tuple[MenuEntry, ...] = (
    MenuEntry("0", "menu_main", "Menu awal", "Kembali ke menu utama"),
    MenuEntry("1", "info_perizinan", "Informasi Perizinan", "Jenis izin dan cara mengurusnya"),
    MenuEntry("2", "info_mpp", "Mal Pelayanan Publik", "MPP Sewaka Dharma"),
    MenuEntry("3", "info_aplikasi", "Aplikasi Perizinan", "OSS, SIMBG, SiCantik Cloud, SIPON, SIM TTD, SIPOIN"),
    MenuEntry("4", "info_kbli", "KBLI 2020", "Klasifikasi Baku Lapangan Usaha Indonesia"),
    MenuEntry("5", "info_kontak", "Kontak", "Telepon, email, alamat dan pengaduan"),
    MenuEntry("6", "info_lkpm", "LKPM Online", "Laporan Kegiatan Penanaman Modal"),
    MenuEntry("7", "info_status", "Status Permohonan", "Cek status permohonan izin"),
    MenuEntry("8", "info_pengaduan", "Konsultasi/Pengaduan", "Kirim konsultasi atau pengaduan"),
    MenuEntry("31", "app_oss", "OSS", "Perizinan Berusaha Terintegrasi Secara Elektronik"),
    MenuEntry("32", "app_simbg", "SIMBG", "Sistem Informasi Manajemen Bangunan Gedung"),
    MenuEntry("33", "app_sicantik", "SiCantik Cloud", "Layanan perizinan dan non perizinan"),
    MenuEntry("34", "app_sipon", "SIPON", "Sistem Informasi Perizinan Online"),
    MenuEntry("35", "app_simttd", "SIM TTD", "Sistem Informasi Manajemen Tanda Tangan Digital"),
    MenuEntry("36", "app_sipoin", "SIPOIN", "Sistem Informasi Potensi Investasi"),
    MenuEntry("71", "check_status", "Cek di SIM TTD", "71 <kode_pendaftaran>", "kode_pendaftaran"),
    MenuEntry("72", "check_status", "Cek di SiCantik Cloud", "72 <kode_pendaftaran>", "kode_pendaftaran"),
    MenuEntry("81", "complaint_form", "Formulir pengaduan", "81 diikuti isian formulir", "complaint_text"),
)

MENU_BY_CODE: dict[str, MenuEntry] = {entry.code: entry for entry in MENU}
MAIN_MENU_ROWS: tuple[MenuEntry, ...] = tuple(e for e in MENU if len(e.code) == 1 and e.code != "0")
APP_MENU_ROWS: tuple[MenuEntry, ...] = tuple(e for e in MENU if e.code.startswith("3") and len(e.code) == 2)

# Tracking codes name the system the application was made in.
TRACKING_SYSTEM_BY_CODE = {"71": "simttd", "72": "sicantik"}

# WhatsApp formatting and the words citizens put before a number
# ("no 3", "nomor 3", "menu 3", "pilih 3").
_DECORATION = "*_~`"
_PREFIX = re.compile(r"^(?:no|nomor|nomer|nmr|menu|pilih|pilihan)\s*[.:]?\s*(?=\d)", re.IGNORECASE)
_CODE = re.compile(r"^(\d+)[*_~`]*\s*[.):]?\s*(?:$|(?P<rest>\s.*|[:\-]\s*.*))", re.DOTALL)


def _strip_decoration(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = text.strip().strip(_DECORATION).strip()
    return text


def parse_menu_code(text: str) -> Optional[MenuSelection]:
    """Recognise a typed menu code, or return None for free text.

    "3", " 3 ", "3.", "*3*", "no 3" and "nomor 3" are all code 3; "31" is never
    3; "72 CSO.202212345678" is code 72 with its registration code as argument.
    Only the codes that take an argument accept text after the number.
    """
    # NFKC turns full-width digits ("３", typed by some phone keyboards) into ASCII.
    cleaned = _PREFIX.sub("", _strip_decoration(unicodedata.normalize("NFKC", text)), count=1)
    match = _CODE.match(cleaned)
    if not match:
        return None

    code = match.group(1).lstrip("0") or "0"
    argument = (match.group("rest") or "").strip().lstrip(":-").strip()
    if "\n" not in argument:
        # A one-line argument is a registration code: "*CSO.123*" means CSO.123.
        # A multi-line one is a pasted form whose bold labels must stay.
        argument = _strip_decoration(argument)
    argument = argument or None
    entry = MENU_BY_CODE.get(code)

    if entry is None:
        if argument is None and len(match.group(1)) <= MAX_UNKNOWN_CODE_DIGITS:
            return MenuSelection(code=code, intent=UNKNOWN_CODE_INTENT)
        return None
    if argument is not None and entry.argument_entity is None:
        return None
    return MenuSelection(
        code=code,
        intent=entry.intent,
        argument=argument,
        argument_entity=entry.argument_entity if argument else None,
    )
