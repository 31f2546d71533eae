"""Async client for the WhatsApp Cloud API (Graph API `/messages`), usable inside and outside Rasa.

Use it as `async with GraphClient.from_env() as client: await client.send_text(to, body)`,
or call `await client.close()` when done. The access token is only ever put in
the Authorization header; it is never logged, and recipients are logged masked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from typing import Any, Mapping, Sequence

import aiohttp

from chassie.privacy import mask_phone
from chassie.whatsapp.render import (
    LIST_BUTTON_LABEL,
    Choice,
    as_choices,
    buttons_message,
    list_message,
    split_text,
    template_message,
    text_message,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0

# Graph error codes that mean "slow down" or "try again later" even when the
# HTTP status is 4xx: API throttling (4, 80007, 130429), pair and spam rate
# limits (131056, 131048), temporary service errors (1, 2, 131000, 131016, 133004).
TRANSIENT_ERROR_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})


class GraphError(Exception):
    """A Graph API call failed."""

    def __init__(self, message: str, code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class GraphPermanentError(GraphError):
    """A call that retrying cannot fix, e.g. 131047 (the 24-hour window is closed) or a bad request."""


class GraphTransientError(GraphError):
    """A call that still failed with a timeout, 429 or 5xx after every retry."""


class GraphClient:
    """Sends messages and read receipts through one WhatsApp business phone number."""

    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        base_url: str = DEFAULT_API_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
    ) -> None:
        if not access_token:
            raise ValueError("WhatsApp access token is missing (set WHATSAPP_ACCESS_TOKEN)")
        if not phone_number_id:
            raise ValueError("WhatsApp phone number id is missing (set WHATSAPP_PHONE_NUMBER_ID)")
        self._access_token = access_token
        self.phone_number_id = phone_number_id
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version.strip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> GraphClient:
        """Build a client from the WHATSAPP_* variables: token, phone number id, API base URL, version."""
        env = os.environ if environ is None else environ
        settings: dict[str, Any] = {
            "access_token": env.get("WHATSAPP_ACCESS_TOKEN", ""),
            "phone_number_id": env.get("WHATSAPP_PHONE_NUMBER_ID", ""),
            "base_url": env.get("WHATSAPP_API_BASE_URL") or DEFAULT_API_BASE_URL,
            "api_version": env.get("WHATSAPP_API_VERSION") or DEFAULT_API_VERSION,
        }
        settings.update(overrides)
        return cls(**settings)

    def __repr__(self) -> str:
        return f"GraphClient(base_url={self.base_url!r}, phone_number_id={self.phone_number_id!r})"

    @property
    def messages_url(self) -> str:
        """URL of the `/messages` endpoint of this phone number."""
        return f"{self.base_url}/{self.api_version}/{self.phone_number_id}/messages"

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session; the client opens a new one if it is used again."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        # Created lazily so that it belongs to the event loop that uses it.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {self._access_token}"},
            )
        return self._session

    async def send_message(self, to: str, message: Mapping[str, Any]) -> str:
        """Send one rendered message body (see `chassie.whatsapp.render`) and return its wamid."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        response = await self._post(payload, recipient=to)
        try:
            message_id = str(response["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as error:
            raise GraphPermanentError("Graph API response has no message id") from error
        logger.info("Sent WhatsApp %s message %s to %s", message.get("type"), message_id, mask_phone(to))
        return message_id

    async def send_text(self, to: str, body: str, preview_url: bool = False) -> str:
        """Send a text, split into messages of at most 4096 characters, and return the last wamid."""
        parts = split_text(body)
        if not parts:
            raise ValueError("cannot send an empty text message")
        message_id = ""
        for part in parts:
            message_id = await self.send_message(to, text_message(part, preview_url))
        return message_id

    async def send_buttons(
        self,
        to: str,
        body: str,
        buttons: Sequence[Choice | Mapping[str, Any]],
        header: str | None = None,
        footer: str | None = None,
    ) -> str:
        """Send up to 3 reply buttons (choices, `{id, title}` or Rasa buttons) and return the wamid."""
        return await self.send_message(to, buttons_message(body, as_choices(buttons), header, footer))

    async def send_list(
        self,
        to: str,
        body: str,
        rows: Sequence[Choice | Mapping[str, Any]],
        button_label: str = LIST_BUTTON_LABEL,
        header: str | None = None,
        footer: str | None = None,
        section_title: str | None = None,
    ) -> str:
        """Send an interactive list of up to 10 rows (choices, `{id, title, description}` or Rasa buttons)."""
        return await self.send_message(
            to, list_message(body, as_choices(rows), button_label, header, footer, section_title)
        )

    async def send_template(
        self,
        to: str,
        name: str,
        language_code: str,
        body_parameters: Sequence[str] = (),
        quick_reply_payloads: Sequence[str] = (),
    ) -> str:
        """Send an approved template (allowed outside the 24-hour window) and return the wamid."""
        return await self.send_message(to, template_message(name, language_code, body_parameters, quick_reply_payloads))

    async def mark_read(self, message_id: str) -> None:
        """Mark an incoming message as read (the user sees blue ticks)."""
        await self._post({"messaging_product": "whatsapp", "status": "read", "message_id": message_id})

    async def _post(self, payload: Mapping[str, Any], recipient: str | None = None) -> dict[str, Any]:
        """POST to `/messages`, retrying timeouts, 429, 5xx and throttling codes with exponential backoff."""
        last_error: GraphError | None = None
        for attempt in range(1, self.max_attempts + 1):
            retry_after: float | None = None
            try:
                # NOTE: a timeout after Meta accepted the message makes the retry send it twice;
                # the Cloud API has no idempotency key to prevent that.
                async with self._get_session().post(self.messages_url, json=payload) as response:
                    body = await _json_or_empty(response)
                    if response.status < 400:
                        return body
                    last_error = _error_from_response(response.status, body)
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                last_error = GraphTransientError(f"Graph API request failed: {type(error).__name__}")

            if isinstance(last_error, GraphPermanentError):
                logger.warning(
                    "Graph API rejected a message to %s: HTTP %s, code %s (%s)",
                    mask_phone(recipient),
                    last_error.http_status,
                    last_error.code,
                    last_error,
                )
                raise last_error
            if attempt < self.max_attempts:
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                logger.info(
                    "Graph API call to %s failed (HTTP %s, code %s), retry %d/%d in %.1f s",
                    mask_phone(recipient),
                    last_error.http_status,
                    last_error.code,
                    attempt,
                    self.max_attempts - 1,
                    delay,
                )
                await asyncio.sleep(delay)

        assert last_error is not None
        logger.error(
            "Graph API call to %s failed after %d attempts: HTTP %s, code %s (%s)",
            mask_phone(recipient),
            self.max_attempts,
            last_error.http_status,
            last_error.code,
            last_error,
        )
        raise GraphTransientError(str(last_error), last_error.code, last_error.http_status)

    def _backoff(self, attempt: int) -> float:
        delay = self.backoff_seconds * (2 ** (attempt - 1))
        return min(MAX_BACKOFF_SECONDS, delay * random.uniform(0.8, 1.2))


async def _json_or_empty(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return body if isinstance(body, dict) else {}


def _error_from_response(http_status: int, body: Mapping[str, Any]) -> GraphError:
    error = body.get("error") if isinstance(body.get("error"), Mapping) else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    message = str(error.get("message") or f"HTTP {http_status}")
    if http_status == 429 or http_status >= 500 or code in TRANSIENT_ERROR_CODES:
        return GraphTransientError(message, code, http_status)
    return GraphPermanentError(message, code, http_status)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(MAX_BACKOFF_SECONDS, max(0.0, float(value)))
    except ValueError:
        return None
