"""Settings of the WhatsApp channel, from credentials.yml with the environment as fallback."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from chassie.whatsapp.graph import DEFAULT_API_BASE_URL, DEFAULT_API_VERSION

# Meta's webhook deliveries are a few kilobytes; anything near this size is not one.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024

# credentials.yml key -> environment variable used when the key is absent or empty.
ENVIRONMENT_VARIABLES = {
    "verify_token": "WHATSAPP_VERIFY_TOKEN",
    "app_secret": "WHATSAPP_APP_SECRET",
    "access_token": "WHATSAPP_ACCESS_TOKEN",
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "api_base_url": "WHATSAPP_API_BASE_URL",
    "api_version": "WHATSAPP_API_VERSION",
}
REQUIRED_KEYS = ("verify_token", "app_secret", "access_token", "phone_number_id")


@dataclass(frozen=True)
class ChannelSettings:
    """Everything the channel needs to receive webhooks and call the Graph API."""

    verify_token: str
    app_secret: str
    access_token: str
    phone_number_id: str
    api_base_url: str = DEFAULT_API_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    mark_read: bool = True

    def __repr__(self) -> str:
        # Keeps the secrets out of tracebacks and debug logs.
        return (
            f"ChannelSettings(api_base_url={self.api_base_url!r}, api_version={self.api_version!r}, "
            f"phone_number_id={self.phone_number_id!r})"
        )

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> ChannelSettings:
        """Read the channel's section of credentials.yml, filling absent keys from WHATSAPP_* variables."""
        credentials = credentials or {}
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for key, variable in ENVIRONMENT_VARIABLES.items():
            values[key] = str(credentials.get(key) or env.get(variable) or "").strip()
        return cls(
            verify_token=values["verify_token"],
            app_secret=values["app_secret"],
            access_token=values["access_token"],
            phone_number_id=values["phone_number_id"],
            api_base_url=values["api_base_url"] or DEFAULT_API_BASE_URL,
            api_version=values["api_version"] or DEFAULT_API_VERSION,
            max_body_bytes=int(credentials.get("max_body_bytes") or DEFAULT_MAX_BODY_BYTES),
            mark_read=bool(credentials.get("mark_read", True)),
        )

    def missing_variables(self) -> list[str]:
        """Return the environment variables of the required settings that are empty."""
        return [ENVIRONMENT_VARIABLES[key] for key in REQUIRED_KEYS if not getattr(self, key)]
