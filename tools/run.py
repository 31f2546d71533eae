"""`make run`: start the whole assistant on this machine and say how to chat with it.

Without Meta credentials (WHATSAPP_ACCESS_TOKEN) the local WhatsApp sandbox is
started and the channel talks to it; without SICANTIK_BASE_URL and
SIMTTD_BASE_URL the local tracking sandbox answers status questions.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time

from tools.stack import (
    DEFAULT_PORTS,
    PROJECT_ROOT,
    SANDBOX_TEAM_NUMBER,
    StackConfig,
    StackError,
    build_stack,
)

logger = logging.getLogger("chassie.run")

CHECK_INTERVAL_SECONDS = 1.0


def _port(name: str) -> int:
    return int(os.environ.get(f"CHASSIE_{name.upper()}_PORT") or DEFAULT_PORTS[name])


def _config() -> StackConfig:
    ports = {name: _port(name) for name in DEFAULT_PORTS}
    has_meta_credentials = bool(os.environ.get("WHATSAPP_ACCESS_TOKEN"))
    has_tracking_endpoints = bool(os.environ.get("SICANTIK_BASE_URL") or os.environ.get("SIMTTD_BASE_URL"))
    return StackConfig(
        ports=ports,
        work_dir=PROJECT_ROOT / "var",
        database_url=os.environ.get("DATABASE_URL") or None,
        whatsapp_sandbox=not has_meta_credentials,
        tracking_sandbox=not has_tracking_endpoints,
    )


def _print_banner(config: StackConfig) -> None:
    rest_url = config.url("rasa", "/webhooks/rest/webhook")
    lines = ["", "Chassie is running.", ""]
    if config.whatsapp_sandbox:
        lines.append(f"  WhatsApp sandbox (chat in the browser): {config.url('whatsapp', '/')}")
        team = os.environ.get("COMPLAINT_TEAM_NUMBERS") or SANDBOX_TEAM_NUMBER
        lines.append(f"  Complaint team number(s) in the sandbox: {team}")
    else:
        webhook = config.url("rasa", "/webhooks/whatsapp/webhook")
        lines.append(f"  WhatsApp webhook: {webhook} (put your HTTPS reverse proxy in front of it)")
    lines += [
        f"  REST channel: curl -s {rest_url} -H 'Content-Type: application/json' \\",
        '                  -d \'{"sender": "6281234567890", "message": "halo"}\'',
    ]
    if config.tracking_sandbox:
        lines.append(f"  Tracking sandbox: {config.url('tracking', '/')} (try: 72 CSO.202212345678)")
    lines += [f"  Logs and databases: {config.work_dir}", "", "Press Ctrl+C to stop.", ""]
    print("\n".join(lines), flush=True)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    """Start every process, wait until one exits or Ctrl+C, then stop them all."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _config()
    stack = build_stack(config, echo=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack.start()
        _print_banner(config)
        while True:
            stack.check_running()
            time.sleep(CHECK_INTERVAL_SECONDS)
    except KeyboardInterrupt:
        return 0
    except StackError as error:
        logger.error("%s", error)
        return 1
    finally:
        # A second Ctrl+C must not leave half of the processes running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping Chassie...", flush=True)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
