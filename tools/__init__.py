"""Developer tools: the process runner, benchmarks and evaluation reports."""
