"""Tracking settings read from the environment, and the clients built from them."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from chassie.tracking.client import TrackingClient
from chassie.tracking.codes import SICANTIK, SIMTTD
from chassie.tracking.fieldmap import (
    SICANTIK_DEFAULT_FIELDS,
    SIMTTD_DEFAULT_FIELDS,
    FieldMap,
    load_field_map,
)
from chassie.tracking.http import HttpTimeouts, JsonHttpClient
from chassie.tracking.resilience import CircuitBreaker, TtlCache
from chassie.tracking.sicantik import SiCantikClient
from chassie.tracking.simttd import SimTtdClient

logger = logging.getLogger(__name__)

DEFAULT_SICANTIK_TEMPLATE_ID = "1"
DEFAULT_CONNECT_TIMEOUT_SECONDS = 2.0
DEFAULT_READ_TIMEOUT_SECONDS = 4.0
DEFAULT_TOTAL_TIMEOUT_SECONDS = 6.0
DEFAULT_CACHE_TTL_SECONDS = 60.0
DEFAULT_BREAKER_FAILURES = 3
DEFAULT_BREAKER_RESET_SECONDS = 30.0

_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class TrackingSettingsError(ValueError):
    """A tracking setting in the environment is invalid."""


@dataclass(frozen=True)
class TrackingSettings:
    """Endpoints, credentials, field maps and limits of the two tracking systems."""

    sicantik_base_url: str | None
    sicantik_template_id: str
    sicantik_field_map: FieldMap
    simttd_base_url: str | None
    simttd_api_token: str | None
    simttd_field_map: FieldMap
    timeouts: HttpTimeouts
    cache_ttl_seconds: float
    breaker_failures: int
    breaker_reset_seconds: float

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TrackingSettings:
        """Read every setting; raise TrackingSettingsError naming the variable that is invalid."""
        env = os.environ if environ is None else environ

        template_id = env.get("SICANTIK_TEMPLATE_ID") or DEFAULT_SICANTIK_TEMPLATE_ID
        if not _TEMPLATE_ID.fullmatch(template_id):
            raise TrackingSettingsError("SICANTIK_TEMPLATE_ID may contain only letters, digits, '-' and '_'")

        return cls(
            sicantik_base_url=_base_url(env, "SICANTIK_BASE_URL"),
            sicantik_template_id=template_id,
            sicantik_field_map=load_field_map(
                env.get("SICANTIK_FIELD_MAP"),
                SICANTIK_DEFAULT_FIELDS,
                "SICANTIK_FIELD_MAP",
            ),
            simttd_base_url=_base_url(env, "SIMTTD_BASE_URL"),
            simttd_api_token=env.get("SIMTTD_API_TOKEN") or None,
            simttd_field_map=load_field_map(env.get("SIMTTD_FIELD_MAP"), SIMTTD_DEFAULT_FIELDS, "SIMTTD_FIELD_MAP"),
            timeouts=HttpTimeouts(
                connect=_positive(env, "TRACKING_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_SECONDS),
                read=_positive(env, "TRACKING_READ_TIMEOUT", DEFAULT_READ_TIMEOUT_SECONDS),
                total=_positive(env, "TRACKING_TOTAL_TIMEOUT", DEFAULT_TOTAL_TIMEOUT_SECONDS),
            ),
            cache_ttl_seconds=_positive(env, "TRACKING_CACHE_TTL", DEFAULT_CACHE_TTL_SECONDS, allow_zero=True),
            breaker_failures=int(_positive(env, "TRACKING_BREAKER_FAILURES", DEFAULT_BREAKER_FAILURES)),
            breaker_reset_seconds=_positive(env, "TRACKING_BREAKER_RESET", DEFAULT_BREAKER_RESET_SECONDS),
        )


def build_clients(settings: TrackingSettings) -> dict[str, TrackingClient]:
    """Create a client for each system whose base URL is configured."""
    clients: dict[str, TrackingClient] = {}

    if settings.sicantik_base_url:
        clients[SICANTIK] = SiCantikClient(
            base_url=settings.sicantik_base_url,
            template_id=settings.sicantik_template_id,
            field_map=settings.sicantik_field_map,
            http=JsonHttpClient(SICANTIK, settings.timeouts),
            cache=TtlCache(settings.cache_ttl_seconds),
            breaker=CircuitBreaker(SICANTIK, settings.breaker_failures, settings.breaker_reset_seconds),
        )
    else:
        logger.warning(
            "tracking system not configured system=%s setting=SICANTIK_BASE_URL",
            SICANTIK,
        )

    if settings.simttd_base_url:
        if not settings.simttd_api_token:
            logger.warning("tracking token missing system=%s setting=SIMTTD_API_TOKEN", SIMTTD)
        headers = {"Authorization": f"Bearer {settings.simttd_api_token}"} if settings.simttd_api_token else {}
        clients[SIMTTD] = SimTtdClient(
            base_url=settings.simttd_base_url,
            field_map=settings.simttd_field_map,
            http=JsonHttpClient(SIMTTD, settings.timeouts, headers=headers),
            cache=TtlCache(settings.cache_ttl_seconds),
            breaker=CircuitBreaker(SIMTTD, settings.breaker_failures, settings.breaker_reset_seconds),
        )
    else:
        logger.warning("tracking system not configured system=%s setting=SIMTTD_BASE_URL", SIMTTD)

    return clients


def _base_url(env: Mapping[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TrackingSettingsError(f"{name} must be an http(s) URL with a host, got {value!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise TrackingSettingsError(f"{name} must not contain credentials, a query or a fragment")
    return value.rstrip("/")


def _positive(env: Mapping[str, str], name: str, default: float, allow_zero: bool = False) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise TrackingSettingsError(f"{name} must be a number of seconds or a count, got {raw!r}") from error
    if value < 0 or (value == 0 and not allow_zero):
        raise TrackingSettingsError(f"{name} must be greater than zero, got {raw!r}")
    return value
