"""WhatsApp Cloud API channel for Rasa: webhook at `/webhooks/whatsapp/webhook`.

The POST handler checks Meta's signature, returns 200 at once and hands the
delivery to `chassie.whatsapp.processing.WebhookProcessor`, which feeds the bot
in the background. Register it in credentials.yml as `connectors.whatsapp.WhatsAppInput`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from chassie.whatsapp.graph import GraphClient
from chassie.whatsapp.inbound import InboundMessage, WebhookPayloadError, parse_delivery
from chassie.whatsapp.processing import WebhookProcessor
from chassie.whatsapp.render import render_bot_message
from chassie.whatsapp.settings import ChannelSettings
from chassie.whatsapp.signature import SIGNATURE_HEADER, is_valid_signature
from chassie.whatsapp.store import DeliveryStatusStore, MessageIdStore, utcnow

logger = logging.getLogger(__name__)

CHANNEL_NAME = "whatsapp"
SHUTDOWN_DRAIN_SECONDS = 20


class WhatsAppOutput(OutputChannel):
    """Sends Rasa bot messages through the Graph API, rendered for WhatsApp."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name stored in trackers."""
        return CHANNEL_NAME

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send one bot message; a GraphError propagates so the caller sees the failure."""
        for body in render_bot_message(message):
            await self.client.send_message(recipient_id, body)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text, split at 4096 characters."""
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text with reply buttons (up to 3) or an interactive list."""
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send an image by its public URL."""
        await self.send_response(recipient_id, {"image": image})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Send a `{"whatsapp_template": {...}}` custom message as a template."""
        await self.send_response(recipient_id, {"custom": json_message})


class WhatsAppInput(InputChannel):
    """Receives Cloud API webhooks and passes each message to the bot once, in order per sender."""

    @classmethod
    def name(cls) -> str:
        """Return the URL prefix: the webhook lives at /webhooks/whatsapp/webhook."""
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Build the channel from credentials.yml, reading absent keys from WHATSAPP_* variables."""
        return cls(ChannelSettings.from_credentials(credentials))

    def __init__(
        self,
        settings: ChannelSettings,
        message_ids: MessageIdStore | None = None,
        statuses: DeliveryStatusStore | None = None,
    ) -> None:
        self.settings = settings
        self.message_ids = message_ids or MessageIdStore()
        self.statuses = statuses or DeliveryStatusStore()
        self.client: GraphClient | None = None
        self._processor: WebhookProcessor | None = None
        self._recovery: asyncio.Future[int] | None = None
        missing = settings.missing_variables()
        if missing:
            logger.error("WhatsApp channel is disabled until these are set: %s", ", ".join(missing))
        else:
            self.client = GraphClient(
                settings.access_token,
                settings.phone_number_id,
                base_url=settings.api_base_url,
                api_version=settings.api_version,
            )
            logger.info("WhatsApp channel sends through %s", self.client.messages_url)

    def get_output_channel(self) -> OutputChannel | None:
        """Return an output channel for messages the bot sends unprompted (reminders, relays)."""
        return WhatsAppOutput(self.client) if self.client else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Define the health, verification and webhook routes."""
        webhook = Blueprint("whatsapp_webhook", __name__)
        processor = self._processor = self._make_processor(on_new_message)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if processor else "missing configuration"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._verify(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self._receive(request, processor)

        @webhook.listener("after_server_start")
        async def recover_unfinished_messages(*_: Any) -> None:
            # Messages a stopped server accepted but never answered; Meta will not resend them.
            if processor is not None:
                self._recovery = asyncio.ensure_future(processor.recover(started_at=utcnow()))

        @webhook.listener("before_server_stop")
        async def finish_accepted_messages(*_: Any) -> None:
            # Meta got 200 for these, so it will not redeliver them: finish them before stopping.
            if processor is not None:
                try:
                    await asyncio.wait_for(processor.drain(), SHUTDOWN_DRAIN_SECONDS)
                except asyncio.TimeoutError:
                    logger.error("Stopped with WhatsApp messages still in progress after %d s", SHUTDOWN_DRAIN_SECONDS)

        @webhook.listener("after_server_stop")
        async def close_client(*_: Any) -> None:
            if self.client is not None:
                await self.client.close()

        return webhook

    def _make_processor(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> WebhookProcessor | None:
        client = self.client
        if client is None:
            return None

        async def deliver(message: InboundMessage) -> None:
            await on_new_message(
                UserMessage(
                    text=message.text,
                    output_channel=WhatsAppOutput(client),
                    sender_id=message.sender,
                    input_channel=CHANNEL_NAME,
                    message_id=message.message_id,
                    metadata=message_metadata(message),
                )
            )

        return WebhookProcessor(client, deliver, self.message_ids, self.statuses, self.settings.mark_read)

    def _verify(self, request: Request) -> HTTPResponse:
        mode = request.args.get("hub.mode")
        token = request.args.get("hub.verify_token")
        challenge = request.args.get("hub.challenge", "")
        if mode == "subscribe" and self.settings.verify_token and token == self.settings.verify_token:
            logger.info("WhatsApp webhook verified")
            return response.text(challenge)
        logger.warning("Rejected WhatsApp webhook verification (mode %r)", mode)
        return response.text("forbidden", status=403)

    def _receive(self, request: Request, processor: WebhookProcessor | None) -> HTTPResponse:
        if processor is None:
            logger.error("WhatsApp webhook received but the channel is missing configuration")
            return response.json({"error": "channel not configured"}, status=503)

        body = request.body or b""
        if len(body) > self.settings.max_body_bytes:
            logger.warning("Rejected WhatsApp webhook of %d bytes", len(body))
            return response.json({"error": "body too large"}, status=413)

        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            logger.warning("Rejected WhatsApp webhook without %s header", SIGNATURE_HEADER)
            return response.json({"error": "missing signature"}, status=401)
        if not is_valid_signature(self.settings.app_secret, body, header):
            logger.warning("Rejected WhatsApp webhook with an invalid signature")
            return response.json({"error": "invalid signature"}, status=403)

        try:
            delivery = parse_delivery(json.loads(body))
        except (ValueError, WebhookPayloadError) as error:
            logger.warning("Rejected WhatsApp webhook: %s", error)
            return response.json({"error": "invalid payload"}, status=400)

        if delivery.ignored_fields:
            logger.info("Ignored WhatsApp webhook fields: %s", ", ".join(delivery.ignored_fields))
        processor.accept(delivery)
        return response.json({"status": "accepted"})


def message_metadata(message: InboundMessage) -> Dict[str, Any]:
    """Return the metadata stored with the user message in the tracker."""
    return {
        "channel": CHANNEL_NAME,
        "profile_name": message.profile_name,
        "whatsapp_message_id": message.message_id,
        "whatsapp_message_type": message.type,
        "whatsapp_context_message_id": message.context_message_id,
        "whatsapp_phone_number_id": message.phone_number_id,
    }
