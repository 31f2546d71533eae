"""Run the WhatsApp sandbox: `python -m sandbox.whatsapp`.

Settings: SANDBOX_WHATSAPP_PORT (default 5090), RASA_WEBHOOK_URL (the channel's
webhook), WHATSAPP_APP_SECRET (signs webhooks; must equal the channel's),
WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID (checked on send calls when set).
"""

from __future__ import annotations

import asyncio
import logging
import os

from sandbox.whatsapp.server import DEFAULT_APP_SECRET, DEFAULT_PORT, DEFAULT_WEBHOOK_URL, WhatsAppSandbox

logger = logging.getLogger("sandbox.whatsapp")


async def serve() -> None:
    """Start the sandbox from the environment and serve until interrupted."""
    app_secret = os.environ.get("WHATSAPP_APP_SECRET")
    if not app_secret:
        logger.warning("WHATSAPP_APP_SECRET is not set; signing with the sandbox default, set the same in the channel")
    sandbox = WhatsAppSandbox(
        webhook_url=os.environ.get("RASA_WEBHOOK_URL") or DEFAULT_WEBHOOK_URL,
        app_secret=app_secret or DEFAULT_APP_SECRET,
        access_token=os.environ.get("WHATSAPP_ACCESS_TOKEN") or None,
        phone_number_id=os.environ.get("WHATSAPP_PHONE_NUMBER_ID") or None,
    )
    port = int(os.environ.get("SANDBOX_WHATSAPP_PORT") or DEFAULT_PORT)
    await sandbox.start("127.0.0.1", port)
    print(f"WhatsApp sandbox: open {sandbox.url}/ to chat with the assistant", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main() -> None:
    """Entry point of `python -m sandbox.whatsapp`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
