"""The encoder's distinct (row, feature) keys come from `sorted_unique`, which must give
exactly what `np.unique` gives: on edge cases, on random keys, and end to end on a batch of
realistic messages in four languages (the bag of n-grams then equals the one built with
`np.unique`)."""

from __future__ import annotations

import numpy as np
import pytest

from lurewatch.detect.models import embed
from lurewatch.detect.models.embed import StaticEncoder, sorted_unique

MESSAGES = [
    "Hi Daniel, I came across your profile and your work on grid security is impressive.",
    "We pay USD 500 per short report for our clients; could we continue on WhatsApp?",
    "您好，我们是一家咨询公司，想请您写一份关于能源政策的简短报告，报酬从优。",
    "Guten Tag Frau Keller, wir suchen Expertinnen für eine vertrauliche Analyse.",
    "Bonjour, seriez-vous disponible pour un échange sur WeChat ? C'est plus simple.",
    "",
    "ok",
    "Thanks! Thanks! Thanks! Thanks!",
]


@pytest.mark.parametrize("keys", [
    np.zeros(0, dtype=np.int64),
    np.array([7], dtype=np.int64),
    np.array([3, 3, 3], dtype=np.int64),
    np.array([9, 1, 9, 4, 1, 0, 2**62], dtype=np.int64),
])
def test_edge_cases(keys: np.ndarray) -> None:
    got, want = sorted_unique(keys), np.unique(keys)
    assert got.dtype == want.dtype and np.array_equal(got, want)


def test_random_keys() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        keys = rng.integers(0, rng.integers(2, 10**6), rng.integers(0, 5000)).astype(np.int64)
        assert np.array_equal(sorted_unique(keys), np.unique(keys))


def test_encoding_equals_the_np_unique_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = StaticEncoder()
    fast = encoder.encode(MESSAGES)
    monkeypatch.setattr(embed, "sorted_unique", np.unique)
    reference = encoder.encode(MESSAGES)
    for name in ("dense", "rows", "cols", "values"):
        a, b = getattr(fast, name), getattr(reference, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert fast.rows.size > 100  # the batch has a real bag to compare
