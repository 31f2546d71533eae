"""Plain logic of the Chassie assistant: nothing in this package imports Rasa."""
