"""Indonesian tokenizer that passes spaCy's normalised lemmas on to Rasa.

Rasa's stock spaCy tokenizer needs a trained spaCy pipeline (there is none for
Indonesian) and drops `token.norm_`, where spaCy puts its informal-spelling
table (sy -> saya, ijin -> izin). This tokenizer builds a blank Indonesian
pipeline with the lookup lemmatizer and the `lexeme_norm` table from
spacy-lookups-data, adds the project's own chat abbreviations
(components/slang_id.yml), and stores the result as each token's lemma, which
CountVectorsFeaturizer uses by default (`use_lemma: true`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import spacy
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

SLANG_TABLE_PATH = Path(__file__).with_name("slang_id.yml")

# Enclitics and particles glued to a word in everyday writing
# ("caranya", "bisakah", "alamatnya"), longest first.
CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")
MIN_STEM_LENGTH = 3

# "syarat2" and "tanya-tanya" are written reduplications of one word.
_DIGIT_REDUPLICATION = re.compile(r"^([a-z]{2,})2$")
_HYPHEN_REDUPLICATION = re.compile(r"^([a-z]{2,})-\1$")


def load_slang_table(path: Path = SLANG_TABLE_PATH) -> Dict[str, str]:
    """Load the project's chat-abbreviation table as a lowercase mapping."""
    with path.open(encoding="utf-8") as handle:
        table = yaml.safe_load(handle) or {}
    return {str(key).lower(): str(value).lower() for key, value in table.items()}


def build_spacy_pipeline() -> spacy.language.Language:
    """Create the blank Indonesian pipeline with lemma and norm lookup tables."""
    nlp = spacy.blank(
        "id",
        config={
            "initialize": {
                "lookups": {
                    "@misc": "spacy.LookupsDataLoader.v1",
                    "lang": "id",
                    "tables": ["lexeme_norm"],
                }
            }
        },
    )
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


class WordNormaliser:
    """Maps one informal Indonesian word to a standard lemma."""

    def __init__(self, slang: Dict[str, str], lemma_table: Any) -> None:
        self._slang = slang
        self._lemmas = lemma_table
        self._known_lemmas = set(lemma_table.values()) if hasattr(lemma_table, "values") else set()

    def _lemma(self, word: str) -> str:
        return self._lemmas.get(word, word)

    def _is_known(self, word: str) -> bool:
        return word in self._lemmas or word in self._known_lemmas or word in self._slang

    def normalise(self, word: str, spacy_norm: str) -> str:
        """Return the lemma of `word`, using the project table, then spaCy's norm."""
        lowered = word.lower()
        for pattern in (_DIGIT_REDUPLICATION, _HYPHEN_REDUPLICATION):
            match = pattern.match(lowered)
            if match:
                lowered = match.group(1)
                spacy_norm = lowered

        if lowered in self._slang:
            return self._lemma(self._slang[lowered])
        if spacy_norm and spacy_norm != lowered:
            return self._lemma(spacy_norm)
        if lowered in self._lemmas:
            return self._lemma(lowered)

        for clitic in CLITICS:
            stem = lowered[: -len(clitic)]
            if lowered.endswith(clitic) and len(stem) >= MIN_STEM_LENGTH and self._is_known(stem):
                return self._lemma(self._slang.get(stem, stem))
        return lowered


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class IndonesianTokenizer(Tokenizer):
    """Tokenizer for informal Indonesian built on spaCy's lookup tables."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the component's default config."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Return the languages this tokenizer works for."""
        return ["id"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        """Build the spaCy pipeline and the word normaliser."""
        super().__init__(config)
        self._nlp = build_spacy_pipeline()
        lemma_table = self._nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        self._normaliser = WordNormaliser(load_slang_table(), lemma_table)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IndonesianTokenizer:
        """Create the tokenizer (it has nothing to train or persist)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Split the attribute's text into tokens whose lemma is the standard word."""
        text = message.get(attribute)
        # make_doc runs only the tokenizer, which already sets norm_ from the
        # lexeme_norm table; the lemma comes from the lookup table directly.
        doc = self._nlp.make_doc(text)
        tokens = [
            Token(
                text=token.text,
                start=token.idx,
                lemma=self._normaliser.normalise(token.text, token.norm_),
            )
            for token in doc
            if not token.is_space and not token.is_punct
        ]
        if not tokens:
            # Rasa's featurizers expect at least one token per message.
            tokens = [Token(text=text, start=0, lemma=text.lower())]
        return self._apply_token_pattern(tokens)
