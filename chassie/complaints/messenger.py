"""Sending WhatsApp text to the complaint team and to citizens, behind a small interface."""

from __future__ import annotations

import logging
from typing import Protocol

from chassie.privacy import mask_phone

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message could not be delivered; `code` is the WhatsApp error code when there is one."""

    def __init__(self, message: str, code: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class Messenger(Protocol):
    """Sends a text message to a WhatsApp number (62…)."""

    async def send_text(self, to: str, body: str) -> None:
        """Send `body` to `to`; raise DeliveryError when it fails."""


class GraphMessenger:
    """Messenger over the WhatsApp Cloud API, configured by the WHATSAPP_* variables."""

    async def send_text(self, to: str, body: str) -> None:
        """Send `body` to `to` through the Graph API; raise DeliveryError when it fails."""
        from chassie.whatsapp.graph import GraphClient, GraphError, GraphPermanentError

        try:
            client = GraphClient.from_env()
        except ValueError as error:
            raise DeliveryError(f"WhatsApp client is not configured: {error}", permanent=True) from error
        try:
            async with client:
                await client.send_text(to, body)
        except GraphError as error:
            logger.warning("WhatsApp send to %s failed: code=%s %s", mask_phone(to), error.code, type(error).__name__)
            raise DeliveryError(
                str(error), code=error.code, permanent=isinstance(error, GraphPermanentError)
            ) from error
