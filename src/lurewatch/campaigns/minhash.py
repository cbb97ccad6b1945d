"""MinHash signatures and LSH banding, vectorised over many documents at once.

The same scheme as datasketch's MinHash (universal hashing `(a*h + b) mod (2^61 - 1)` over
32-bit shingle hashes, minimum per permutation) and datasketch's choice of bands and rows for
a Jaccard threshold, but computed for thousands of documents per numpy call: datasketch's
per-document objects cost about half a millisecond each, a minute at 100,000 conversations.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_CHUNK = 2048  # documents per numpy call: bounds memory (shingles x permutations x 8 bytes)


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.RandomState(seed)
    a = gen.randint(1, int(_PRIME), num_perm, dtype=np.uint64)
    b = gen.randint(0, int(_PRIME), num_perm, dtype=np.uint64)
    return a, b


def signatures(docs: Sequence[frozenset[str]], num_perm: int = 64, seed: int = 1) -> np.ndarray:
    """One MinHash signature (num_perm uint64 values) per non-empty shingle set."""
    a, b = _permutations(num_perm, seed)
    out = np.empty((len(docs), num_perm), dtype=np.uint64)
    for start in range(0, len(docs), _CHUNK):
        chunk = docs[start:start + _CHUNK]
        lengths = np.fromiter((len(d) for d in chunk), dtype=np.int64, count=len(chunk))
        if (lengths == 0).any():
            raise ValueError("every document needs at least one shingle")
        hashes = np.fromiter(
            (zlib.crc32(s.encode("utf-8")) for d in chunk for s in sorted(d)),
            dtype=np.uint64, count=int(lengths.sum()),
        )
        with np.errstate(over="ignore"):  # uint64 wrap-around is part of the scheme
            permuted = ((hashes[:, None] * a + b) % _PRIME) & _MAX_HASH
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        out[start:start + len(chunk)] = np.minimum.reduceat(permuted, offsets, axis=0)
    return out


@lru_cache(maxsize=32)
def bands_for(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's (bands, rows) that minimise false positives and negatives at threshold
    (its `_optimal_param` with equal weights), integrated with numpy rather than scipy so the
    scan does not pay scipy's import time. tests/campaigns checks it agrees with datasketch."""
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands = np.array([p[0] for p in pairs], dtype=float)[:, None]
    rows = np.array([p[1] for p in pairs], dtype=float)[:, None]
    below = np.linspace(0.0, threshold, 1001)[None, :]
    above = np.linspace(threshold, 1.0, 1001)[None, :]
    false_positive = np.trapezoid(1 - (1 - below ** rows) ** bands, below, axis=1)
    false_negative = np.trapezoid((1 - above ** rows) ** bands, above, axis=1)
    error = 0.5 * false_positive + 0.5 * false_negative
    return pairs[int(np.argmin(error))]


def candidate_pairs(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Pairs (i < j) that share a band bucket, as an (m, 2) array without repeats. Within a
    bucket each document is paired with the bucket's first and with its predecessor, so a
    template sent to thousands costs linear, not quadratic, work."""
    n = sigs.shape[0]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    mix = np.random.RandomState(12345).randint(1, 1 << 62, rows, dtype=np.uint64) | np.uint64(1)
    found: list[np.ndarray] = []
    for band in range(bands):
        with np.errstate(over="ignore"):
            keys = (sigs[:, band * rows:(band + 1) * rows] * mix).sum(axis=1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        same = sorted_keys[1:] == sorted_keys[:-1]
        if not same.any():
            continue
        run_start = np.concatenate(([0], np.flatnonzero(~same) + 1))
        run_id = np.cumsum(np.concatenate(([False], ~same)))
        first = order[run_start[run_id]]
        idx = np.flatnonzero(same) + 1  # positions that continue a run
        found.append(np.stack([order[idx - 1], order[idx]], axis=1))
        found.append(np.stack([first[idx], order[idx]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def jaccard(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of each pair's documents."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), 65536):
        p = pairs[start:start + 65536]
        out[start:start + len(p)] = (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1)
    return out


def iter_pairs(pairs: np.ndarray, sims: np.ndarray) -> Iterator[tuple[int, int, float]]:
    """Pairs most similar first, as plain Python numbers."""
    order = np.argsort(-sims, kind="stable")
    for (i, j), s in zip(pairs[order].tolist(), sims[order].tolist(), strict=True):
        yield i, j, s
