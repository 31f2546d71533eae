"""A small JSON-over-HTTP GET helper with timeouts, one retry and a size bound."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from chassie.tracking.models import TrackingUnavailable

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 2 * 1024 * 1024
RETRY_BACKOFF_SECONDS = 0.3
_CHUNK_BYTES = 16 * 1024

# Response statuses that mean "no such application" rather than "the service is broken".
NOT_FOUND_STATUSES = frozenset({404, 410})
# The code was refused as malformed by the service; for the citizen that is
# also "not found", so it is not counted against the breaker.
REJECTED_REQUEST_STATUSES = frozenset({400, 422})


@dataclass(frozen=True)
class HttpTimeouts:
    """Connect, read and whole-request limits in seconds."""

    connect: float = 2.0
    read: float = 4.0
    total: float = 6.0


class _Retryable(Exception):
    """A failure worth one more try: connection error or 5xx."""


class JsonHttpClient:
    """Sends GET requests to one service and returns decoded JSON.

    Redirects are not followed, so a response cannot send the request (and the
    token it carries) to another host. Proxy and .netrc settings from the
    environment are ignored for the same reason.
    """

    def __init__(
        self,
        service: str,
        timeouts: HttpTimeouts,
        headers: Mapping[str, str] | None = None,
        retries: int = 1,
        session: requests.Session | None = None,
    ) -> None:
        self.service = service
        self.timeouts = timeouts
        self.retries = retries
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._session = session or requests.Session()
        self._session.trust_env = False

    def get_json(self, url: str, params: Mapping[str, str], log_id: str) -> Any | None:
        """GET `url` with query `params`; return the JSON body, or None when the service reports not found.

        Raises TrackingUnavailable when the service times out, refuses the
        connection, returns 5xx twice, or sends something that is not JSON.
        """
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._get_once(url, params, log_id, started)
            except _Retryable as error:
                elapsed = time.monotonic() - started
                out_of_time = elapsed + RETRY_BACKOFF_SECONDS + self.timeouts.connect > self.timeouts.total
                if attempt > self.retries or out_of_time:
                    raise TrackingUnavailable(f"{self.service}: {error}") from error
                logger.info(
                    "tracking retry service=%s kode_pendaftaran=%s attempt=%d error=%s",
                    self.service,
                    log_id,
                    attempt + 1,
                    error,
                )
                time.sleep(RETRY_BACKOFF_SECONDS)

    def _get_once(self, url: str, params: Mapping[str, str], log_id: str, started: float) -> Any | None:
        try:
            response = self._session.get(
                url,
                params=params,
                headers=self._headers,
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
                stream=True,
            )
        except requests.exceptions.ConnectTimeout as error:
            raise _Retryable(f"connect timed out after {self.timeouts.connect}s") from error
        except requests.exceptions.ReadTimeout as error:
            # A slow service is not retried: a second wait would break the
            # promise of a reply within a few seconds.
            raise TrackingUnavailable(f"{self.service}: read timed out after {self.timeouts.read}s") from error
        except requests.exceptions.ConnectionError as error:
            raise _Retryable(f"connection failed: {type(error).__name__}") from error
        except requests.exceptions.RequestException as error:
            raise TrackingUnavailable(f"{self.service}: request failed: {type(error).__name__}") from error

        with response:
            return self._decode(response, log_id, started)

    def _decode(self, response: requests.Response, log_id: str, started: float) -> Any | None:
        status = response.status_code
        if status in NOT_FOUND_STATUSES:
            return None
        if status in REJECTED_REQUEST_STATUSES:
            logger.warning(
                "tracking request rejected service=%s kode_pendaftaran=%s http_status=%d",
                self.service,
                log_id,
                status,
            )
            return None
        if status >= 500:
            raise _Retryable(f"HTTP {status}")
        if status in (401, 403):
            raise TrackingUnavailable(f"{self.service}: HTTP {status}, check the API token setting")
        if status != 200:
            raise TrackingUnavailable(f"{self.service}: unexpected HTTP {status}")

        body = self._read_body(response, started)
        try:
            return json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise TrackingUnavailable(f"{self.service}: response is not valid JSON") from error

    def _read_body(self, response: requests.Response, started: float) -> bytes:
        chunks = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise TrackingUnavailable(f"{self.service}: response larger than {MAX_RESPONSE_BYTES} bytes")
                if time.monotonic() - started > self.timeouts.total:
                    raise TrackingUnavailable(f"{self.service}: response took longer than {self.timeouts.total}s")
                chunks.append(chunk)
        except requests.exceptions.RequestException as error:
            raise TrackingUnavailable(f"{self.service}: reading the response failed: {type(error).__name__}") from error
        return b"".join(chunks)
