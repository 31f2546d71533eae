"""Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


def sign_body(app_secret: str, body: bytes) -> str:
    """Return the header value Meta would send for `body` under `app_secret`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def is_valid_signature(app_secret: str, body: bytes, header_value: str | None) -> bool:
    """Check a signature header against the raw body in constant time."""
    if not app_secret or not header_value or not header_value.startswith(SIGNATURE_PREFIX):
        return False
    expected = sign_body(app_secret, body)
    return hmac.compare_digest(expected.encode("ascii"), header_value.strip().encode("ascii", "replace"))
