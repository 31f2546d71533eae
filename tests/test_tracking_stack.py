"""Status questions end to end: rasa server, action server and tracking sandbox."""

from __future__ import annotations

from chassie.menu import MENU_HINT

# Sender ids are WhatsApp numbers; none of these is the phone of a sample.
SENDER_PREFIX = "62877000100"


def test_menu_code_72_answers_from_sandbox(assistant) -> None:
    text = assistant.reply_text(SENDER_PREFIX + "01", "72 CSO.202212345678")

    assert "*CSO.202212345678*" in text
    assert "Survei Lapangan" in text
    assert "Sedang diproses" in text
    assert "B*** S******" in text
    assert "5171010101800001" not in text
    assert text.endswith(MENU_HINT)


def test_free_text_question_answers(assistant) -> None:
    text = assistant.reply_text(SENDER_PREFIX + "02", "cek status cso.202212345678 ya")

    assert "Survei Lapangan" in text


def test_code_asked_then_typed_alone(assistant) -> None:
    sender = SENDER_PREFIX + "03"

    question = assistant.reply_text(sender, "izin saya sudah sampai mana")
    answer = assistant.reply_text(sender, "TTD-2023-000125")

    assert "kode pendaftaran" in question
    assert "Ditolak" in answer
    assert "Titik reklame berada di zona larangan." in answer


def test_decline_and_main_menu(assistant) -> None:
    sender = SENDER_PREFIX + "04"

    offer = assistant.send(sender, "72 CSO.202212345678")
    declined = assistant.reply_text(sender, "tidak")
    menu = assistant.reply_text(sender, "0")

    assert [button["payload"] for button in offer[-1]["buttons"]] == ["/notification_subscribe", "/deny"]
    assert "tidak akan mengirim pemberitahuan" in declined
    assert "MENU UTAMA" in menu


def test_remembered_code_after_other_topic(assistant) -> None:
    sender = SENDER_PREFIX + "05"

    assistant.reply_text(sender, "71 TTD-2023-000124")
    assistant.reply_text(sender, "5")
    text = assistant.reply_text(sender, "izin saya sudah terbit belum")

    assert "TTD-2023-000124" in text
    assert "Izin sudah terbit" in text
