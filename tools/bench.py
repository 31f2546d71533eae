"""`make bench`: Chassie's speed through the signed WhatsApp webhook, beside a plain Rasa assistant.

One run does, in order:

1. trains Chassie fresh (`rasa train --force` into a temporary folder) and times it;
2. starts the stack (tracking sandbox, action server, rasa server) with an
   in-process Graph API stand-in, and drives N concurrent simulated citizens
   through the webhook, measuring from each webhook POST to the matching send call;
3. creates a plain assistant with `rasa init --no-prompt` (which trains it),
   serves it with `rasa run --enable-api` and drives its REST channel with the same load shape;
4. times NLU-only parsing of both models in a separate process;
5. prints a report, writes it to docs/benchmarks.md and ends with one `BENCH key=value ...` line.

Settings (environment variables): BENCH_CONVERSATIONS (default 20),
BENCH_SECONDS (default 60), BENCH_ROUNDS (sessions per conversation; replaces
the time limit), BENCH_STATUSES (status webhooks posted after each send,
default "sent,delivered,read"; empty for none), BENCH_TRAIN=0 (serve
BENCH_MODEL, default models/chassie.tar.gz, instead of training), BENCH_PLAIN=0 (skip the plain
assistant), BENCH_NLU_SECONDS (default 10; 0 skips), BENCH_REPORT (default
docs/benchmarks.md; empty to not write), BENCH_KEEP=1 (keep the temporary folder),
BENCH_PYSPY (path of a py-spy binary: record the servers' stacks during the load),
BENCH_TRACKER_STORE (sqlite as `make run`, memory or redis) and BENCH_LOCK_STORE
(memory as `make run`, or redis), both on loopback, and BENCH_SANIC_WORKERS (rasa
server processes; Rasa starts more than one only with a lock store other than memory).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from tools.bench_endpoints import LOCK_STORES, TRACKER_STORES, endpoints_yaml
from tools.bench_load import GraphReceiver, LoadResult, LoadShape, RestTarget, WhatsAppTarget, drive_load
from tools.bench_payloads import CHASSIE_SESSION, PLAIN_SESSION
from tools.bench_report import BenchReport, Target, fmt, latency_cells, merge_into_document, render_section
from tools.bench_stats import LatencyStats, format_summary_line, ratio
from tools.bench_system import (
    TimedCommand,
    file_size_mb,
    load_average,
    load_average_1min,
    machine_info,
    run_timed,
    tree_resident_mb,
)
from tools.stack import (
    DEFAULT_MODEL,
    PROJECT_ROOT,
    SANDBOX_WHATSAPP_ENV,
    VENV_BIN,
    Service,
    Stack,
    StackConfig,
    StackError,
    build_stack,
    free_port,
)

logger = logging.getLogger("chassie.bench")

DEFAULT_CONVERSATIONS = 20
DEFAULT_SECONDS = 60.0
DEFAULT_STATUSES = "sent,delivered,read"
DEFAULT_NLU_SECONDS = 10.0
DEFAULT_REPORT = PROJECT_ROOT / "docs" / "benchmarks.md"
TRAIN_TIMEOUT_SECONDS = 1800.0
NLU_TIMEOUT_SECONDS = 600.0
PLAIN_STARTUP_TIMEOUT_SECONDS = 180.0
PYSPY_RATE_HZ = 50

# Commands of one run, for the report; <tmp> is the run's temporary folder.
COMMANDS = (
    "make bench   # runs: .venv/bin/python -m tools.bench, which starts these",
    "rasa train --domain domain --config config.yml --data data --out <tmp>/chassie-model \\",
    "    --fixed-model-name chassie --force   # with RASA_CACHE_DIRECTORY=<tmp>/chassie-cache",
    "python -m sandbox.tracking; rasa run actions --actions actions --port <free>",
    "rasa run --model <tmp>/chassie-model/chassie.tar.gz --port <free> --interface 127.0.0.1 \\",
    "    --credentials credentials.yml --endpoints <tmp>/chassie-stack/endpoints.yml",
    "rasa init --no-prompt --init-dir <tmp>/plain",
    "rasa run --enable-api --model <tmp>/plain/models/<name>.tar.gz --port <free> --interface 127.0.0.1 \\",
    "    --credentials <tmp>/plain/credentials.yml --endpoints <tmp>/plain/endpoints.yml",
)

# Targets of the benchmark; they are reported, never asserted.
TARGET_RATIO = 3.0
TARGET_P95_MS = 300.0
TARGET_WEBHOOK_P99_MS = 50.0
TARGET_TRAIN_SECONDS = 180.0
TARGET_RSS_MB = 1536.0


def _report_path(raw: str | None) -> Path | None:
    """Return where the report goes: the default when unset, nowhere when set empty."""
    if raw is None:
        return DEFAULT_REPORT
    if not raw.strip():
        return None
    return Path(raw)


@dataclass(frozen=True)
class BenchSettings:
    """Scope and duration of one run, read from BENCH_* variables."""

    conversations: int = DEFAULT_CONVERSATIONS
    seconds: float = DEFAULT_SECONDS
    rounds: int | None = None
    statuses: tuple[str, ...] = tuple(DEFAULT_STATUSES.split(","))
    train: bool = True
    plain: bool = True
    nlu_seconds: float = DEFAULT_NLU_SECONDS
    report: Path | None = DEFAULT_REPORT
    keep: bool = False
    pyspy: str | None = None
    tracker_store: str = "sqlite"
    lock_store: str = "memory"
    sanic_workers: int = 1
    model: Path = DEFAULT_MODEL

    @classmethod
    def from_env(cls, environ: Dict[str, str] | None = None) -> BenchSettings:
        """Read the settings from the environment; invalid numbers raise ValueError naming the variable."""
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {raw!r}")
            return value

        rounds_raw = env.get("BENCH_ROUNDS", "").strip()
        report_raw = env.get("BENCH_REPORT")
        conversations = int(number("BENCH_CONVERSATIONS", DEFAULT_CONVERSATIONS))
        tracker_store = env.get("BENCH_TRACKER_STORE", "").strip() or "sqlite"
        lock_store = env.get("BENCH_LOCK_STORE", "").strip() or "memory"
        if tracker_store not in TRACKER_STORES:
            raise ValueError(f"BENCH_TRACKER_STORE must be one of {', '.join(TRACKER_STORES)}, got {tracker_store!r}")
        if lock_store not in LOCK_STORES:
            raise ValueError(f"BENCH_LOCK_STORE must be one of {', '.join(LOCK_STORES)}, got {lock_store!r}")
        if conversations < 1:
            raise ValueError("BENCH_CONVERSATIONS must be at least 1")
        return cls(
            conversations=conversations,
            seconds=number("BENCH_SECONDS", DEFAULT_SECONDS),
            rounds=int(number("BENCH_ROUNDS", 0)) if rounds_raw else None,
            statuses=tuple(s.strip() for s in env.get("BENCH_STATUSES", DEFAULT_STATUSES).split(",") if s.strip()),
            train=env.get("BENCH_TRAIN", "1") != "0",
            plain=env.get("BENCH_PLAIN", "1") != "0",
            nlu_seconds=number("BENCH_NLU_SECONDS", DEFAULT_NLU_SECONDS),
            report=_report_path(report_raw),
            keep=env.get("BENCH_KEEP", "0") == "1",
            pyspy=env.get("BENCH_PYSPY") or None,
            tracker_store=tracker_store,
            lock_store=lock_store,
            sanic_workers=max(1, int(number("BENCH_SANIC_WORKERS", 1))),
            model=Path(env.get("BENCH_MODEL") or DEFAULT_MODEL),
        )

    @property
    def shape(self) -> LoadShape:
        """The load shape both assistants are driven with."""
        return LoadShape(self.conversations, self.seconds, self.rounds)


@dataclass
class ServerRun:
    """One assistant's load run and what was read from its processes afterwards."""

    load: LoadResult
    rss_mb: float | None
    other_rss_mb: Dict[str, float] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)


# ---- training ----------------------------------------------------------------


def train_chassie(work: Path) -> tuple[Path, TimedCommand]:
    """Train Chassie from scratch into `work`, with an empty cache so nothing is reused."""
    out = work / "chassie-model"
    command = run_timed(
        [
            str(VENV_BIN / "rasa"),
            "train",
            "--domain",
            "domain",
            "--config",
            "config.yml",
            "--data",
            "data",
            "--out",
            str(out),
            "--fixed-model-name",
            "chassie",
            "--force",
        ],
        cwd=PROJECT_ROOT,
        env={"RASA_CACHE_DIRECTORY": str(work / "chassie-cache"), "RASA_TELEMETRY_ENABLED": "false"},
        timeout=TRAIN_TIMEOUT_SECONDS,
    )
    return out / "chassie.tar.gz", command


def init_plain(work: Path) -> tuple[Path | None, TimedCommand]:
    """Create and train the `rasa init` assistant in `work/plain`; return its model and the timed command."""
    project = work / "plain"
    project.mkdir(parents=True, exist_ok=True)
    command = run_timed(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
        cwd=project,
        env={"RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": str(project / ".rasa" / "cache")},
        timeout=TRAIN_TIMEOUT_SECONDS,
    )
    models = sorted((project / "models").glob("*.tar.gz"))
    return (models[-1] if models else None), command


# ---- load runs ----------------------------------------------------------------


def _start_pyspy(settings: BenchSettings, pid: int, name: str, out_dir: Path) -> subprocess.Popen | None:
    if not settings.pyspy:
        return None
    output = out_dir / f"{name}.pyspy.txt"
    duration = int(settings.seconds) + 5
    argv = [
        settings.pyspy,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(duration),
        "--rate",
        str(PYSPY_RATE_HZ),
    ]
    argv += ["--format", "raw", "--output", str(output), "--nonblocking"]
    logger.info("Recording %s with py-spy into %s", name, output)
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_pyspy(recorders: List[subprocess.Popen]) -> None:
    for recorder in recorders:
        try:
            recorder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.terminate()


async def _drive_chassie(
    config: StackConfig, settings: BenchSettings, app_secret: str
) -> tuple[LoadResult, Dict[str, Any]]:
    receiver = GraphReceiver(
        access_token=SANDBOX_WHATSAPP_ENV["WHATSAPP_ACCESS_TOKEN"],
        phone_number_id=SANDBOX_WHATSAPP_ENV["WHATSAPP_PHONE_NUMBER_ID"],
        app_secret=app_secret,
        webhook_url=config.url("rasa", "/webhooks/whatsapp/webhook"),
        statuses=settings.statuses,
    )
    await receiver.start(config.ports["whatsapp"])
    try:
        target = WhatsAppTarget(config.url("rasa"), receiver)
        result = await drive_load(target, CHASSIE_SESSION, settings.shape)
    finally:
        await receiver.stop()
    extra = {
        "read_receipts": receiver.read_receipts,
        "rejected_graph_calls": receiver.rejected_calls,
        "status_webhooks": len(receiver.status_webhook_ms),
        "status_webhook_failures": receiver.status_webhook_failures,
        "status_webhook_stats": LatencyStats.from_samples(receiver.status_webhook_ms),
    }
    return result, extra


def _chassie_stack(settings: BenchSettings, model: Path, work: Path, app_secret: str) -> tuple[StackConfig, Stack]:
    extra_env = {"WHATSAPP_APP_SECRET": app_secret}
    if settings.sanic_workers > 1:
        extra_env["SANIC_WORKERS"] = str(settings.sanic_workers)
    config = StackConfig.on_free_ports(work_dir=work / "chassie-stack", model=model, extra_env=extra_env)
    stack = build_stack(config)

    # The in-process Graph stand-in takes the sandbox's port, so the channel is configured as `make run` does.
    stack.services = [service for service in stack.services if service.name != "whatsapp"]
    if (settings.tracker_store, settings.lock_store) != ("sqlite", "memory"):
        endpoints = endpoints_yaml(
            config.url("actions", "/webhook"),
            settings.tracker_store,
            settings.lock_store,
            config.work_dir,
            "chassiebench" + secrets.token_hex(4),
        )
        (config.work_dir / "endpoints.yml").write_text(endpoints, encoding="utf-8")
    return config, stack


def run_chassie(settings: BenchSettings, model: Path, work: Path) -> ServerRun:
    """Serve `model` with the project's stack and drive it through the WhatsApp webhook."""
    app_secret = secrets.token_hex(16)
    config, stack = _chassie_stack(settings, model, work, app_secret)
    _configure_logging()
    logger.info("Starting Chassie's stack (logs in %s)", stack.log_dir)
    try:
        stack.start()
        pids = {service.name: service.process.pid for service in stack.services if service.process}
        recorders = [
            recorder
            for name in ("rasa", "actions")
            if (recorder := _start_pyspy(settings, pids[name], f"chassie-{name}", work)) is not None
        ]

        result, extra = asyncio.run(_drive_chassie(config, settings, app_secret))

        stack.check_running()
        rss = tree_resident_mb(pids["rasa"])
        others = {name: tree_resident_mb(pid) for name, pid in pids.items() if name != "rasa"}
        _wait_pyspy(recorders)
    finally:
        stack.stop()
    extra["logs"] = str(stack.log_dir)
    return ServerRun(result, rss, others, extra)


def run_plain(settings: BenchSettings, model: Path, work: Path) -> ServerRun:
    """Serve the plain assistant with `rasa run --enable-api` and drive its REST channel."""
    project = work / "plain"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    stack = Stack(log_dir=work / "plain-logs")
    argv = [str(VENV_BIN / "rasa"), "run", "--enable-api", "--model", str(model), "--port", str(port)]
    argv += ["--interface", "127.0.0.1", "--credentials", str(project / "credentials.yml")]
    argv += ["--endpoints", str(project / "endpoints.yml")]
    service = stack.add(Service("plain", argv, url + "/", {}, startup_timeout=PLAIN_STARTUP_TIMEOUT_SECONDS))
    logger.info("Starting the plain assistant (logs in %s)", stack.log_dir)
    try:
        stack.start()
        assert service.process is not None
        recorder = _start_pyspy(settings, service.process.pid, "plain-rasa", work)
        result = asyncio.run(drive_load(RestTarget(url), PLAIN_SESSION, settings.shape))
        stack.check_running()
        rss = tree_resident_mb(service.process.pid)
        _wait_pyspy([recorder] if recorder else [])
    finally:
        stack.stop()
    return ServerRun(result, rss, extra={"logs": str(stack.log_dir)})


def measure_nlu(model: Path, texts: str, seconds: float) -> Dict[str, Any] | None:
    """Time NLU-only parsing of `model` in a separate process; None when it fails."""
    argv = [sys.executable, "-m", "tools.bench_nlu", str(model), "--texts", texts, "--seconds", str(seconds)]
    command = run_timed(argv, cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT)}, timeout=NLU_TIMEOUT_SECONDS)
    if command.returncode != 0:
        logger.error("NLU timing of %s failed:\n%s", model, command.output_tail)
        return None
    try:
        return json.loads(command.output_tail.splitlines()[-1])
    except (ValueError, IndexError):
        logger.error("NLU timing of %s printed no JSON result:\n%s", model, command.output_tail)
        return None


# ---- report -------------------------------------------------------------------


@dataclass
class BenchOutcome:
    """Everything one run produced, whichever parts succeeded."""

    settings: BenchSettings
    machine: Dict[str, str]
    chassie_train: TimedCommand | None = None
    chassie_model: Path | None = None
    chassie: ServerRun | None = None
    plain_train: TimedCommand | None = None
    plain_model: Path | None = None
    plain: ServerRun | None = None
    chassie_nlu: Dict[str, Any] | None = None
    plain_nlu: Dict[str, Any] | None = None
    load_during: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _stats(run: ServerRun | None, attribute: str) -> LatencyStats:
    if run is None:
        return LatencyStats.from_samples([])
    values = [getattr(sample, attribute) for sample in run.load.completed if getattr(sample, attribute) is not None]
    return LatencyStats.from_samples(values)


def _webhook_stats(run: ServerRun | None) -> LatencyStats:
    if run is None:
        return LatencyStats.from_samples([])
    return LatencyStats.from_samples([s.webhook_ms for s in run.load.samples if s.webhook_ms is not None])


def summary_values(outcome: BenchOutcome) -> Dict[str, Any]:
    """Collect the figures of the summary line."""
    chassie_rate = outcome.chassie.load.messages_per_second if outcome.chassie else None
    plain_rate = outcome.plain.load.messages_per_second if outcome.plain else None
    reply = _stats(outcome.chassie, "reply_ms")
    plain_reply = _stats(outcome.plain, "reply_ms")
    webhook = _webhook_stats(outcome.chassie)
    errors = sum(run.load.errors for run in (outcome.chassie, outcome.plain) if run is not None)
    return {
        "chassie_msgs_per_s": chassie_rate,
        "plain_msgs_per_s": plain_rate,
        "ratio": ratio(chassie_rate, plain_rate) if chassie_rate is not None and plain_rate else None,
        "p50_ms": reply.p50_ms,
        "p95_ms": reply.p95_ms,
        "p99_ms": reply.p99_ms,
        "webhook_p50_ms": webhook.p50_ms,
        "webhook_p99_ms": webhook.p99_ms,
        "plain_p50_ms": plain_reply.p50_ms,
        "plain_p95_ms": plain_reply.p95_ms,
        "train_s": outcome.chassie_train.seconds if outcome.chassie_train else None,
        "plain_train_s": outcome.plain_train.seconds if outcome.plain_train else None,
        "train_cpu_s": outcome.chassie_train.cpu_seconds if outcome.chassie_train else None,
        "rss_mb": outcome.chassie.rss_mb if outcome.chassie else None,
        "plain_rss_mb": outcome.plain.rss_mb if outcome.plain else None,
        "nlu_parses_per_s": (outcome.chassie_nlu or {}).get("parses_per_s"),
        "plain_nlu_parses_per_s": (outcome.plain_nlu or {}).get("parses_per_s"),
        "errors": errors,
        "conversations": outcome.settings.conversations,
        "load1": load_average_1min(),
    }


def _status_cell(count: int, stats: LatencyStats) -> str:
    return f"{count}, {fmt(stats.p50_ms, 0)} / {fmt(stats.p99_ms, 0)}"


def _training_cell(command: TimedCommand, name: str) -> str:
    return f"{fmt(command.seconds, 1)} (CPU {fmt(command.cpu_seconds, 1)}), {name}"


def _rows(outcome: BenchOutcome) -> List[List[str]]:
    chassie, plain = outcome.chassie, outcome.plain

    def both(getter: Any) -> List[str]:
        return [getter(chassie) if chassie else "–", getter(plain) if plain else "–"]

    nlu_c, nlu_p = outcome.chassie_nlu or {}, outcome.plain_nlu or {}
    chassie_extra = chassie.extra if chassie else {}
    status_stats = chassie_extra.get("status_webhook_stats")
    rows = [
        ["messages per second", *both(lambda run: fmt(run.load.messages_per_second, 1))],
        [
            "reply latency p50 / p95 / p99 / max (ms)",
            *both(lambda run: latency_cells(_stats(run, "reply_ms"))),
        ],
        [
            "first reply p50 / p95 / p99 / max (ms)",
            *both(lambda run: latency_cells(_stats(run, "first_reply_ms"))),
        ],
        [
            "webhook response p50 / p95 / p99 / max (ms)",
            latency_cells(_webhook_stats(chassie)) if chassie else "–",
            "(REST: same as reply)",
        ],
        [
            "status webhooks answered, p50 / p99 (ms)",
            _status_cell(chassie_extra.get("status_webhooks", 0), status_stats) if status_stats else "–",
            "–",
        ],
        [
            "messages completed / failed",
            *both(lambda run: f"{len(run.load.completed)} / {sum(1 for s in run.load.samples if not s.ok)}"),
        ],
        [
            "sessions started / replies differing from calibration",
            *both(lambda run: f"{run.load.sessions_started} / {run.load.mismatched_sessions}"),
        ],
        ["load duration (s)", *both(lambda run: fmt(run.load.elapsed_seconds, 1))],
        [
            "replies per message (calibration)",
            *both(lambda run: ", ".join(str(c) for c in run.load.extra.get("calibration_reply_counts", []))),
        ],
        [
            "alone, reply latency per message (ms)",
            *both(lambda run: ", ".join(f"{v:.0f}" for v in run.load.extra.get("calibration_reply_ms", []))),
        ],
        [
            "training wall time (CPU time) (s)",
            _training_cell(outcome.chassie_train, "`rasa train --force`") if outcome.chassie_train else "– (skipped)",
            _training_cell(outcome.plain_train, "`rasa init`") if outcome.plain_train else "–",
        ],
        [
            "model size (MiB)",
            fmt(file_size_mb(outcome.chassie_model), 2) if outcome.chassie_model else "–",
            fmt(file_size_mb(outcome.plain_model), 2) if outcome.plain_model else "–",
        ],
        ["rasa server resident memory after the run (MiB)", *both(lambda run: fmt(run.rss_mb, 0))],
        [
            "other processes' resident memory (MiB)",
            ", ".join(f"{name} {value:.0f}" for name, value in chassie.other_rss_mb.items()) if chassie else "–",
            "none (no action server)",
        ],
        [
            "NLU-only parses per second (one at a time)",
            fmt(nlu_c.get("parses_per_s"), 1),
            fmt(nlu_p.get("parses_per_s"), 1),
        ],
        [
            "NLU-only parse p50 / p99 (ms)",
            f"{fmt(nlu_c.get('p50_ms'), 1)} / {fmt(nlu_c.get('p99_ms'), 1)}",
            f"{fmt(nlu_p.get('p50_ms'), 1)} / {fmt(nlu_p.get('p99_ms'), 1)}",
        ],
        ["read receipts sent by the channel", str(chassie_extra.get("read_receipts", "–")), "–"],
    ]
    return rows


def build_report(outcome: BenchOutcome, values: Dict[str, Any], summary_line: str) -> BenchReport:
    """Assemble the report of one run."""
    settings = outcome.settings
    commands = list(COMMANDS) + [
        f"python -m tools.bench_nlu <model> --texts chassie|plain --seconds {settings.nlu_seconds:g}"
    ]
    machine = dict(outcome.machine)
    machine.update({f"load average {phase}": value for phase, value in outcome.load_during.items()})
    return BenchReport(
        date=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        commands=commands,
        machine=machine,
        settings={
            "BENCH_CONVERSATIONS": settings.conversations,
            "BENCH_SECONDS": f"{settings.seconds:g}",
            "BENCH_ROUNDS": settings.rounds if settings.rounds is not None else "unset",
            "BENCH_STATUSES": ",".join(settings.statuses) or "(none)",
            "BENCH_TRACKER_STORE": settings.tracker_store,
            "BENCH_LOCK_STORE": settings.lock_store,
            "BENCH_SANIC_WORKERS": settings.sanic_workers,
            "Chassie session": " → ".join(f"`{text}`" for text in CHASSIE_SESSION),
            "plain session": " → ".join(f"`{text}`" for text in PLAIN_SESSION),
        },
        rows=_rows(outcome),
        targets=[
            Target("throughput ratio to plain Rasa", values["ratio"], TARGET_RATIO, "×", at_least=True),
            Target(f"reply p95 at {settings.conversations} conversations", values["p95_ms"], TARGET_P95_MS, "ms"),
            Target("webhook response p99", values["webhook_p99_ms"], TARGET_WEBHOOK_P99_MS, "ms"),
            Target("Chassie training time", values["train_s"], TARGET_TRAIN_SECONDS, "s"),
            Target("rasa server resident memory", values["rss_mb"], TARGET_RSS_MB, "MiB"),
        ],
        notes=outcome.notes,
        summary_line=summary_line,
    )


def write_report(path: Path, report: BenchReport) -> None:
    """Replace the measured section of the benchmarks page, keeping the text around it."""
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(merge_into_document(existing, render_section(report)) + "\n", encoding="utf-8")
    logger.info("Wrote %s", path)


# ---- main -------------------------------------------------------------------------


def _configure_logging() -> None:
    # Alembic's migration set-up (in build_stack) replaces the root handlers, so this runs again after it.
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
        stream=sys.stderr,
    )


def run_bench(settings: BenchSettings, work: Path) -> BenchOutcome:
    """Run every phase; a phase that fails is noted and the others still run."""
    info = machine_info()
    outcome = BenchOutcome(
        settings,
        {"CPUs (nproc)": info.cpus, "CPU model (lscpu)": info.cpu_model, "memory (free -h)": info.memory},
    )
    outcome.load_during["at start"] = info.load_average

    model = settings.model
    if settings.train:
        trained, outcome.chassie_train = train_chassie(work)
        if outcome.chassie_train.returncode == 0 and trained.exists():
            model = trained
        else:
            outcome.notes.append(f"Chassie training failed (exit {outcome.chassie_train.returncode}); served {model}.")
            logger.error("Chassie training failed:\n%s", outcome.chassie_train.output_tail)
            outcome.chassie_train = None
    outcome.chassie_model = model

    try:
        outcome.chassie = run_chassie(settings, model, work)
    except (StackError, RuntimeError) as error:
        outcome.notes.append(f"Chassie load run failed: {error}")
        logger.error("Chassie load run failed: %s", error)
    outcome.load_during["after Chassie load"] = load_average()

    if settings.plain:
        outcome.plain_model, outcome.plain_train = init_plain(work)
        if outcome.plain_model is None:
            outcome.notes.append(f"rasa init failed (exit {outcome.plain_train.returncode}); no plain comparison.")
            logger.error("rasa init failed:\n%s", outcome.plain_train.output_tail)
        else:
            try:
                outcome.plain = run_plain(settings, outcome.plain_model, work)
            except (StackError, RuntimeError) as error:
                outcome.notes.append(f"Plain assistant load run failed: {error}")
                logger.error("Plain assistant load run failed: %s", error)
        outcome.load_during["after plain load"] = load_average()

    if settings.nlu_seconds > 0:
        outcome.chassie_nlu = measure_nlu(model, "chassie", settings.nlu_seconds)
        if outcome.plain_model is not None:
            outcome.plain_nlu = measure_nlu(outcome.plain_model, "plain", settings.nlu_seconds)
    outcome.load_during["at end"] = load_average()
    return outcome


def main() -> int:
    """Entry point of `python -m tools.bench`; returns 1 when a load run failed, else 0."""
    _configure_logging()
    try:
        settings = BenchSettings.from_env()
    except ValueError as error:
        logger.error("Invalid benchmark setting: %s", error)
        return 2
    work = Path(tempfile.mkdtemp(prefix="chassie-bench-"))
    logger.info("Benchmark work folder: %s", work)

    outcome = run_bench(settings, work)
    values = summary_values(outcome)
    summary_line = format_summary_line(values)
    report = build_report(outcome, values, summary_line)
    section = render_section(report)
    if settings.report is not None:
        write_report(settings.report, report)

    failed = outcome.chassie is None or (settings.plain and outcome.plain is None)
    if settings.keep or settings.pyspy or failed:
        logger.info("Kept the work folder with logs: %s", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(section, flush=True)
    print(summary_line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
