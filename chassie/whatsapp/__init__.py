"""WhatsApp Cloud API support that needs no Rasa: webhook parsing, Graph API client, storage."""
