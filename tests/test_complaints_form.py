"""The pasted complaint form as citizens really write it, and the field validators."""

from __future__ import annotations

from datetime import date

import pytest

from chassie.complaints.form import (
    FORM_TEMPLATE,
    check_complaint_form,
    looks_like_complaint_form,
    parse_complaint_form,
)
from chassie.complaints.validators import (
    mask_nik,
    normalize_phone,
    parse_nik,
    validate_alamat,
    validate_email,
    validate_field,
    validate_isi,
    validate_nama,
    validate_nik,
)
from chassie.menu import parse_menu_code
from chassie.privacy import mask_phone

TODAY = date(2026, 12, 4)

VALID = {
    "nama": "I Made Budi",
    "alamat": "Jl. Gatot Subroto No. 5, Denpasar",
    "nik": "5171010101900001",
    "telp": "6281234567890",
    "email": "budi@gmail.com",
}

# (case id, pasted text, expected normalised valid values, expected fields with errors)
PASTED_FORMS = [
    (
        "template filled in place",
        (
            "81\n*Nama* : I Made Budi\n*Alamat* : Jl. Gatot Subroto No. 5, Denpasar\n*NIK* : 5171010101900001\n"
            "*Telp/WA* : 081234567890\n*Email* : budi@gmail.com\n*Isi Konsultasi/Pengaduan* : Permohonan PBG saya belum ada kabar."
        ),
        {**VALID, "isi": "Permohonan PBG saya belum ada kabar."},
        set(),
    ),
    (
        "without 81, plus 62 number, spaced NIK",
        (
            "Nama : I Made Budi\nAlamat : Jl. Gatot Subroto No. 5, Denpasar\nNIK : 5171 0101 0190 0001\n"
            "Telp/WA : +62 812-3456-7890\nEmail : Budi@Gmail.com\nIsi Konsultasi/Pengaduan : NIB saya tidak bisa dicetak di OSS."
        ),
        {**VALID, "email": "Budi@gmail.com", "isi": "NIB saya tidak bisa dicetak di OSS."},
        set(),
    ),
    (
        "shuffled order, lowercase labels, no colon",
        (
            "email budi@gmail.com\nnik 5171010101900001\nnama I Made Budi\ntelp 081234567890\n"
            "alamat Jl. Gatot Subroto No. 5, Denpasar\nisi pengaduan izin reklame saya belum selesai diproses"
        ),
        {**VALID, "isi": "izin reklame saya belum selesai diproses"},
        set(),
    ),
    (
        "bold whole lines and blank lines between",
        (
            "*Nama : I Made Budi*\n\n*Alamat : Jl. Gatot Subroto No. 5, Denpasar*\n\n\n*NIK : 5171010101900001*\n\n"
            "*Telp/WA : 6281234567890*\n*Email : budi@gmail.com*\n\n*Isi Konsultasi/Pengaduan :* Mohon info syarat izin usaha."
        ),
        {**VALID, "isi": "Mohon info syarat izin usaha."},
        set(),
    ),
    (
        "multi-line isi with a greeting before the form",
        (
            "Selamat siang Bapak/Ibu, berikut formulir saya\n81\n*Nama* : I Made Budi\n*Alamat* : Jl. Gatot Subroto No. 5, Denpasar\n"
            "*NIK* : 5171010101900001\n*Telp/WA* : 081234567890\n*Email* : budi@gmail.com\n*Isi Konsultasi/Pengaduan* :\n"
            "Saya sudah mengajukan PBG bulan lalu.\nAlamat saya sudah benar di berkas.\n\nMohon dibantu, terima kasih."
        ),
        {
            **VALID,
            "isi": "Saya sudah mengajukan PBG bulan lalu.\nAlamat saya sudah benar di berkas.\n\nMohon dibantu, terima kasih.",
        },
        set(),
    ),
    (
        "values on the line under their labels",
        (
            "Nama:\nI Made Budi\nAlamat:\nJl. Gatot Subroto No. 5\nDenpasar\nNIK:\n5171010101900001\nTelp/WA:\n081234567890\n"
            "Email:\nbudi@gmail.com\nIsi Konsultasi/Pengaduan:\nKapan izin saya terbit?"
        ),
        {**VALID, "isi": "Kapan izin saya terbit?"},
        set(),
    ),
    (
        "all fields on one line",
        (
            "Nama: I Made Budi Alamat: Jl. Gatot Subroto No. 5, Denpasar NIK: 5171010101900001 Telp/WA: 081234567890 "
            "Email: budi@gmail.com Isi: izin saya belum terbit, mohon dicek email: saya sudah kirim berkas"
        ),
        {**VALID, "isi": "izin saya belum terbit, mohon dicek email: saya sudah kirim berkas"},
        set(),
    ),
    (
        "other label spellings",
        (
            "Nama Lengkap : I Made Budi\nAlamat Lengkap : Jl. Gatot Subroto No. 5, Denpasar\nNo. KTP : 5171010101900001\n"
            "No HP/WA : 0812.3456.7890\nE-mail : budi@gmail.com\nIsi pengaduan : Pelayanan di loket lambat sekali."
        ),
        {**VALID, "isi": "Pelayanan di loket lambat sekali."},
        set(),
    ),
    (
        "missing email and isi",
        "*Nama* : I Made Budi\n*Alamat* : Jl. Gatot Subroto No. 5, Denpasar\n*NIK* : 5171010101900001\n*Telp/WA* : 081234567890\n*Email* :\n*Isi Konsultasi/Pengaduan* :",
        {k: v for k, v in VALID.items() if k != "email"},
        {"email", "isi"},
    ),
    (
        "NIK with 31 February",
        (
            "Nama: I Made Budi\nAlamat: Jl. Gatot Subroto No. 5, Denpasar\nNIK: 5171013102900001\nTelp/WA: 081234567890\n"
            "Email: budi@gmail.com\nIsi: Mohon informasi syarat izin usaha."
        ),
        {k: v for k, v in VALID.items() if k != "nik"} | {"isi": "Mohon informasi syarat izin usaha."},
        {"nik"},
    ),
    (
        "NIK of 15 digits and a foreign number",
        (
            "Nama: I Made Budi\nAlamat: Jl. Gatot Subroto No. 5, Denpasar\nNIK: 517101010190001\nTelp/WA: +61 412 345 678\n"
            "Email: budi@gmail.com\nIsi: Mohon informasi syarat izin usaha."
        ),
        {
            "nama": VALID["nama"],
            "alamat": VALID["alamat"],
            "email": VALID["email"],
            "isi": "Mohon informasi syarat izin usaha.",
        },
        {"nik", "telp"},
    ),
    (
        "email without domain and a name with digits",
        (
            "Nama: Budi123\nAlamat: Jl. Gatot Subroto No. 5, Denpasar\nNIK: 5171010101900001\nTelp/WA: 081234567890\n"
            "Email: budi@gmail\nIsi: Mohon informasi syarat izin usaha."
        ),
        {k: v for k, v in VALID.items() if k not in ("nama", "email")} | {"isi": "Mohon informasi syarat izin usaha."},
        {"nama", "email"},
    ),
    (
        "isi too short",
        (
            "Nama: I Made Budi\nAlamat: Jl. Gatot Subroto No. 5, Denpasar\nNIK: 5171010101900001\nTelp/WA: 081234567890\n"
            "Email: budi@gmail.com\nIsi: tolong"
        ),
        VALID,
        {"isi"},
    ),
    (
        "woman's NIK (day + 40) and 62 without plus",
        (
            "Nama: Ni Luh Putu Ayu\nAlamat: Jl. Gatot Subroto Timur 12, Denpasar\nNIK: 5171034505950003\nTelp/WA: 6281337001122\n"
            "Email: luhayu@yahoo.com\nIsi: Mohon informasi syarat PBG rumah tinggal."
        ),
        {
            "nama": "Ni Luh Putu Ayu",
            "alamat": "Jl. Gatot Subroto Timur 12, Denpasar",
            "nik": "5171034505950003",
            "telp": "6281337001122",
            "email": "luhayu@yahoo.com",
            "isi": "Mohon informasi syarat PBG rumah tinggal.",
        },
        set(),
    ),
]


@pytest.mark.parametrize(
    "text, expected_valid, expected_errors", [case[1:] for case in PASTED_FORMS], ids=[case[0] for case in PASTED_FORMS]
)
def test_pasted_form_table(text: str, expected_valid: dict, expected_errors: set) -> None:
    check = check_complaint_form(parse_complaint_form(text))

    assert set(check.errors) == expected_errors
    assert check.valid == expected_valid
    assert check.complete == (not expected_errors)


@pytest.mark.parametrize("text", [case[1] for case in PASTED_FORMS], ids=[case[0] for case in PASTED_FORMS])
def test_pasted_forms_are_recognised(text: str) -> None:
    assert looks_like_complaint_form(text)


def test_menu_code_argument_parses_like_the_whole_form() -> None:
    text = PASTED_FORMS[0][1]
    selection = parse_menu_code(text)

    assert selection is not None
    assert selection.intent == "complaint_form"
    assert check_complaint_form(parse_complaint_form(selection.argument or "")).complete


def test_empty_template_has_every_field_missing() -> None:
    parsed = parse_complaint_form(FORM_TEMPLATE)

    assert parsed.missing == ["nama", "alamat", "nik", "telp", "email", "isi"]
    assert looks_like_complaint_form(FORM_TEMPLATE)


@pytest.mark.parametrize(
    "text",
    [
        "halo",
        "alamat kantor dpmptsp dimana?",
        "nama aplikasi untuk izin bangunan apa ya",
        "email dinas apa?\nalamat kantor?\ntelp berapa?",
        "Saya mau mengadu soal pelayanan, nama petugasnya siapa",
        "cek status CSO.202212345678",
        "#balas PGD/261204/001 Nama: sudah kami cek, alamat: benar",
    ],
)
def test_ordinary_messages_are_not_forms(text: str) -> None:
    assert not looks_like_complaint_form(text)


def test_isi_keeps_mentions_of_other_labels() -> None:
    text = (
        "Nama: I Made Budi\nNIK: 5171010101900001\nIsi Konsultasi/Pengaduan: alamat pada izin saya salah\n"
        "Email saya juga belum menerima balasan\nAlamat: Jl. Gatot Subroto No. 5, Denpasar"
    )
    parsed = parse_complaint_form(text)

    assert parsed.values["isi"] == "alamat pada izin saya salah\nEmail saya juga belum menerima balasan"
    assert parsed.values["alamat"] == "Jl. Gatot Subroto No. 5, Denpasar"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("081234567890", "6281234567890"),
        ("0812-3456-7890", "6281234567890"),
        ("+62 812 3456 7890", "6281234567890"),
        ("+62 (0)812 3456 7890", "6281234567890"),
        ("6281234567890", "6281234567890"),
        ("006281234567890", "6281234567890"),
        ("0361 428610", "62361428610"),
        ("(0361) 416075", "62361416075"),
        ("0812345", None),
        ("08123456789012345", None),
        ("+61412345678", None),
        ("12345678901", None),
        ("0812abc7890", None),
        ("", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "nik, reason",
    [
        ("5171010101900001", None),
        ("5171014101900001", None),  # woman born 1 January 1990
        ("5171012902000001", None),  # 29 February 2000 was a leap day
        ("5171012902010001", "date"),  # 2001 was not a leap year
        ("5171013204900001", "date"),  # 32 April
        ("5171017201900001", "date"),  # day 72 is neither a day nor day + 40
        ("5171010113900001", "date"),  # month 13
        ("9971010101900001", "province"),
        ("2071010101900001", "province"),
        ("5100010101900001", "region"),
        ("5171010101900000", "region"),
        ("517101010190001", "length"),
        ("51710101019000012", "length"),
        ("5171O10101900001", "length"),
    ],
)
def test_validate_nik(nik: str, reason: str | None) -> None:
    check = validate_nik(nik, today=TODAY)

    assert check.ok == (reason is None)
    if reason == "date":
        assert "tanggal lahir" in (check.error or "")
    if reason == "province":
        assert "kode provinsi" in (check.error or "")
    if reason == "length":
        assert "16 angka" in (check.error or "")


def test_nik_decodes_gender_and_century() -> None:
    woman = parse_nik("5171034505950003", today=TODAY)
    recent = parse_nik("5171010101200001", today=TODAY)

    assert woman is not None
    assert woman.female
    assert woman.birth_date == date(1995, 5, 5)
    assert woman.province == "Bali"
    assert recent is not None
    assert not recent.female
    assert recent.birth_date == date(2020, 1, 1)


def test_nik_birth_date_in_future_is_previous_century() -> None:
    # 31 December "26" on 4 December 2026 lies ahead, so it is 1926.
    info = parse_nik("5171013112260001", today=TODAY)

    assert info is not None
    assert info.birth_date == date(1926, 12, 31)


@pytest.mark.parametrize(
    "name, ok",
    [
        ("I Made Budi", True),
        ("Ni Luh Putu Ayu", True),
        ("A.A. Gde Agung", True),
        ("Drs. I Wayan Sudarma, M.Si.", True),
        ("Muh. Ma'ruf", True),
        ("Siti Nur-Aisyah", True),
        ("Budi123", False),
        ("B", False),
        ("aaaa", False),
        ("x" * 101, False),
        ("@budi", False),
    ],
)
def test_validate_nama(name: str, ok: bool) -> None:
    assert validate_nama(name).ok == ok


@pytest.mark.parametrize(
    "email, expected",
    [
        ("budi@gmail.com", "budi@gmail.com"),
        ("Budi.Santoso+izin@Denpasarkota.GO.ID", "Budi.Santoso+izin@denpasarkota.go.id"),
        ("<budi@gmail.com>", "budi@gmail.com"),
        ("budi@gmail", None),
        ("budi gmail.com", None),
        ("budi@@gmail.com", None),
        (".budi@gmail.com", None),
        ("budi..s@gmail.com", None),
        ("budi@-gmail.com", None),
    ],
)
def test_validate_email(email: str, expected: str | None) -> None:
    check = validate_email(email)

    assert check.value == expected
    assert check.ok == (expected is not None)


def test_validate_alamat_joins_lines() -> None:
    assert validate_alamat("Jl. Nangka 3\nBanjar Tegal\nDenpasar").value == "Jl. Nangka 3, Banjar Tegal, Denpasar"
    assert not validate_alamat("Jl").ok


def test_validate_isi_limits() -> None:
    assert validate_isi("Mohon info syarat izin usaha.").ok
    assert not validate_isi("tolong").ok
    assert not validate_isi("12345 67890 12345").ok
    too_long = validate_isi("Izin saya belum terbit. " * 200)
    assert not too_long.ok
    assert "maksimal 4000" in (too_long.error or "")


@pytest.mark.parametrize("placeholder", ["", "-", "...", "  "])
def test_empty_field_says_not_filled(placeholder: str) -> None:
    check = validate_field("email", placeholder)

    assert not check.ok
    assert "belum diisi" in (check.error or "")
    assert "Contoh" in (check.error or "")


def test_every_error_names_its_field() -> None:
    check = check_complaint_form(parse_complaint_form("Nama: 1\nAlamat: x\nNIK: 1\nTelp/WA: 1\nEmail: x\nIsi: x"))

    labels = {
        "nama": "*Nama*",
        "alamat": "*Alamat*",
        "nik": "*NIK*",
        "telp": "*Telp/WA*",
        "email": "*Email*",
        "isi": "*Isi",
    }
    for field, label in labels.items():
        assert check.errors[field].startswith(label)


def test_masks() -> None:
    assert mask_nik("5171010101900001") == "5171********0001"
    assert mask_phone("6281234567890") == "6281****7890"
