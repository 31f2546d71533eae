"""The menu table and the parser that recognises typed menu codes."""

from __future__ import annotations

import pytest

from chassie.menu import (
    APP_MENU_ROWS,
    MAIN_MENU_ROWS,
    MENU,
    MENU_BY_CODE,
    UNKNOWN_CODE_INTENT,
    parse_menu_code,
)


@pytest.mark.parametrize(
    "text",
    [
        "3",
        " 3 ",
        "3.",
        "3)",
        "*3*",
        "_3_",
        "* 3 *",
        "no 3",
        "No. 3",
        "nomor 3",
        "nomer 3",
        "menu 3",
        "pilih 3",
        "03",
        "３",
    ],
)
def test_variants_of_three_are_menu_three(text: str) -> None:
    selection = parse_menu_code(text)
    assert selection is not None
    assert selection.code == "3"
    assert selection.intent == "info_aplikasi"
    assert selection.argument is None


@pytest.mark.parametrize("code", [entry.code for entry in MENU])
def test_every_code_maps_to_its_intent(code: str) -> None:
    selection = parse_menu_code(code)
    assert selection is not None
    assert selection.intent == MENU_BY_CODE[code].intent


def test_thirty_one_is_never_three() -> None:
    selection = parse_menu_code("31")
    assert selection is not None
    assert selection.code == "31"
    assert selection.intent == "app_oss"


def test_tracking_code_carries_registration_code() -> None:
    selection = parse_menu_code("72 CSO.202212345678")
    assert selection is not None
    assert selection.intent == "check_status"
    assert selection.code == "72"
    assert selection.argument == "CSO.202212345678"
    assert selection.argument_entity == "kode_pendaftaran"


@pytest.mark.parametrize("text", ["71 ABC", "71: ABC", "*71* ABC", "71 - ABC", "71   ABC  "])
def test_tracking_argument_survives_formatting(text: str) -> None:
    selection = parse_menu_code(text)
    assert selection is not None
    assert selection.code == "71"
    assert selection.argument == "ABC"


def test_bare_tracking_code_has_no_argument() -> None:
    selection = parse_menu_code("72")
    assert selection is not None
    assert selection.intent == "check_status"
    assert selection.argument is None
    assert selection.argument_entity is None


def test_complaint_form_keeps_multiline_text() -> None:
    selection = parse_menu_code("81\n*Nama* : Made\n*Alamat* : Denpasar")
    assert selection is not None
    assert selection.intent == "complaint_form"
    assert selection.argument == "*Nama* : Made\n*Alamat* : Denpasar"


@pytest.mark.parametrize("text", ["9", "10", "99", "100", "37", "*9*", "nomor 45"])
def test_number_not_on_menu_is_unknown_code(text: str) -> None:
    selection = parse_menu_code(text)
    assert selection is not None
    assert selection.intent == UNKNOWN_CODE_INTENT


@pytest.mark.parametrize(
    "text",
    [
        "",
        "halo",
        "3 dong",
        "cara daftar oss",
        "3.5",
        "5171010101010001",  # a NIK is not a mistyped menu code
        "081234567890",
        "31 apa ya",  # text after a code without argument is free text
        "/greet",
        "no",
    ],
)
def test_free_text_is_not_a_menu_code(text: str) -> None:
    assert parse_menu_code(text) is None


def test_list_rows_fit_whatsapp_limits() -> None:
    for entry in MENU:
        assert len(entry.title) <= 24, entry.code
        assert len(entry.description) <= 72, entry.code
    assert [entry.code for entry in MAIN_MENU_ROWS] == [str(n) for n in range(1, 9)]
    assert [entry.code for entry in APP_MENU_ROWS] == [str(n) for n in range(31, 37)]


def test_codes_are_unique() -> None:
    codes = [entry.code for entry in MENU]
    assert len(codes) == len(set(codes))
