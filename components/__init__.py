"""Custom Rasa NLU components of Chassie (referenced by module path in config.yml).

Rasa imports this package when it loads the model, which is where the rasa
server's faster action-response check is installed.
"""

from components.action_response_check import install as _install_action_response_check

_install_action_response_check()
