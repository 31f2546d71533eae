"""Tolerant parser for the consultation/complaint form pasted into one message.

Citizens copy the `81` template, fill it in WhatsApp and send it back. What
arrives varies: bold markers, labels in any case, with or without a colon,
fields in any order, a value on the line after its label, a multi-line Isi,
blank lines, the template header or a greeting copied along, several fields
typed on one line. The parser finds the labelled fields and leaves their
validation to `chassie.complaints.validators`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chassie.complaints.validators import (
    FIELD_ALAMAT,
    FIELD_EMAIL,
    FIELD_ISI,
    FIELD_NAMA,
    FIELD_NIK,
    FIELD_TELP,
    FIELDS,
    FieldCheck,
    validate_field,
)

FORM_CODE = "81"

# The template as the office's manual shows it under menu 8.
FORM_TEMPLATE = "81\n*Nama* :\n*Alamat* :\n*NIK* :\n*Telp/WA* :\n*Email* :\n*Isi Konsultasi/Pengaduan* :"

# Spellings of each label seen in filled forms, matched case-insensitively
# after bold markers are removed.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    FIELD_NAMA: ("nama lengkap", "nama pelapor", "nama"),
    FIELD_ALAMAT: ("alamat lengkap", "alamat rumah", "alamat domisili", "domisili", "alamat"),
    FIELD_NIK: (
        "nomor induk kependudukan",
        "nik ktp",
        "nik/ktp",
        "no nik",
        "no. nik",
        "nomor nik",
        "no ktp",
        "no. ktp",
        "nomor ktp",
        "nik",
    ),
    FIELD_TELP: (
        "telp/wa",
        "telp / wa",
        "tlp/wa",
        "telpon/wa",
        "telepon/wa",
        "no telp/wa",
        "no. telp/wa",
        "nomor telp/wa",
        "no hp/wa",
        "no. hp/wa",
        "hp/wa",
        "no telp",
        "no. telp",
        "nomor telepon",
        "no telepon",
        "no hp",
        "no. hp",
        "nomor hp",
        "no wa",
        "no. wa",
        "nomor wa",
        "whatsapp",
        "telepon",
        "telpon",
        "telp",
        "tlp",
        "hp",
        "wa",
    ),
    FIELD_EMAIL: ("alamat email", "e-mail", "email", "surel"),
    FIELD_ISI: (
        "isi konsultasi/pengaduan",
        "isi konsultasi / pengaduan",
        "isi pengaduan/konsultasi",
        "isi konsultasi",
        "isi pengaduan",
        "isi keluhan",
        "konsultasi/pengaduan",
        "isi",
        "pengaduan",
        "keluhan",
        "konsultasi",
    ),
}

# Everyday words that are labels only when a colon or bold marks them so.
ALIASES_NEEDING_SEPARATOR = frozenset({"pengaduan", "keluhan", "konsultasi", "domisili"})
# Without a colon, a number label counts only before something that looks
# like a number, and an email label only before an address.
_COLONLESS_VALUE = {
    FIELD_NIK: re.compile(r"^[\d(+]"),
    FIELD_TELP: re.compile(r"^[\d(+]"),
    FIELD_EMAIL: re.compile(r"@"),
}

# Fields whose value may continue on the following lines.
MULTILINE_FIELDS = frozenset({FIELD_ALAMAT, FIELD_ISI})

# A message is taken for a filled form when it labels at least this many
# distinct fields with a colon (or in bold), or this many in any way.
MIN_FIELDS_WITH_SEPARATOR = 3
MIN_FIELDS_WITHOUT_SEPARATOR = 4

_ALIAS_TO_FIELD: dict[str, str] = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}
_ALIAS_PATTERN = "|".join(
    re.escape(alias).replace(r"\ ", r"\s*").replace("/", r"\s*/\s*").replace(r"\.", r"\.?")
    for alias in sorted(_ALIAS_TO_FIELD, key=len, reverse=True)
)
_DECORATION = r"[*_~]*"
_LABEL_LINE = re.compile(
    rf"^\s*(?:[-•·>]\s*)?(?:\d{{1,2}}[.)]\s+)?(?P<open>{_DECORATION})\s*(?P<label>{_ALIAS_PATTERN})(?![^\W_])"
    rf"\s*(?P<close>{_DECORATION})\s*(?P<sep>[:：=]|-(?=\s|$))?\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
# A further label later on the same line, for forms typed on one line.
_INLINE_LABEL = re.compile(
    rf"(?:(?<=\s)|(?<=[,;]))(?P<open>{_DECORATION})(?P<label>{_ALIAS_PATTERN})(?![^\W_]){_DECORATION}"
    rf"(?:\s*[:：=]|\s+(?P<next>\S+))",
    re.IGNORECASE,
)
_HEADER_CODE = re.compile(rf"^\s*{_DECORATION}\s*{FORM_CODE}\s*{_DECORATION}[.:]?(?:\s+|$)")
_WRAPPING_MARKERS = re.compile(r"^(?P<mark>[*~]+|_+)(?P<inner>.+?)(?P=mark)$", re.DOTALL)


@dataclass
class ParsedForm:
    """The fields found in a pasted form, as raw text, plus the lines that belong to none."""

    values: dict[str, str] = field(default_factory=dict)
    labels_with_separator: set[str] = field(default_factory=set)
    labels_found: set[str] = field(default_factory=set)
    unlabelled_lines: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Fields the form did not fill, in the form's order."""
        return [name for name in FIELDS if not self.values.get(name, "").strip()]


@dataclass(frozen=True)
class FormCheck:
    """The validated form: normalised values of the valid fields and errors of the others."""

    valid: dict[str, str]
    errors: dict[str, str]

    @property
    def complete(self) -> bool:
        """Whether every field is present and valid."""
        return not self.errors and all(name in self.valid for name in FIELDS)


@dataclass
class _Cursor:
    """The field that continuation lines are appended to."""

    name: str | None = None


def _strip_wrapping(value: str) -> str:
    value = value.strip()
    match = _WRAPPING_MARKERS.match(value)
    while match:
        value = match.group("inner").strip()
        match = _WRAPPING_MARKERS.match(value)
    return value.strip("*~").strip()


def _inline_label_field(match: re.Match[str]) -> str | None:
    name = _field_of(match.group("label"))
    following = match.group("next")
    if following is None:
        return name
    pattern = _COLONLESS_VALUE.get(name)
    return name if pattern is not None and pattern.search(following) else None


def _split_inline_labels(line: str) -> list[str]:
    """Split "Nama: Budi Alamat: Jl. X" into one line per label.

    Splitting stops at the Isi label, because the message text may mention
    "email" or "alamat" in passing.
    """
    leading = _LABEL_LINE.match(line)
    if leading and _field_of(leading.group("label")) == FIELD_ISI:
        return [line]
    parts: list[str] = []
    start = 0
    search_from = leading.end("label") if leading else 0
    for match in _INLINE_LABEL.finditer(line, search_from):
        name = _inline_label_field(match)
        if name is None or not line[start : match.start()].strip():
            continue
        parts.append(line[start : match.start()])
        start = match.start()
        if name == FIELD_ISI:
            break
    parts.append(line[start:])
    return parts


def _field_of(label: str) -> str:
    key = re.sub(r"\s*/\s*", "/", re.sub(r"\s+", " ", label.lower()))
    if key in _ALIAS_TO_FIELD:
        return _ALIAS_TO_FIELD[key]
    # The pattern makes the dot after "no" optional and the spaces flexible.
    for alias, name in _ALIAS_TO_FIELD.items():
        if re.sub(r"[\s.]", "", alias) == re.sub(r"[\s.]", "", key):
            return name
    raise KeyError(label)


def _remove_header_code(text: str) -> str:
    return _HEADER_CODE.sub("", text.lstrip(), count=1)


def _has_separator(match: re.Match[str]) -> bool:
    return bool(match.group("sep") or match.group("open") or match.group("close"))


def _starts_new_field(match: re.Match[str], name: str, form: ParsedForm, cursor: _Cursor) -> bool:
    """Decide whether a labelled line starts a field or continues the current one."""
    if _has_separator(match):
        return True
    label = re.sub(r"\s+", " ", match.group("label").lower())
    if label in ALIASES_NEEDING_SEPARATOR:
        return False
    pattern = _COLONLESS_VALUE.get(name)
    if pattern is not None and not pattern.search(match.group("value")):
        return False
    if cursor.name is None:
        return True
    # Inside a multi-line value, "Alamat saya di ..." is more likely text than
    # a new field, unless that field has not been given yet.
    return not form.values.get(name)


def parse_complaint_form(text: str) -> ParsedForm:
    """Find the labelled fields in a pasted form; values stay as the citizen wrote them."""
    form = ParsedForm()
    cursor = _Cursor()
    in_multiline_text = False

    for raw_line in _remove_header_code(text).splitlines():
        line_parts = [raw_line] if in_multiline_text and cursor.name == FIELD_ISI else _split_inline_labels(raw_line)
        for line in line_parts:
            match = _LABEL_LINE.match(line)
            name = _field_of(match.group("label")) if match else None
            if match and name and _starts_new_field(match, name, form, cursor):
                form.labels_found.add(name)
                if _has_separator(match):
                    form.labels_with_separator.add(name)
                value = _strip_wrapping(match.group("value"))
                if form.values.get(name) and value:
                    # A second non-empty value for the same field: keep the
                    # first and treat this line as text of the current field.
                    _append(form, cursor, line)
                    continue
                if value or name not in form.values:
                    form.values[name] = value
                cursor.name = name
                in_multiline_text = name in MULTILINE_FIELDS and bool(value)
                continue
            _append(form, cursor, line)
            in_multiline_text = cursor.name in MULTILINE_FIELDS and bool(form.values.get(cursor.name or ""))
    form.values = {name: _tidy(name, value) for name, value in form.values.items()}
    return form


def _append(form: ParsedForm, cursor: _Cursor, line: str) -> None:
    """Attach an unlabelled line to the current field, or keep it aside."""
    stripped = line.strip()
    name = cursor.name
    if name is None:
        if stripped:
            form.unlabelled_lines.append(stripped)
        return
    current = form.values.get(name, "")
    if name in MULTILINE_FIELDS:
        form.values[name] = f"{current}\n{line.rstrip()}" if current else _strip_wrapping(stripped)
    elif not current and stripped:
        # The value was written on the line under its label.
        form.values[name] = _strip_wrapping(stripped)
    elif stripped:
        form.unlabelled_lines.append(stripped)


def _tidy(name: str, value: str) -> str:
    value = value.strip()
    if name in MULTILINE_FIELDS:
        value = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", value)
    return value


def looks_like_complaint_form(text: str) -> bool:
    """Tell whether a message is a filled (or copied) complaint form, without the leading 81."""
    if not text or "\n" not in text.strip() and ":" not in text:
        return False
    form = parse_complaint_form(text)
    return (
        len(form.labels_with_separator) >= MIN_FIELDS_WITH_SEPARATOR
        or len(form.labels_found) >= MIN_FIELDS_WITHOUT_SEPARATOR
    )


def check_complaint_form(form: ParsedForm) -> FormCheck:
    """Validate every field of a parsed form."""
    checks: dict[str, FieldCheck] = {name: validate_field(name, form.values.get(name)) for name in FIELDS}
    return FormCheck(
        valid={name: check.value for name, check in checks.items() if check.ok and check.value is not None},
        errors={name: check.error for name, check in checks.items() if check.error},
    )
