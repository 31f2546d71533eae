"""Start and stop the assistant's processes together.

`make run` uses this to start the rasa server, the action server and the local
sandboxes with their logs in one terminal. The end-to-end tests and the
benchmark use it to run the same processes on free ports.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Dict, List, Optional

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "chassie.tar.gz"

HEALTH_POLL_SECONDS = 0.3
STOP_GRACE_SECONDS = 10

# Fixed ports of `make run`; tests and benchmarks pick free ones instead.
DEFAULT_PORTS = {
    "rasa": 5005,
    "actions": 5055,
    "tracking": 5080,
    "whatsapp": 5090,
    "notifier": 5070,
}

# The complaint team's number in the sandbox: switch the sandbox page to this
# number to receive new tickets and reply to them with #balas and #selesai.
SANDBOX_TEAM_NUMBER = "6281999000001"

# Credentials the WhatsApp sandbox and the channel share when no real Meta
# app is configured. They protect nothing: the sandbox only listens on loopback.
SANDBOX_WHATSAPP_ENV = {
    "WHATSAPP_VERIFY_TOKEN": "sandbox-verify-token",
    "WHATSAPP_ACCESS_TOKEN": "sandbox-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
    "WHATSAPP_API_VERSION": "v21.0",
}


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Service:
    """One process of the stack and the URL that responds once it is ready."""

    name: str
    argv: List[str]
    health_url: str
    env: Dict[str, str] = field(default_factory=dict)
    startup_timeout: float = 120.0
    process: Optional[subprocess.Popen] = None
    log_path: Optional[Path] = None


class StackError(RuntimeError):
    """A process of the stack failed to start or exited."""


def _is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _pipe_with_prefix(stream: IO[bytes], prefix: str, sink: IO[str]) -> None:
    for raw in iter(stream.readline, b""):
        sink.write(f"{prefix} {raw.decode('utf-8', 'replace').rstrip()}\n")
        sink.flush()


class Stack:
    """The assistant's processes, started in order and stopped together."""

    def __init__(self, log_dir: Optional[Path] = None, echo: bool = False) -> None:
        """Create an empty stack; `echo` prints the logs, else they go to `log_dir`."""
        self.services: List[Service] = []
        self.echo = echo
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="chassie-stack-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._threads: List[threading.Thread] = []

    def add(self, service: Service) -> Service:
        """Register a service to start with the others."""
        self.services.append(service)
        return service

    def start(self) -> None:
        """Start every service in order, each after the previous one is healthy."""
        for service in self.services:
            self._start_one(service)

    def _start_one(self, service: Service) -> None:
        env = {**os.environ, **service.env}
        if self.echo:
            process = subprocess.Popen(
                service.argv,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            thread = threading.Thread(
                target=_pipe_with_prefix,
                args=(process.stdout, f"[{service.name:>8}]", sys.stdout),
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        else:
            service.log_path = self.log_dir / f"{service.name}.log"
            with service.log_path.open("wb") as log_file:
                process = subprocess.Popen(
                    service.argv,
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
        service.process = process
        self._wait_healthy(service)
        logger.info("%s is up (%s)", service.name, service.health_url)

    def _wait_healthy(self, service: Service) -> None:
        deadline = time.monotonic() + service.startup_timeout
        while time.monotonic() < deadline:
            if service.process is not None and service.process.poll() is not None:
                raise StackError(
                    f"{service.name} exited with code {service.process.returncode} while starting"
                    + self._log_tail(service)
                )
            if _is_healthy(service.health_url):
                return
            time.sleep(HEALTH_POLL_SECONDS)
        raise StackError(
            f"{service.name} did not respond at {service.health_url} within "
            f"{service.startup_timeout:.0f} s" + self._log_tail(service)
        )

    @staticmethod
    def _log_tail(service: Service, lines: int = 30) -> str:
        if service.log_path is None or not service.log_path.exists():
            return ""
        tail = service.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"; last lines of {service.log_path}:\n" + "\n".join(tail)

    def check_running(self) -> None:
        """Raise StackError if a started service has exited."""
        for service in self.services:
            if service.process is not None and service.process.poll() is not None:
                raise StackError(f"{service.name} exited with code {service.process.returncode}")

    def stop(self) -> None:
        """Stop the services in reverse order: SIGTERM, then SIGKILL after a grace period."""
        for service in reversed(self.services):
            process = service.process
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop within %s s; killing it", service.name, STOP_GRACE_SECONDS)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class StackConfig:
    """Ports, paths and environment of one assistant stack."""

    ports: Dict[str, int]
    work_dir: Path
    model: Path = DEFAULT_MODEL
    database_url: Optional[str] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    whatsapp_sandbox: bool = True
    tracking_sandbox: bool = True

    @classmethod
    def on_free_ports(cls, work_dir: Optional[Path] = None, **kwargs: object) -> StackConfig:
        """Create a config whose every port is a free ephemeral one (for tests and benchmarks)."""
        ports = {name: free_port() for name in DEFAULT_PORTS}
        work_dir = work_dir or Path(tempfile.mkdtemp(prefix="chassie-run-"))
        return cls(ports=ports, work_dir=work_dir, **kwargs)  # type: ignore[arg-type]

    def url(self, name: str, path: str = "") -> str:
        """Return the loopback URL of a service's port."""
        return f"http://127.0.0.1:{self.ports[name]}{path}"


def write_endpoints(config: StackConfig) -> Path:
    """Write an endpoints file that points at this stack's action server and tracker store."""
    path = config.work_dir / "endpoints.yml"
    path.write_text(
        "action_endpoint:\n"
        f'  url: "{config.url("actions", "/webhook")}"\n'
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f"  db: {config.work_dir / 'tracker.db'}\n",
        encoding="utf-8",
    )
    return path


def stack_environment(config: StackConfig) -> Dict[str, str]:
    """Build the environment every process of the stack shares."""
    env: Dict[str, str] = {
        "PYTHONPATH": str(PROJECT_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "DATABASE_URL": config.database_url or f"sqlite:///{config.work_dir / 'chassie.db'}",
    }
    if config.whatsapp_sandbox:
        env.update(SANDBOX_WHATSAPP_ENV)
        env["WHATSAPP_APP_SECRET"] = os.environ.get("WHATSAPP_APP_SECRET") or secrets.token_hex(16)
        env["WHATSAPP_API_BASE_URL"] = config.url("whatsapp")
        env["SANDBOX_WHATSAPP_PORT"] = str(config.ports["whatsapp"])
        env["RASA_WEBHOOK_URL"] = config.url("rasa", "/webhooks/whatsapp/webhook")
        env["COMPLAINT_TEAM_NUMBERS"] = os.environ.get("COMPLAINT_TEAM_NUMBERS") or SANDBOX_TEAM_NUMBER
    if config.tracking_sandbox:
        env["SANDBOX_TRACKING_PORT"] = str(config.ports["tracking"])
        env["SICANTIK_BASE_URL"] = config.url("tracking", "/sicantik")
        env["SIMTTD_BASE_URL"] = config.url("tracking", "/simttd")
        env.setdefault("SICANTIK_TEMPLATE_ID", "sandbox")
        env.setdefault("SIMTTD_API_TOKEN", "sandbox-simttd-token")
    env.update(config.extra_env)
    return env


def build_stack(config: StackConfig, echo: bool = False) -> Stack:
    """Assemble the processes of the assistant for `config` (not started yet)."""
    from chassie.db import upgrade_schema

    config.work_dir.mkdir(parents=True, exist_ok=True)
    env = stack_environment(config)
    upgrade_schema(env["DATABASE_URL"])
    endpoints = write_endpoints(config)
    python = str(VENV_BIN / "python")
    rasa = str(VENV_BIN / "rasa")

    stack = Stack(log_dir=config.work_dir / "logs", echo=echo)
    if config.tracking_sandbox:
        stack.add(
            Service(
                "tracking",
                [python, "-m", "sandbox.tracking"],
                config.url("tracking", "/"),
                env,
                startup_timeout=30,
            )
        )
    stack.add(
        Service(
            "actions",
            [rasa, "run", "actions", "--actions", "actions", "--port", str(config.ports["actions"])],
            config.url("actions", "/health"),
            # rasa-sdk listens on all interfaces unless SANIC_HOST names one.
            {**env, "SANIC_HOST": "127.0.0.1"},
        )
    )
    stack.add(
        Service(
            "rasa",
            [
                rasa,
                "run",
                "--model",
                str(config.model),
                "--port",
                str(config.ports["rasa"]),
                "--interface",
                "127.0.0.1",
                "--credentials",
                str(PROJECT_ROOT / "credentials.yml"),
                "--endpoints",
                str(endpoints),
            ],
            config.url("rasa", "/"),
            env,
            startup_timeout=180,
        )
    )
    if config.whatsapp_sandbox:
        stack.add(
            Service(
                "whatsapp",
                [python, "-m", "sandbox.whatsapp"],
                config.url("whatsapp", "/"),
                env,
                startup_timeout=30,
            )
        )
    # The notifier polls subscribed applications; against the tracking sandbox
    # a short interval makes a status change show within seconds.
    notifier_env = {**env, "NOTIFIER_PORT": str(config.ports["notifier"])}
    if config.tracking_sandbox:
        notifier_env.setdefault("NOTIFIER_POLL_INTERVAL", os.environ.get("NOTIFIER_POLL_INTERVAL") or "10")
    stack.add(
        Service(
            "notifier",
            [python, "-m", "chassie.notifier"],
            config.url("notifier", "/health"),
            notifier_env,
            startup_timeout=30,
        )
    )
    return stack
