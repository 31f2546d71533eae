"""Consultations and complaints: the pasted form, validation, tickets and the team relay.

`looks_like_complaint_form`, `parse_team_command` and `is_cancel_command` are
deterministic checks that the NLU pipeline calls to route a pasted form, a team
command or "batal".
"""

from chassie.complaints.commands import TeamCommand, is_cancel_command, parse_team_command, parse_ticket_check
from chassie.complaints.form import FORM_TEMPLATE, looks_like_complaint_form, parse_complaint_form

__all__ = [
    "FORM_TEMPLATE",
    "TeamCommand",
    "is_cancel_command",
    "looks_like_complaint_form",
    "parse_complaint_form",
    "parse_team_command",
    "parse_ticket_check",
]
