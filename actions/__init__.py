"""Custom actions of Chassie, one module per concern (rasa-sdk imports them all)."""
