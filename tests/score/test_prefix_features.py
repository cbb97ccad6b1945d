"""The one-pass prefix features equal `funnel_features` computed afresh for every prefix."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.jsonl import READER as JSONL
from lurewatch.model import STAGES, Explanation, Finding, Message, ProfileReview
from lurewatch.pipeline import Scanner
from lurewatch.score.features import funnel_features
from lurewatch.score.prefix import prefix_feature_values

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


def _assert_same(findings: list[Finding], messages: list[Message],
                 profile: ProfileReview | None) -> int:
    findings = sorted(findings, key=lambda f: f.message_index)
    indices = sorted({f.message_index for f in findings})
    carried = list(prefix_feature_values(findings, messages, profile))
    assert [i for i, _ in carried] == indices
    for index, values in carried:
        fresh = funnel_features(findings, messages, profile, None, index).values
        assert list(values.items()) == list(fresh.items()), f"prefix up to {index}"
    return len(carried)


@pytest.fixture(scope="module")
def scanned_corpus() -> list:
    """Training-split conversations of the project corpus (hostile and benign), scanned."""
    scanner = Scanner()
    out = []
    for name in ("hostile_en", "hostile_zh", "hostile_de_fr", "benign_en"):
        path = CORPUS / f"{name}.jsonl"
        train = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        keep = {c["id"] for c in train if c.get("split") == "train"}
        convs = [c for c in JSONL.read(path, ReadContext(str(path))) if c.id in keep]
        out.extend(scanner.scan_batch(convs))
    return out


def test_carried_features_equal_fresh_ones_on_scanned_conversations(scanned_corpus: list
                                                                    ) -> None:
    prefixes = 0
    for sc in scanned_corpus:
        prefixes += _assert_same(sc.findings, sc.conversation.messages, sc.profile)
    assert prefixes > 100  # the corpus gives many prefixes with findings
    # the shape features are exercised, not only the per-stage ones
    shaped = {name for sc in scanned_corpus for name, v in funnel_features(
        sorted(sc.findings, key=lambda f: f.message_index), sc.conversation.messages,
        sc.profile).values.items() if v and not name.startswith("stage:")}
    assert {"paid_tasking", "early_shift", "secrecy_with_tasking"} <= shaped


@pytest.mark.parametrize("seed", range(40))
def test_carried_features_equal_fresh_ones_on_shuffled_funnels(seed: int) -> None:
    """Random findings over every stage, including several of one stage in one message, a
    shift without dates and zero confidences: the order-dependent features (first shift,
    tasking before or after it, requests after tasking) must still agree."""
    rng = random.Random(seed)
    n = rng.randint(1, 14)
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    messages = [Message(sender=rng.choice(["owner", "counterpart"]),
                        platform=rng.choice(["linkedin", "whatsapp", "email"]),
                        text=f"message {i}",
                        ts=None if rng.random() < 0.2 else t0 + timedelta(days=i * rng.random()))
                for i in range(n)]
    stages = [*STAGES, "platform_shift", "tasking_for_payment", "escalation_sensitive"]
    findings = [
        Finding(stage, i, 0, 4, rng.choice(["wechat", "text", "call"]),
                rng.choice([0.0, 0.3, 0.55, 0.8, 1.0]),
                Explanation(reason="moves to WhatsApp" if rng.random() < 0.3 else "seen",
                            source="test", detector="test"))
        for _ in range(rng.randint(0, 18))
        for i, stage in [(rng.randrange(n), rng.choice(stages))]
    ]
    profile = rng.choice([None, ProfileReview(0.0, []), ProfileReview(0.4, ["young account"])])
    _assert_same(findings, messages, profile)
