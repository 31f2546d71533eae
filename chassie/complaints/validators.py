"""Validators for the fields of the consultation/complaint form.

Each validator takes the raw text a citizen typed and returns a
`FieldCheck`: the normalised value when it is valid, or a short Indonesian
message that names the field and shows an example.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

FIELD_NAMA = "nama"
FIELD_ALAMAT = "alamat"
FIELD_NIK = "nik"
FIELD_TELP = "telp"
FIELD_EMAIL = "email"
FIELD_ISI = "isi"

# The order of the office's form; summaries and questions follow it.
FIELDS: tuple[str, ...] = (FIELD_NAMA, FIELD_ALAMAT, FIELD_NIK, FIELD_TELP, FIELD_EMAIL, FIELD_ISI)

FIELD_LABELS: dict[str, str] = {
    FIELD_NAMA: "Nama",
    FIELD_ALAMAT: "Alamat",
    FIELD_NIK: "NIK",
    FIELD_TELP: "Telp/WA",
    FIELD_EMAIL: "Email",
    FIELD_ISI: "Isi Konsultasi/Pengaduan",
}

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 100
ADDRESS_MIN_LENGTH = 5
ADDRESS_MAX_LENGTH = 300
MESSAGE_MIN_LENGTH = 15
MESSAGE_MIN_WORDS = 3
MESSAGE_MAX_LENGTH = 4000
EMAIL_MAX_LENGTH = 254

NIK_LENGTH = 16
# Women's NIKs carry the day of birth plus 40 (a woman born on the 5th has 45).
NIK_FEMALE_DAY_OFFSET = 40

# Province codes of the Ministry of Home Affairs (Kemendagri), which form the
# first two digits of every NIK. 91-96 are Papua and the provinces split from
# it in 2022; older NIKs keep the code they were issued with.
PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

INDONESIA_COUNTRY_CODE = "62"
# National significant numbers (the digits after 62). Mobile numbers start
# with 8 and have 9-12 digits. Fixed lines start with an area code of 2-3
# digits (21, 361) and have 8-11 digits in all.
MOBILE_NSN_LENGTHS = range(9, 13)
FIXED_NSN_LENGTHS = range(8, 12)

EXAMPLE_NAMA = "I Made Wirawan"
EXAMPLE_ALAMAT = "Jl. Majapahit No. 1, Denpasar"
EXAMPLE_NIK = "5171010101900001"
EXAMPLE_TELP = "081234567890"
EXAMPLE_EMAIL = "nama@gmail.com"
EXAMPLE_ISI = "Permohonan PBG saya belum ada kabar sejak dua bulan lalu, mohon informasinya."

FIELD_EXAMPLES: dict[str, str] = {
    FIELD_NAMA: EXAMPLE_NAMA,
    FIELD_ALAMAT: EXAMPLE_ALAMAT,
    FIELD_NIK: EXAMPLE_NIK,
    FIELD_TELP: EXAMPLE_TELP,
    FIELD_EMAIL: EXAMPLE_EMAIL,
    FIELD_ISI: EXAMPLE_ISI,
}

_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .,'`’\-])*$")
_LETTER = re.compile(r"[^\W\d_]")
_PHONE_DECORATION = re.compile(r"[\s().\-/]")
_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_EMAIL_LOCAL_MAX_LENGTH = 64
# Placeholders that citizens write in a field they leave empty.
_EMPTY_PLACEHOLDERS = frozenset({"-", "--", ".", "...", "…", "_", "?"})


@dataclass(frozen=True)
class FieldCheck:
    """The outcome of validating one field: a normalised value or an error message."""

    field: str
    value: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the field is valid."""
        return self.error is None


@dataclass(frozen=True)
class NikInfo:
    """The facts a valid NIK encodes."""

    province: str
    birth_date: date
    female: bool


def _valid(field: str, value: str) -> FieldCheck:
    return FieldCheck(field=field, value=value)


def _invalid(field: str, message: str) -> FieldCheck:
    return FieldCheck(field=field, error=message)


def _collapse_spaces(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


def validate_nama(raw: str) -> FieldCheck:
    """Validate a person's name: 2-100 characters, letters and name punctuation only."""
    value = _collapse_spaces(raw.replace("\n", " "))
    example = f"Contoh: _{EXAMPLE_NAMA}_"
    if len(value) < NAME_MIN_LENGTH or len(_LETTER.findall(value)) < NAME_MIN_LENGTH:
        return _invalid(FIELD_NAMA, f"*Nama* belum diisi atau terlalu pendek. {example}")
    if len(value) > NAME_MAX_LENGTH:
        return _invalid(FIELD_NAMA, f"*Nama* terlalu panjang (maksimal {NAME_MAX_LENGTH} karakter). {example}")
    if not _NAME_CHARS.match(value):
        return _invalid(
            FIELD_NAMA, f"*Nama* hanya boleh berisi huruf, spasi, titik, koma, tanda petik dan tanda hubung. {example}"
        )
    if len(set(_LETTER.findall(value.lower()))) < 2:
        return _invalid(FIELD_NAMA, f"*Nama* belum berupa nama yang sebenarnya. {example}")
    return _valid(FIELD_NAMA, value)


def validate_alamat(raw: str) -> FieldCheck:
    """Validate an address: 5-300 characters with at least some letters."""
    lines = [_collapse_spaces(line) for line in raw.splitlines()]
    value = ", ".join(line.strip(" ,") for line in lines if line.strip(" ,"))
    example = f"Contoh: _{EXAMPLE_ALAMAT}_"
    if len(value) < ADDRESS_MIN_LENGTH or len(_LETTER.findall(value)) < 3:
        return _invalid(
            FIELD_ALAMAT, f"*Alamat* belum diisi atau terlalu pendek. Mohon tulis alamat lengkap. {example}"
        )
    if len(value) > ADDRESS_MAX_LENGTH:
        return _invalid(FIELD_ALAMAT, f"*Alamat* terlalu panjang (maksimal {ADDRESS_MAX_LENGTH} karakter). {example}")
    return _valid(FIELD_ALAMAT, value)


def _nik_birth_date(nik: str, today: date) -> date | None:
    day = int(nik[6:8])
    month = int(nik[8:10])
    year_in_century = int(nik[10:12])
    if day > NIK_FEMALE_DAY_OFFSET:
        day -= NIK_FEMALE_DAY_OFFSET
    # Two digits cannot tell 1925 from 2025: a date that would lie in the
    # future belongs to the previous century.
    year = 2000 + year_in_century
    if year > today.year:
        year -= 100
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today:
        try:
            born = date(year - 100, month, day)
        except ValueError:
            return None
    return born


def parse_nik(nik: str, today: date | None = None) -> NikInfo | None:
    """Decode a 16-digit NIK, or return None when its parts are not valid."""
    if len(nik) != NIK_LENGTH or not nik.isdigit():
        return None
    province = PROVINCE_CODES.get(nik[:2])
    if province is None or nik[2:4] == "00" or nik[4:6] == "00" or nik[12:] == "0000":
        return None
    day = int(nik[6:8])
    if not (1 <= day <= 31 or NIK_FEMALE_DAY_OFFSET + 1 <= day <= NIK_FEMALE_DAY_OFFSET + 31):
        return None
    born = _nik_birth_date(nik, today or date.today())
    if born is None:
        return None
    return NikInfo(province=province, birth_date=born, female=day > NIK_FEMALE_DAY_OFFSET)


def validate_nik(raw: str, today: date | None = None) -> FieldCheck:
    """Validate a NIK: 16 digits, a known province code and a real date of birth."""
    value = re.sub(r"[\s.\-]", "", raw)
    example = f"Contoh: _{EXAMPLE_NIK}_"
    if not value.isdigit() or len(value) != NIK_LENGTH:
        return _invalid(FIELD_NIK, f"*NIK* harus 16 angka sesuai KTP. {example}")
    if value[:2] not in PROVINCE_CODES:
        return _invalid(
            FIELD_NIK,
            "*NIK* tidak valid: dua angka pertama bukan kode provinsi yang dikenal. "
            f"Mohon periksa kembali KTP Bapak/Ibu. {example}",
        )
    if value[2:4] == "00" or value[4:6] == "00" or value[12:] == "0000":
        return _invalid(
            FIELD_NIK,
            "*NIK* tidak valid: kode wilayah atau nomor urutnya tidak mungkin. "
            f"Mohon periksa kembali KTP Bapak/Ibu. {example}",
        )
    if parse_nik(value, today) is None:
        return _invalid(
            FIELD_NIK,
            "*NIK* tidak valid: angka ke-7 sampai ke-12 harus tanggal lahir (ddmmyy, "
            f"tanggal ditambah 40 untuk perempuan). Mohon periksa kembali KTP Bapak/Ibu. {example}",
        )
    return _valid(FIELD_NIK, value)


def normalize_phone(raw: str) -> str | None:
    """Return an Indonesian phone number as 62 followed by digits, or None when it is not one.

    Accepts 08…, +62…, 62…, 0062… and "+62 (0)8…", with spaces, dots, dashes
    and brackets; fixed lines (0361 428610) as well as mobile numbers.
    """
    digits = _PHONE_DECORATION.sub("", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith(INDONESIA_COUNTRY_CODE):
            return None
    if not digits.isdigit():
        return None
    if digits.startswith("00" + INDONESIA_COUNTRY_CODE):
        digits = digits[2:]
    if digits.startswith(INDONESIA_COUNTRY_CODE):
        national = digits[len(INDONESIA_COUNTRY_CODE) :]
        national = national.removeprefix("0")
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    if national.startswith("8"):
        if len(national) not in MOBILE_NSN_LENGTHS:
            return None
    elif national[:1] not in "234567" or len(national) not in FIXED_NSN_LENGTHS:
        return None
    return INDONESIA_COUNTRY_CODE + national


def validate_telp(raw: str) -> FieldCheck:
    """Validate an Indonesian phone number and normalise it to 62…."""
    value = normalize_phone(raw)
    if value is None:
        return _invalid(
            FIELD_TELP,
            f"*Telp/WA* belum sesuai: tulis nomor Indonesia yang diawali 08, +62 atau 62. Contoh: _{EXAMPLE_TELP}_",
        )
    return _valid(FIELD_TELP, value)


def validate_email(raw: str) -> FieldCheck:
    """Validate the syntax of an email address and lower-case its domain."""
    value = raw.strip().strip("<>").strip()
    match = _EMAIL.match(value)
    if not match or len(value) > EMAIL_MAX_LENGTH or len(match.group("local")) > _EMAIL_LOCAL_MAX_LENGTH:
        return _invalid(FIELD_EMAIL, f"*Email* belum sesuai. Contoh: _{EXAMPLE_EMAIL}_")
    return _valid(FIELD_EMAIL, f"{match.group('local')}@{match.group('domain').lower()}")


def validate_isi(raw: str) -> FieldCheck:
    """Validate the message: at least one sentence, at most 4000 characters."""
    lines = [line.rstrip() for line in raw.strip().splitlines()]
    value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(value) > MESSAGE_MAX_LENGTH:
        return _invalid(
            FIELD_ISI,
            f"*Isi Konsultasi/Pengaduan* terlalu panjang ({len(value)} karakter, maksimal {MESSAGE_MAX_LENGTH}). "
            "Mohon diringkas.",
        )
    words = re.findall(r"[^\W\d_]{2,}", value)
    if len(value) < MESSAGE_MIN_LENGTH or len(words) < MESSAGE_MIN_WORDS:
        return _invalid(
            FIELD_ISI,
            f"*Isi Konsultasi/Pengaduan* terlalu singkat: jelaskan dalam minimal satu kalimat. Contoh: _{EXAMPLE_ISI}_",
        )
    return _valid(FIELD_ISI, value)


VALIDATORS: dict[str, Callable[[str], FieldCheck]] = {
    FIELD_NAMA: validate_nama,
    FIELD_ALAMAT: validate_alamat,
    FIELD_NIK: validate_nik,
    FIELD_TELP: validate_telp,
    FIELD_EMAIL: validate_email,
    FIELD_ISI: validate_isi,
}


def validate_field(field: str, raw: str | None) -> FieldCheck:
    """Validate one field by name; an empty value is reported as missing."""
    value = (raw or "").strip()
    if not value or value in _EMPTY_PLACEHOLDERS:
        return _invalid(field, f"*{FIELD_LABELS[field]}* belum diisi. Contoh: _{FIELD_EXAMPLES[field]}_")
    return VALIDATORS[field](value)


def mask_nik(nik: str) -> str:
    """Mask a NIK for display and logs, keeping the first and last four digits."""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]
