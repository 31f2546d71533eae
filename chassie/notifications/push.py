"""The push endpoint: office systems that can push a status change POST it here.

`POST /push` with a JSON body and `X-Chassie-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body under NOTIFIER_PUSH_SECRET (the same scheme as
Meta's webhook signature). The status goes through the same pipeline as a
polled one, so a push repeated or racing a poll queues one notification.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from chassie.notifications.poller import Notifier
from chassie.tracking.codes import normalise_kode, normalise_system
from chassie.tracking.models import ApplicationStatus, StatusCategory
from chassie.tracking.status import classify_status
from chassie.whatsapp.signature import is_valid_signature, sign_body

logger = logging.getLogger(__name__)

PUSH_SIGNATURE_HEADER = "X-Chassie-Signature"
MAX_PUSH_BODY_BYTES = 64 * 1024
MAX_FIELD_CHARS = 500

StatusOverrides = Mapping[str, Mapping[str, StatusCategory]]


class PushPayloadError(ValueError):
    """A pushed body is not a valid status change; the message says which field."""


@dataclass(frozen=True)
class PushResult:
    """How a push was handled."""

    subscriptions: int
    notifications: int


def sign_push_body(secret: str, body: bytes) -> str:
    """Return the X-Chassie-Signature value for `body` under `secret`."""
    return sign_body(secret, body)


def is_valid_push_signature(secret: str, body: bytes, header_value: str | None) -> bool:
    """Check the X-Chassie-Signature header against the raw body in constant time."""
    return is_valid_signature(secret, body, header_value)


def _optional_text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PushPayloadError(f"'{name}' must be a string")
    return value.strip()[:MAX_FIELD_CHARS] or None


def parse_push(data: Any, status_overrides: StatusOverrides | None = None) -> ApplicationStatus:
    """Turn a pushed JSON object into an application status.

    Required: `system` ("simttd"/"sicantik" or "71"/"72"), `kode_pendaftaran`
    and `status` (the system's own status word, classified like a looked-up
    one). Optional: `tahapan`, `keterangan` (the reason of a rejection) and
    `jenis_izin`.
    """
    if not isinstance(data, Mapping):
        raise PushPayloadError("body must be a JSON object")
    system = normalise_system(str(data.get("system") or ""))
    if system is None:
        raise PushPayloadError("'system' must be simttd, sicantik, 71 or 72")
    kode = normalise_kode(str(data.get("kode_pendaftaran") or ""))
    if kode is None:
        raise PushPayloadError("'kode_pendaftaran' is missing or not a valid registration code")
    status_text = _optional_text(data, "status")
    if not status_text:
        raise PushPayloadError("'status' is required")

    overrides = (status_overrides or {}).get(system)
    return ApplicationStatus(
        kode_pendaftaran=kode,
        system=system,
        category=classify_status(status_text, overrides),
        status_text=status_text,
        tahapan=_optional_text(data, "tahapan"),
        licence_type=_optional_text(data, "jenis_izin"),
        reason=_optional_text(data, "keterangan"),
    )


def make_push_app(notifier: Notifier, secret: str, status_overrides: StatusOverrides | None = None) -> web.Application:
    """Build the notifier's HTTP app: `GET /health` and `POST /push`."""
    app = web.Application(client_max_size=MAX_PUSH_BODY_BYTES)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "push_enabled": bool(secret)})

    async def push(request: web.Request) -> web.Response:
        if not secret:
            logger.warning("notification push rejected: NOTIFIER_PUSH_SECRET is not set")
            return web.json_response({"error": "push endpoint disabled"}, status=503)
        if request.content_length is not None and request.content_length > MAX_PUSH_BODY_BYTES:
            return web.json_response({"error": "body too large"}, status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": "body too large"}, status=413)

        if not is_valid_push_signature(secret, body, request.headers.get(PUSH_SIGNATURE_HEADER)):
            logger.warning("notification push rejected: invalid signature remote=%s", request.remote)
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            application = parse_push(json.loads(body), status_overrides)
        except (ValueError, UnicodeDecodeError) as error:
            # json.JSONDecodeError and PushPayloadError are both ValueErrors.
            return web.json_response({"error": f"invalid push: {error}"}, status=400)

        results = await notifier.observe(application)
        result = PushResult(
            subscriptions=len([r for r in results if not r.skipped]),
            notifications=len([r for r in results if r.notification_id is not None]),
        )
        logger.info(
            "notification push system=%s kode_pendaftaran=%s category=%s subscriptions=%d notifications=%d",
            application.system,
            application.kode_pendaftaran,
            application.category.value,
            result.subscriptions,
            result.notifications,
        )
        return web.json_response({"subscriptions": result.subscriptions, "notifications": result.notifications})

    app.router.add_get("/health", health)
    app.router.add_post("/push", push)
    return app
