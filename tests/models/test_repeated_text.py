"""Repeated text is worked out once (encoder rows, rule results, sentence choice and
reasons): the answers must be exactly those of each text worked out on its own."""

from __future__ import annotations

import numpy as np

from lurewatch.detect.models.detector import ModelDetector
from lurewatch.detect.models.embed import StaticEncoder
from lurewatch.detect.rules.engine import RuleDetector
from lurewatch.model import Conversation, Message

PAYMENT = ("Thank you for the call. My client would pay USD 2,000 for a short report on your "
           "team's internal roadmap. Please keep this between us.")
LINES = [
    "Thanks for connecting! Hope you're well.",
    PAYMENT,
    "",
    "方便加个微信吗？我的微信是 hr_li001",
    "Could we continue on WeChat? My id is vivian_kbt88.",
    "Sure, Tuesday at 3pm works for me.",
]


def test_encoding_a_batch_with_repeats_matches_each_text_alone() -> None:
    encoder = StaticEncoder()
    texts = [LINES[k % len(LINES)] for k in (0, 1, 1, 2, 3, 1, 4, 0, 5, 3, 2)]
    batch = encoder.encode(texts)
    assert batch.n == len(texts)
    for row, text in enumerate(texts):
        alone = encoder.encode([text])
        assert np.array_equal(batch.dense[row], alone.dense[0])
        mine = batch.rows == row
        assert np.array_equal(batch.cols[mine], alone.cols)
        assert np.array_equal(batch.values[mine], alone.values)
    assert np.all(np.diff(batch.rows) >= 0), "rows stay ascending"
    assert batch.rows.dtype == np.int64 and batch.values.dtype == np.float32


def test_rule_results_depend_on_text_and_sender_not_on_what_came_before() -> None:
    seasoned = RuleDetector()
    for text in LINES:  # fill the memo
        seasoned.detect_text(text, "counterpart", 0)
    fresh = RuleDetector()
    found = seasoned.detect_text(PAYMENT, "counterpart", 7)
    assert found and found == fresh.detect_text(PAYMENT, "counterpart", 7)
    assert all(f.message_index == 7 for f in found)
    assert [f.message_index for f in seasoned.detect_text(PAYMENT, "counterpart", 2)] == [2] * len(
        found)
    # the built-in rules read the counterpart only: the memo must not hand the owner theirs
    assert seasoned.detect_text(PAYMENT, "owner", 7) == fresh.detect_text(PAYMENT, "owner", 7)
    assert len(seasoned.detect_text(PAYMENT, "owner", 7)) < len(found)


def test_model_findings_of_repeated_messages_match_one_conversation_at_a_time() -> None:
    convs = [Conversation(id=f"c{k}", messages=[
        Message("counterpart", "linkedin", LINES[(k + j) % len(LINES)]) for j in range(4)])
        for k in range(6)]
    together = ModelDetector().detect_many([(conv, []) for conv in convs])
    assert any(together), "the payment message should give the heads something to say"
    for conv, found in zip(convs, together, strict=True):
        assert found == ModelDetector().detect(conv, [])
