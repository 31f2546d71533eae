"""The typed notification commands, template settings and change detection, without servers."""

from __future__ import annotations

import pytest

from chassie.notifications.commands import CommandKind, parse_subscription_command
from chassie.notifications.events import Snapshot, clean_parameter, decide_event, render_template
from chassie.notifications.models import EventKind
from chassie.notifications.settings import (
    NotificationSettingsError,
    NotifierSettings,
    TemplateSettings,
)
from chassie.tracking.models import ApplicationStatus, StatusCategory

KODE = "CSO.202212345678"


@pytest.mark.parametrize(
    ("text", "kind", "system", "kode"),
    [
        (f"langganan notifikasi 72 {KODE}", CommandKind.SUBSCRIBE, "sicantik", KODE),
        ("Langganan Notif 71 TTD-2023-000123", CommandKind.SUBSCRIBE, "simttd", "TTD-2023-000123"),
        (f"langganan notifikasi {KODE.lower()}", CommandKind.SUBSCRIBE, "sicantik", KODE),
        (f"mohon langganan notifikasi untuk kode 72 *{KODE}*.", CommandKind.SUBSCRIBE, "sicantik", KODE),
        (f"*langganan notifikasi* 72 {KODE}", CommandKind.SUBSCRIBE, "sicantik", KODE),
        (f"berlangganan pemberitahuan 72 {KODE}", CommandKind.SUBSCRIBE, "sicantik", KODE),
        ("langganan notifikasi", CommandKind.SUBSCRIBE, None, None),
        ("langganan notifikasi 72", CommandKind.SUBSCRIBE, "sicantik", None),
        ("berhenti notifikasi", CommandKind.UNSUBSCRIBE, None, None),
        ("Stop notif", CommandKind.UNSUBSCRIBE, None, None),
        ("batalkan langganan", CommandKind.UNSUBSCRIBE, None, None),
        (f"berhenti langganan notifikasi 72 {KODE}", CommandKind.UNSUBSCRIBE, "sicantik", KODE),
    ],
)
def test_command_recognised(text, kind, system, kode) -> None:
    command = parse_subscription_command(text)

    assert command is not None
    assert command.kind is kind
    assert command.system == system
    assert command.kode_pendaftaran == kode
    assert command.invalid_kode is False


@pytest.mark.parametrize(
    "text",
    [
        "halo",
        "72 CSO.202212345678",
        "apa itu langganan notifikasi",
        "berhenti",
        "notifikasi",
        "",
        None,
    ],
)
def test_other_text_is_not_command(text) -> None:
    assert parse_subscription_command(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "langganan notifikasi 72 ../../etc/passwd",
        "langganan notifikasi 72 CSO 2022 123",
        "langganan notifikasi !!!",
    ],
)
def test_invalid_code_flagged(text) -> None:
    command = parse_subscription_command(text)

    assert command is not None
    assert command.invalid_kode is True
    assert command.kode_pendaftaran is None


def test_command_intents_and_span() -> None:
    text = f"langganan notifikasi 72 *{KODE}*"

    command = parse_subscription_command(text)

    assert command.kind.intent == "notification_subscribe"
    assert CommandKind.UNSUBSCRIBE.intent == "notification_unsubscribe"
    start, end = command.kode_span
    assert text[start:end] == KODE


def application(category: StatusCategory, tahapan: str = "Verifikasi", status: str = "proses") -> ApplicationStatus:
    return ApplicationStatus(KODE, "sicantik", category, status, tahapan=tahapan, licence_type="Izin Reklame")


@pytest.mark.parametrize(
    ("previous", "current", "stages", "expected"),
    [
        (None, application(StatusCategory.IN_PROCESS), True, None),
        (None, application(StatusCategory.ISSUED), False, EventKind.ISSUED),
        (
            Snapshot("in_process", "proses", "Verifikasi"),
            application(StatusCategory.REJECTED),
            False,
            EventKind.REJECTED,
        ),
        (
            Snapshot("in_process", "proses", "Verifikasi"),
            application(StatusCategory.FINISHED),
            False,
            EventKind.FINISHED,
        ),
        (
            Snapshot("in_process", "proses", "Verifikasi"),
            application(StatusCategory.IN_PROCESS, "Survei"),
            False,
            None,
        ),
        (
            Snapshot("in_process", "proses", "Verifikasi"),
            application(StatusCategory.IN_PROCESS, "Survei"),
            True,
            EventKind.STAGE,
        ),
        (Snapshot("in_process", "proses", "Verifikasi"), application(StatusCategory.IN_PROCESS), True, None),
    ],
    ids=["baseline", "final-first", "rejected", "finished", "stage-off", "stage-on", "unchanged"],
)
def test_decide_event(previous, current, stages, expected) -> None:
    assert decide_event(previous, current, stages) is expected


def test_parameters_made_template_safe() -> None:
    assert clean_parameter("a\n\tb     c") == "a b c"
    assert clean_parameter("") == "-"
    assert clean_parameter(None) == "-"
    assert len(clean_parameter("x" * 1000)) == 300


def test_packaged_templates_load() -> None:
    templates = TemplateSettings.load({})

    assert templates.language_code == "id"
    assert set(templates.events) == set(EventKind)
    assert templates.events[EventKind.REJECTED].variables == ("kode_pendaftaran", "licence_type", "reason")
    assert templates.events[EventKind.STAGE].quick_replies == ("notif_stop",)


def test_template_env_overrides() -> None:
    templates = TemplateSettings.load(
        {"NOTIFIER_TEMPLATE_ISSUED": "izin_terbit_v2", "NOTIFIER_TEMPLATE_LANGUAGE": "en"}
    )

    rendered = render_template(templates, EventKind.ISSUED, application(StatusCategory.ISSUED))

    assert rendered.name == "izin_terbit_v2"
    assert rendered.language_code == "en"
    assert rendered.body_parameters == (KODE, "Izin Reklame")


def test_office_templates_file(tmp_path) -> None:
    path = tmp_path / "templates.yml"
    path.write_text(
        "language: id\nevents:\n  rejected:\n    template: tolak\n    variables: [reason, kode_pendaftaran]\n"
    )

    templates = TemplateSettings.load({"NOTIFIER_TEMPLATES_FILE": str(path)})

    assert set(templates.events) == {EventKind.REJECTED}
    assert render_template(templates, EventKind.ISSUED, application(StatusCategory.ISSUED)) is None


def test_unknown_template_variable_rejected(tmp_path) -> None:
    path = tmp_path / "templates.yml"
    path.write_text("events:\n  issued:\n    template: t\n    variables: [nik]\n")

    with pytest.raises(NotificationSettingsError, match="unknown"):
        TemplateSettings.load({"NOTIFIER_TEMPLATES_FILE": str(path)})


def test_missing_templates_file_named(tmp_path) -> None:
    with pytest.raises(NotificationSettingsError, match="NOTIFIER_TEMPLATES_FILE"):
        TemplateSettings.load({"NOTIFIER_TEMPLATES_FILE": str(tmp_path / "absent.yml")})


def test_notifier_settings_from_env() -> None:
    settings = NotifierSettings.from_env(
        {
            "NOTIFIER_POLL_INTERVAL": "120",
            "NOTIFIER_POLL_JITTER": "0.1",
            "NOTIFIER_MAX_CONCURRENT_LOOKUPS": "3",
            "NOTIFIER_NOTIFY_STAGES": "true",
            "NOTIFIER_PUSH_SECRET": "s3cret",
        }
    )

    assert settings.poll_interval_seconds == 120
    assert settings.poll_jitter == 0.1
    assert settings.max_concurrent_lookups == 3
    assert settings.notify_stages is True
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NOTIFIER_POLL_INTERVAL", "soon"),
        ("NOTIFIER_POLL_JITTER", "1.5"),
        ("NOTIFIER_MAX_CONCURRENT_LOOKUPS", "0"),
    ],
)
def test_invalid_notifier_setting_named(name, value) -> None:
    with pytest.raises(NotificationSettingsError, match=name):
        NotifierSettings.from_env({name: value})
