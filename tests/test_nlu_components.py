"""The custom NLU components: the Indonesian tokenizer and the menu-code classifier."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.indonesian_tokenizer import IndonesianTokenizer
from components.menu_code import MenuCodeClassifier


@pytest.fixture(scope="module")
def tokenizer() -> IndonesianTokenizer:
    return IndonesianTokenizer(IndonesianTokenizer.get_default_config())


def _lemmas(tokenizer: IndonesianTokenizer, text: str) -> list:
    return [token.lemma for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


@pytest.mark.parametrize(
    "word, lemma",
    [
        ("sy", "saya"),  # spaCy's lexeme_norm table
        ("ijin", "izin"),
        ("udah", "sudah"),
        ("nomer", "nomor"),
        ("gmn", "bagaimana"),  # the project's table
        ("brp", "berapa"),
        ("tlp", "telepon"),
        ("dmn", "dimana"),
        ("perizinan", "izin"),  # spaCy's lemma lookup
        ("perijinan", "izin"),  # slang, then lemma
        ("pendaftaran", "daftar"),
        ("caranya", "cara"),  # enclitic -nya
        ("syarat2", "syarat"),  # written reduplication
        ("Makasih", "makasih"),
    ],
)
def test_tokenizer_normalises_chat_spelling(tokenizer: IndonesianTokenizer, word: str, lemma: str) -> None:
    assert _lemmas(tokenizer, word) == [lemma]


def test_tokenizer_keeps_original_text_and_offsets(tokenizer: IndonesianTokenizer) -> None:
    text = "Sy mau cek 72 CSO.202212345678"
    tokens = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    assert [token.text for token in tokens] == ["Sy", "mau", "cek", "72", "CSO.202212345678"]
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_tokenizer_drops_punctuation(tokenizer: IndonesianTokenizer) -> None:
    assert _lemmas(tokenizer, "halo, gmn?") == ["halo", "bagaimana"]


def test_tokenizer_gives_a_token_for_punctuation_only(tokenizer: IndonesianTokenizer) -> None:
    assert len(tokenizer.tokenize(Message(data={TEXT: "???"}), TEXT)) == 1


def _classify(text: str, predicted: str = "greet") -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": predicted, "confidence": 0.4})
    MenuCodeClassifier().process([message])
    return message


def test_menu_code_overrides_classifier_guess() -> None:
    message = _classify("*31*")
    assert message.get(INTENT) == {"name": "app_oss", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY) == [{"name": "app_oss", "confidence": 1.0}]


def test_tracking_code_sets_system_and_registration_code() -> None:
    message = _classify("72 CSO.202212345678")
    entities = {entity["entity"]: entity for entity in message.get(ENTITIES)}
    assert message.get(INTENT)["name"] == "check_status"
    assert entities["tracking_system"]["value"] == "sicantik"
    assert entities["kode_pendaftaran"]["value"] == "CSO.202212345678"
    assert entities["kode_pendaftaran"]["start"] == 3
    assert entities["kode_pendaftaran"]["end"] == 19


def test_unknown_code_is_quoted_back() -> None:
    message = _classify("99")
    assert message.get(INTENT)["name"] == "menu_code_unknown"
    assert message.get(ENTITIES)[0]["entity"] == "menu_code"
    assert message.get(ENTITIES)[0]["value"] == "99"


def test_free_text_keeps_classifier_guess() -> None:
    message = _classify("halo min", predicted="greet")
    assert message.get(INTENT) == {"name": "greet", "confidence": 0.4}


def test_intent_payload_is_left_to_rasa() -> None:
    message = _classify("/affirm", predicted="affirm")
    assert message.get(INTENT)["name"] == "affirm"
