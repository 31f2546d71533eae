"""NLU-only parse throughput of a trained model: `python -m tools.bench_nlu MODEL --texts chassie`.

Loads the model with Rasa's Agent in this process and times `agent.parse_message`
over a fixed list of messages, one at a time, for a fixed number of seconds.
It prints one JSON object on its last line so that `tools.bench` can run it in a
separate process and keep TensorFlow out of its own memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
from typing import Any, Dict, List, Sequence

from tools.bench_stats import LatencyStats

logger = logging.getLogger(__name__)

DEFAULT_SECONDS = 10.0
WARMUP_PARSES = 5

TEXTS: Dict[str, Sequence[str]] = {
    "chassie": (
        "halo",
        "selamat pagi",
        "gmn cara daftar oss",
        "sy mau ngurus ijin usaha",
        "brp lama izin pbg keluar",
        "72 CSO.202212345678",
        "3",
        "31",
        "0",
        "alamat mpp dimana ya",
        "lkpm itu apa",
        "terima kasih banyak",
    ),
    "plain": (
        "hello",
        "I am sad",
        "yes",
        "great",
        "are you a bot?",
        "bye",
        "good morning",
        "not really",
        "I am feeling very good",
        "no",
        "very sad",
        "see you later",
    ),
}


async def measure(model_path: str, texts: Sequence[str], seconds: float) -> Dict[str, Any]:
    """Load the model and parse `texts` round-robin for `seconds`; return throughput and latencies."""
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model_path)
    load_seconds = time.perf_counter() - started

    for text in list(texts)[:WARMUP_PARSES]:
        await agent.parse_message(text)

    latencies: List[float] = []
    begin = time.perf_counter()
    index = 0
    while time.perf_counter() - begin < seconds:
        parse_started = time.perf_counter()
        await agent.parse_message(texts[index % len(texts)])
        latencies.append((time.perf_counter() - parse_started) * 1000.0)
        index += 1
    elapsed = time.perf_counter() - begin

    stats = LatencyStats.from_samples(latencies)
    return {
        "parses": len(latencies),
        "seconds": elapsed,
        "parses_per_s": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": stats.p50_ms,
        "p99_ms": stats.p99_ms,
        "load_seconds": load_seconds,
    }


def main() -> None:
    """Entry point of `python -m tools.bench_nlu`."""
    parser = argparse.ArgumentParser(description="Time NLU-only parsing of a trained Rasa model.")
    parser.add_argument("model", help="path of the model archive (.tar.gz)")
    parser.add_argument("--texts", choices=sorted(TEXTS), required=True, help="which fixed message list to parse")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="how long to parse, in seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(measure(args.model, TEXTS[args.texts], args.seconds))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
