"""Sums of consecutive row segments, bit for bit what `np.add.reduceat(a, starts, axis=0)`
gives, several times faster on a batch of short texts.

`reduceat` calls its inner loop once per segment and column: for 2,000 chat messages of
10-30 tokens and 128 embedding columns that is a quarter of a million calls, and it cost the
static encoder more than tokenising. Here segments of one length are gathered into a block
and summed together, a few numpy operations per distinct length. The order of the additions
is numpy's own (the first row, plus the pairwise sum of the rest: eight accumulators up to
128 rows, halves beyond, starting from -0.0), so every float comes out identical; a test
compares the two on random and real inputs, signed zeros included.
"""

from __future__ import annotations

import numpy as np

_PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE


def _pairwise(block: np.ndarray, lo: int, n: int) -> np.ndarray:
    """numpy's pairwise sum of block[:, lo:lo + n] along axis 1, for all rows at once."""
    if n < 8:
        total = np.full((block.shape[0], block.shape[2]), -0.0, dtype=block.dtype)
        for i in range(lo, lo + n):
            total += block[:, i]
        return total
    if n <= _PAIRWISE_BLOCK:
        acc = block[:, lo:lo + 8].copy()
        whole = n - n % 8
        for i in range(lo + 8, lo + whole, 8):
            acc += block[:, i:i + 8]
        total = (((acc[:, 0] + acc[:, 1]) + (acc[:, 2] + acc[:, 3]))
                 + ((acc[:, 4] + acc[:, 5]) + (acc[:, 6] + acc[:, 7])))
        for i in range(lo + whole, lo + n):
            total += block[:, i]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(block, lo, half) + _pairwise(block, lo + half, n - half)


def segment_sums(a: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Row sums of a[starts[k]:starts[k + 1]] (the last segment runs to the end) for 2-d
    `a` and strictly ascending `starts` beginning at 0, as `np.add.reduceat` computes them."""
    lengths = np.diff(np.append(starts, a.shape[0]))
    out = np.empty((starts.size, a.shape[1]), dtype=a.dtype)
    for length in np.unique(lengths).tolist():
        members = np.flatnonzero(lengths == length)
        block = a[starts[members][:, None] + np.arange(length)]
        out[members] = (block[:, 0] if length == 1
                        else block[:, 0] + _pairwise(block, 1, length - 1))
    return out
