"""Repeated conversation ids across the shards of one JSON Lines file.

A reader of a whole file skips a repeated id; shards are read apart, so each worker returns
64-bit digests of its ids with their line numbers and the run finds repeats here, without
shipping the ids themselves.
"""

from __future__ import annotations

import base64

import numpy as np


def unpack(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def repeated_ids(digests: np.ndarray, lines: np.ndarray) -> list[tuple[int, int]]:
    """(line, first line) for every conversation whose id appeared on an earlier line.
    `lines` must be in file order (shards in order, lines ascending within each)."""
    if len(digests) < 2:
        return []
    order = np.argsort(digests, kind="stable")  # stable: keeps file order among equals
    sorted_digests = digests[order]
    same_as_previous = np.concatenate(([False], sorted_digests[1:] == sorted_digests[:-1]))
    if not same_as_previous.any():
        return []
    run_start = np.maximum.accumulate(np.where(same_as_previous, 0, np.arange(len(order))))
    first_lines = lines[order][run_start]
    found = [(int(lines[order][i]), int(first_lines[i]))
             for i in np.flatnonzero(same_as_previous)]
    return sorted(found)
