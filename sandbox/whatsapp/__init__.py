"""WhatsApp sandbox: Graph API stand-in and chat page (`python -m sandbox.whatsapp`)."""

from sandbox.whatsapp.server import WhatsAppSandbox
from sandbox.whatsapp.thread import SandboxThread

__all__ = ["SandboxThread", "WhatsAppSandbox"]
