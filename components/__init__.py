"""Custom Rasa NLU components of Chassie (referenced by module path in config.yml)."""
