"""Machine and process facts for `make bench`: CPU, memory, load, resident memory, timed commands."""

from __future__ import annotations

import logging
import os
import re
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

logger = logging.getLogger(__name__)

PROC = Path("/proc")
_VMRSS = re.compile(r"^VmRSS:\s+(\d+)\s+kB", re.MULTILINE)


@dataclass(frozen=True)
class MachineInfo:
    """The output of `nproc`, `free -h` and `lscpu`, plus the load average when it was read."""

    cpus: str
    cpu_model: str
    memory: str
    load_average: str


@dataclass(frozen=True)
class TimedCommand:
    """A command run to completion: wall and CPU time, exit code and the tail of its output."""

    argv: List[str]
    seconds: float
    cpu_seconds: float
    returncode: int
    output_tail: str


def _command_output(argv: Sequence[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False).stdout.rstrip()
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages as `/proc/loadavg` lists them."""
    try:
        return " ".join((PROC / "loadavg").read_text().split()[:3])
    except OSError:
        return "unavailable"


def load_average_1min() -> float | None:
    """Return the 1 minute load average, None when /proc/loadavg cannot be read."""
    try:
        return float((PROC / "loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def machine_info() -> MachineInfo:
    """Describe this machine as `nproc`, `free -h` and `lscpu` see it."""
    model = "unknown"
    for line in _command_output(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
            break
    return MachineInfo(
        cpus=_command_output(["nproc"]),
        cpu_model=model,
        memory=_command_output(["free", "-h"]),
        load_average=load_average(),
    )


def _children(pid: int) -> List[int]:
    children: List[int] = []
    task_dir = PROC / str(pid) / "task"
    try:
        for task in task_dir.iterdir():
            text = (task / "children").read_text()
            children.extend(int(child) for child in text.split())
    except OSError:
        pass
    return children


def process_tree(pid: int) -> List[int]:
    """Return `pid` and every process descended from it that is still running."""
    seen: List[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        pending.extend(_children(current))
    return seen


def resident_kib(pid: int) -> int:
    """Return the VmRSS of one process in KiB, 0 when it has exited."""
    try:
        match = _VMRSS.search((PROC / str(pid) / "status").read_text())
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


def tree_resident_mb(pid: int) -> float:
    """Return the summed VmRSS of `pid` and its descendants in MiB (shared pages count once per process)."""
    return sum(resident_kib(member) for member in process_tree(pid)) / 1024.0


def run_timed(argv: Sequence[str], cwd: Path, env: Dict[str, str], timeout: float) -> TimedCommand:
    """Run a command to completion and time it; its output is kept only as a short tail for errors.

    CPU time (user + system of the command and its children) comes from
    RUSAGE_CHILDREN, so it is exact only while no other child of this process
    ends during the command. On a busy machine it varies less than wall time.
    """
    logger.info("Running %s in %s", " ".join(argv), cwd)
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            list(argv),
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        output, returncode = completed.stdout, completed.returncode
    except subprocess.TimeoutExpired as error:
        output, returncode = error.stdout or b"", -1
    seconds = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    tail = "\n".join(output.decode("utf-8", "replace").splitlines()[-20:])
    return TimedCommand(list(argv), seconds, cpu_seconds, returncode, tail)


def file_size_mb(path: Path) -> float | None:
    """Return a file's size in MiB, None when it does not exist."""
    try:
        return path.stat().st_size / (1024.0 * 1024.0)
    except OSError:
        return None
