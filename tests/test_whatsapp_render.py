"""Rendering of Rasa bot messages into Graph API bodies within WhatsApp's limits."""

from __future__ import annotations

import pytest

from chassie.menu import APP_MENU_ROWS, MAIN_MENU_ROWS, MENU
from chassie.whatsapp.render import (
    DEFAULT_CHOICE_BODY,
    MAX_INTERACTIVE_BODY_CHARS,
    MAX_TEXT_CHARS,
    Choice,
    buttons_message,
    choice_id_for_payload,
    list_message,
    payload_for_choice_id,
    render_bot_message,
    split_text,
    template_message,
)
from sandbox.whatsapp.validation import GraphValidationError, validate_message


def assert_accepted_by_graph(body: dict) -> None:
    """Check a rendered body against the Cloud API's documented limits."""
    validate_message({"messaging_product": "whatsapp", "to": "6281234567890", **body})


def test_short_text_is_one_message():
    assert render_bot_message({"text": "Selamat pagi, Bapak/Ibu."}) == [
        {"type": "text", "text": {"preview_url": False, "body": "Selamat pagi, Bapak/Ibu."}}
    ]


def test_long_text_splits_on_paragraphs():
    paragraphs = [f"Paragraf {i}: " + "kata " * 150 for i in range(12)]
    text = "\n\n".join(p.strip() for p in paragraphs)

    parts = split_text(text)

    assert len(parts) > 1
    assert all(len(part) <= MAX_TEXT_CHARS for part in parts)
    assert "\n\n".join(parts) == text
    assert all(part.startswith("Paragraf") for part in parts)


def test_long_paragraph_splits_at_lines_and_words():
    lines = "\n".join("baris " * 30 for _ in range(40))
    words = "kata " * 2000
    no_spaces = "x" * 9000

    for text in (lines, words, no_spaces):
        parts = split_text(text)
        assert all(0 < len(part) <= MAX_TEXT_CHARS for part in parts)
        assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_empty_text_renders_nothing():
    assert split_text("  \n\n ") == []
    assert render_bot_message({"text": ""}) == []


def test_menu_code_ids_round_trip():
    for entry in MENU:
        choice_id = choice_id_for_payload(entry.code)
        assert choice_id == f"menu_{entry.code}"
        assert payload_for_choice_id(choice_id) == entry.code


@pytest.mark.parametrize("payload", ["/affirm", "/deny", "/notification_subscribe", '/inform{"x": "y"}', "halo"])
def test_other_payload_ids_round_trip(payload):
    assert payload_for_choice_id(choice_id_for_payload(payload)) == payload


def test_unknown_id_is_read_as_text():
    assert payload_for_choice_id("menu_99") == "menu_99"
    assert payload_for_choice_id("something") == "something"


def test_main_menu_buttons_become_list_from_menu_table():
    buttons = [{"title": f"{e.code}. {e.title}", "payload": e.code} for e in MAIN_MENU_ROWS]

    [body] = render_bot_message({"text": "Silakan pilih menu:", "buttons": buttons})

    assert body["type"] == "interactive"
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Pilih menu"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [f"menu_{e.code}" for e in MAIN_MENU_ROWS]
    assert [row["title"] for row in rows] == [e.title for e in MAIN_MENU_ROWS]
    assert [row["description"] for row in rows] == [e.description for e in MAIN_MENU_ROWS]
    assert_accepted_by_graph(body)


def test_apps_menu_becomes_list():
    buttons = [{"title": e.title, "payload": e.code} for e in APP_MENU_ROWS] + [{"title": "Menu awal", "payload": "0"}]

    [body] = render_bot_message({"text": "Aplikasi perizinan:", "buttons": buttons})

    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows][-1] == "menu_0"
    assert len(rows) == len(APP_MENU_ROWS) + 1
    assert_accepted_by_graph(body)


def test_up_to_three_short_buttons_become_reply_buttons():
    message = {
        "text": "Apakah data sudah benar?",
        "buttons": [
            {"title": "Ya", "payload": "/affirm"},
            {"title": "Tidak", "payload": "/deny"},
        ],
    }

    [body] = render_bot_message(message)

    interactive = body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == "Apakah data sudah benar?"
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": "pl_/affirm", "title": "Ya"},
        {"id": "pl_/deny", "title": "Tidak"},
    ]
    assert_accepted_by_graph(body)


def test_button_title_over_twenty_chars_uses_list():
    message = {
        "text": "Pilih:",
        "buttons": [{"title": "Berlangganan notifikasi izin", "payload": "/notification_subscribe"}],
    }

    [body] = render_bot_message(message)

    assert body["interactive"]["type"] == "list"
    row = body["interactive"]["action"]["sections"][0]["rows"][0]
    assert row["title"] == "Berlangganan notifikasi…"
    assert row["id"] == "pl_/notification_subscribe"
    assert_accepted_by_graph(body)


def test_more_than_ten_choices_become_several_lists():
    buttons = [{"title": f"Pilihan nomor {i}", "payload": f"/choose_{i}"} for i in range(23)]

    bodies = render_bot_message({"text": "Silakan pilih:", "buttons": buttons})

    assert len(bodies) == 3
    row_counts = [len(b["interactive"]["action"]["sections"][0]["rows"]) for b in bodies]
    assert row_counts == [10, 10, 3]
    assert bodies[1]["interactive"]["body"]["text"] == "Pilihan lainnya:"
    for body in bodies:
        assert_accepted_by_graph(body)


def test_long_text_with_buttons_sends_text_first():
    text = "Persyaratan:\n\n" + "\n".join(f"- dokumen nomor {i} yang harus dilampirkan" for i in range(60))
    assert len(text) > MAX_INTERACTIVE_BODY_CHARS
    buttons = [{"title": e.title, "payload": e.code} for e in APP_MENU_ROWS]

    bodies = render_bot_message({"text": text, "buttons": buttons})

    assert bodies[0]["type"] == "text"
    assert bodies[-1]["type"] == "interactive"
    assert bodies[-1]["interactive"]["body"]["text"] == DEFAULT_CHOICE_BODY
    assert "".join(b["text"]["body"] for b in bodies[:-1]).replace("\n", "") == text.replace("\n", "")
    for body in bodies:
        assert_accepted_by_graph(body)


def test_long_titles_and_descriptions_are_cut_to_limits():
    choices = [Choice("pl_a", "T" * 40, "D" * 100), Choice("pl_b", "Pendek")]

    body = list_message("x", choices, button_label="Label yang terlalu panjang sekali")

    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows[0]["title"]) == 24
    assert len(rows[0]["description"]) == 72
    assert rows[0]["title"].endswith("…")
    assert "description" not in rows[1]
    assert len(body["interactive"]["action"]["button"]) <= 20
    assert_accepted_by_graph(body)


def test_duplicate_payloads_are_dropped():
    buttons = [{"title": "Ya", "payload": "/affirm"}, {"title": "Ya lagi", "payload": "/affirm"}]

    [body] = render_bot_message({"text": "?", "buttons": buttons})

    assert len(body["interactive"]["action"]["buttons"]) == 1


def test_builders_reject_counts_outside_limits():
    with pytest.raises(ValueError):
        buttons_message("x", [Choice(f"pl_{i}", "t") for i in range(4)])
    with pytest.raises(ValueError):
        list_message("x", [Choice(f"pl_{i}", "t") for i in range(11)])
    with pytest.raises(ValueError):
        list_message("x", [])


def test_quick_replies_render_like_buttons():
    [body] = render_bot_message({"text": "Lanjut?", "quick_replies": [{"title": "Ya", "payload": "/affirm"}]})

    assert body["interactive"]["type"] == "button"


def test_custom_template_is_sent_as_template():
    message = {
        "custom": {
            "whatsapp_template": {
                "name": "status_izin",
                "language_code": "id",
                "body_parameters": ["CSO.202212345678", "Terbit"],
                "quick_reply_payloads": ["notif_stop"],
            }
        }
    }

    [body] = render_bot_message(message)

    assert body == template_message("status_izin", "id", ["CSO.202212345678", "Terbit"], ["notif_stop"])
    components = body["template"]["components"]
    assert components[0]["parameters"][1] == {"type": "text", "text": "Terbit"}
    assert components[1] == {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "0",
        "parameters": [{"type": "payload", "payload": "notif_stop"}],
    }
    assert_accepted_by_graph(body)


def test_other_custom_json_is_not_sent():
    assert render_bot_message({"custom": {"something": 1}}) == []


def test_image_is_sent_by_link():
    bodies = render_bot_message({"text": "Denah MPP:", "image": "https://example.invalid/denah.png"})

    assert [b["type"] for b in bodies] == ["text", "image"]
    assert bodies[1]["image"] == {"link": "https://example.invalid/denah.png"}


def test_validator_catches_limit_breaks():
    too_many_buttons = {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "x"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": str(i), "title": "t"}} for i in range(4)]},
        },
    }
    long_row = list_message("x", [Choice("a", "t")])
    long_row["interactive"]["action"]["sections"][0]["rows"][0]["title"] = "x" * 25
    long_text = {"type": "text", "text": {"body": "x" * (MAX_TEXT_CHARS + 1)}}

    for body in (too_many_buttons, long_row, long_text):
        with pytest.raises(GraphValidationError):
            assert_accepted_by_graph(body)
