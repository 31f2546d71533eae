"""Consultations and complaints: the pasted form, validation, tickets and the team relay.

`looks_like_complaint_form` and `parse_team_command` are deterministic checks
that the NLU pipeline calls to route a pasted form or a team command.
"""

from chassie.complaints.commands import TeamCommand, parse_team_command, parse_ticket_check
from chassie.complaints.form import FORM_TEMPLATE, looks_like_complaint_form, parse_complaint_form

__all__ = [
    "FORM_TEMPLATE",
    "TeamCommand",
    "looks_like_complaint_form",
    "parse_complaint_form",
    "parse_team_command",
    "parse_ticket_check",
]
