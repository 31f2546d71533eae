"""The citizen walkthrough of the office's manual, through the REST channel of a running assistant."""

from __future__ import annotations

import pytest

MENU_HINT = "Ketik *0* untuk kembali ke menu utama."

# What each step of the manual must show: a few facts per answer, not the whole text.
WALKTHROUGH = [
    ("halo", ["Selamat datang", "*1* Informasi Perizinan", "*8* Input Konsultasi/Pengaduan"]),
    ("1", ["OSS", "NIB", "SIMBG", "PBG", "SiCantik Cloud", "MPP", "menu *3*"]),
    ("2", ["Sewaka Dharma", "https://mpp.denpasarkota.go.id"]),
    ("3", ["*31* OSS", "*32* SIMBG", "*33* SiCantik Cloud", "*34* SIPON", "*35* SIM TTD", "*36* SIPOIN"]),
    ("31", ["BKPM", "https://oss.go.id"]),
    ("32", ["Bangunan Gedung", "https://simbg.pu.go.id"]),
    ("33", ["perizinan dan non perizinan", "https://sicantik.go.id"]),
    ("34", ["Sistem Informasi Perizinan Online"]),
    ("35", ["Tanda Tangan Digital"]),
    ("36", ["Potensi Investasi"]),
    ("4", ["Klasifikasi Baku Lapangan Usaha Indonesia", "list_kbli", "https://infiniti.id/kbli-2020.pdf"]),
    (
        "5",
        [
            "0361428610",
            "0361416075",
            "perijinan@denpasarkota.go.id",
            "Jl. Majapahit",
            "https://pengaduan.denpasarkota.go.id",
        ],
    ),
    (
        "6",
        [
            "Laporan Kegiatan Penanaman Modal",
            "Semester I",
            "Triwulan IV",
            "https://s.id/1jam1",
            "https://bit.ly/panduan_LKPM",
            "https://s.id/1jaqk",
        ],
    ),
    ("7", ["71", "SIM TTD", "72", "SiCantik Cloud", "72 CSO.202212345678"]),
    (
        "8",
        [
            "Salin",
            "tidak valid",
            "WhatsApp",
            "*Nama*",
            "*Alamat*",
            "*NIK*",
            "*Telp/WA*",
            "*Email*",
            "*Isi Konsultasi/Pengaduan*",
        ],
    ),
    ("0", ["MENU UTAMA", "*7* Status Permohonan (Tracking System)"]),
]


@pytest.mark.parametrize("message, facts", WALKTHROUGH, ids=[step[0] for step in WALKTHROUGH])
def test_manual_step_answers_with_its_content(assistant, message: str, facts: list) -> None:
    reply = assistant.reply_text("walkthrough-6281111111111", message)
    for fact in facts:
        assert fact in reply, f"{message!r}: {fact!r} missing from reply:\n{reply}"


@pytest.mark.parametrize("message", [step[0] for step in WALKTHROUGH if step[0] not in ("halo", "0")])
def test_every_menu_answer_ends_with_menu_hint(assistant, message: str) -> None:
    reply = assistant.reply_text("hint-6282222222222", message)
    assert reply.rstrip().endswith(MENU_HINT), reply


def test_unknown_number_is_not_available(assistant) -> None:
    reply = assistant.reply_text("unknown-6283333333333", "9")
    assert "menu *9* tidak tersedia" in reply
    assert "MENU UTAMA" in reply


@pytest.mark.parametrize(
    "message, fact",
    [
        ("halo min, gmn cara ngurus ijin usaha?", "OSS"),
        ("kantornya dmn ya", "Jl. Majapahit"),
        ("apa itu kbli", "Klasifikasi Baku Lapangan Usaha Indonesia"),
        ("kapan batas lapor lkpm", "Triwulan"),
        ("makasih", "Sama-sama"),
    ],
)
def test_free_text_reaches_the_answer(assistant, message: str, fact: str) -> None:
    reply = assistant.reply_text("free-6284444444444", message)
    assert fact in reply, reply
