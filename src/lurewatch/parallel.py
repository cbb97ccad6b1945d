"""Scanning on every core: the main process reads and stitches, worker processes analyse
batches, and results come back in input order. Only conversations go out and only findings,
indicators and verdicts come back."""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from lurewatch.model import Conversation
from lurewatch.pipeline import Analysis, Scanner, ScanOptions
from lurewatch.threads import single_threaded_worker

_scanner: Scanner | None = None


def _start_worker(options: ScanOptions) -> None:
    global _scanner
    single_threaded_worker()  # each worker is one core's worth of work
    _scanner = Scanner(options)
    gc.set_threshold(max(gc.get_threshold()[0], 50_000))  # see runner.fewer_collections


def _analyse(batch: list[Conversation]) -> list[Analysis]:
    assert _scanner is not None, "worker not initialised"
    return _scanner.analyse_batch(batch)


def _model_id() -> str:
    assert _scanner is not None, "worker not initialised"
    return _scanner.model_id


def analyse_in_pool(
    options: ScanOptions,
    batches: Iterable[list[Conversation]],
    jobs: int,
    on_model_id: Callable[[str], None] | None = None,
) -> Iterator[tuple[list[Conversation], list[Analysis]]]:
    """(batch, analyses) in input order. At most 2 x `jobs` batches are in flight, so memory
    stays bounded whatever the input size. `on_model_id` receives the workers' model id
    (what the report names) before the first result."""
    # forkserver: workers start from a clean process, not a fork of one whose tokenizer
    # threads may hold locks.
    context = multiprocessing.get_context("forkserver")
    in_flight: deque[tuple[list[Conversation], Future[list[Analysis]]]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                             initializer=_start_worker, initargs=(options,)) as pool:
        # One small task per worker starts them all now, so they load their models while
        # this process reads the first batches.
        started = [pool.submit(_model_id) for _ in range(jobs)]
        batches = iter(batches)
        for batch in batches:
            in_flight.append((batch, pool.submit(_analyse, batch)))
            if len(in_flight) >= 2 * jobs:
                break
        if on_model_id is not None:
            on_model_id(started[0].result())
        for batch in batches:
            done, future = in_flight.popleft()
            in_flight.append((batch, pool.submit(_analyse, batch)))
            yield done, future.result()
        while in_flight:
            done, future = in_flight.popleft()
            yield done, future.result()
