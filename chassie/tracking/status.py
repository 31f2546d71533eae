"""Classification of the status words of the office systems into plain categories."""

from __future__ import annotations

import re
from collections.abc import Mapping

from chassie.tracking.models import StatusCategory

# Checked in this order: "izin ditolak, proses selesai" is a rejection, and
# "selesai ditandatangani" is an issued licence, not only a finished step.
_KEYWORDS: tuple[tuple[StatusCategory, re.Pattern[str]], ...] = (
    (StatusCategory.REJECTED, re.compile(r"tolak|batal|gagal|reject", re.IGNORECASE)),
    (
        StatusCategory.ISSUED,
        re.compile(r"terbit|ditandatangan|issued|signed", re.IGNORECASE),
    ),
    (
        StatusCategory.FINISHED,
        re.compile(r"selesai|finish|done|complete", re.IGNORECASE),
    ),
)


def classify_status(
    status_text: str | None,
    overrides: Mapping[str, StatusCategory] | None = None,
) -> StatusCategory:
    """Return the category of a status value, "in process" when no rule applies.

    `overrides` maps exact status values (compared case-insensitively) of one
    office to a category and wins over the built-in keywords.
    """
    text = (status_text or "").strip()
    if overrides:
        for value, category in overrides.items():
            if value.strip().lower() == text.lower():
                return category

    for category, pattern in _KEYWORDS:
        if pattern.search(text):
            return category
    return StatusCategory.IN_PROCESS
