"""Library thread pools while scanning.

The scan's matrix products are small (a batch of messages against a few hundred weights),
and OpenBLAS's second thread mostly spins: measured on 2 cores (docs/benchmarks.md), one BLAS
thread scanned a 100k-message export faster (8.4 s against 9.0 s) on about half the CPU time
(8.4 s against 14.0 s). OpenBLAS reads its thread count once, when numpy is first imported, so
the command sets it before anything imports numpy; worker processes inherit it. Workers are
each one core's worth of work, so they also keep the tokenizer's thread pool to one thread.
A user's own setting of either variable is kept.
"""

from __future__ import annotations

import os

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def prefer_one_blas_thread() -> None:
    """Call before numpy is imported (the command's entry point)."""
    if not any(os.environ.get(v) for v in BLAS_THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def single_threaded_worker() -> None:
    """For the life of a worker process, before its first batch: the tokenizer's pool
    (started on first use) gets one thread."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
