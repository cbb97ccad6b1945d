"""`segment_sums` must be bit for bit `np.add.reduceat(a, starts, axis=0)`: every segment
length numpy treats differently (1, under 8, up to 128, beyond), signed zeros, float32 and
float64, and the static encoder's real token vectors for messages in four languages and a
long e-mail."""

from __future__ import annotations

import numpy as np
import pytest

from lurewatch.detect.models import embed
from lurewatch.detect.models.embed import MAX_CHARS, StaticEncoder
from lurewatch.detect.models.segments import segment_sums

EMAIL = (
    "Dear Dr Roy,\n\nThank you for your time on the phone yesterday. As discussed, our client, "
    "a consultancy advising investors on the energy transition in Europe and Asia, would value "
    "a short written analysis of the grid operator's upgrade plans, the timeline of the "
    "tender and your view of which suppliers are likely to be shortlisted. The fee would be "
    "USD 2,000 for five to eight pages, paid on delivery to an account of your choice. "
) * 4
MESSAGES = [
    "Hi Daniel, I came across your profile and your work on grid security is impressive.",
    "您好，我们是一家咨询公司，想请您写一份关于能源政策的简短报告，报酬从优。",
    "Guten Tag Frau Keller, wir suchen Expertinnen für eine vertrauliche Analyse.",
    "Bonjour, seriez-vous disponible pour un échange sur WeChat ? C'est plus simple.",
    "ok", "Thanks!", EMAIL,
]


def _same(a: np.ndarray, starts: np.ndarray) -> bool:
    want = np.add.reduceat(a, starts, axis=0)
    got = segment_sums(a, starts)
    return got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("longest", [1, 2, 7, 8, 9, 16, 17, 128, 129, 130, 300, 1100])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_segments(longest: int, dtype: type) -> None:
    rng = np.random.default_rng(longest)
    for columns in (1, 16, 128):
        lengths = rng.integers(1, longest + 1, 60)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        a = (rng.standard_normal((int(lengths.sum()), columns)) * 10.0 ** rng.integers(-3, 4)
             ).astype(dtype)
        a[rng.random(a.shape) < 0.05] = -0.0
        a[rng.random(a.shape) < 0.05] = 0.0
        assert _same(a, starts), (longest, columns)


def test_one_segment_and_all_singletons() -> None:
    a = np.arange(12, dtype=np.float32).reshape(6, 2) - 5.5
    assert _same(a, np.array([0]))
    assert _same(a, np.arange(6))


def test_real_token_vectors() -> None:
    encoder = StaticEncoder()
    ids = [np.asarray(e.ids, dtype=np.int64) for e in encoder.tokenizer.encode_batch_fast(
        [t[:MAX_CHARS] for t in MESSAGES], add_special_tokens=False)]
    lengths = np.array([i.size for i in ids])
    assert lengths.max() > 129  # the e-mail takes the halving branch
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    assert _same(encoder.vectors[np.concatenate(ids)], starts)


def test_encoding_equals_the_reduceat_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = StaticEncoder()
    fast = encoder.encode(MESSAGES * 3)
    monkeypatch.setattr(embed, "segment_sums",
                        lambda a, starts: np.add.reduceat(a, starts, axis=0))
    reference = encoder.encode(MESSAGES * 3)
    assert fast.dense.tobytes() == reference.dense.tobytes()
