"""The learned stage detector: deterministic training, exact spans, cited examples, shipped
artefacts that load, and a scanner that runs without the public data sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lurewatch.detect.models import fitted_weights_path
from lurewatch.detect.models import training as training_module
from lurewatch.detect.models.detector import DETECTOR_NAME, ModelDetector
from lurewatch.detect.models.embed import StaticEncoder, split_sentences
from lurewatch.detect.models.heads import HeadsError, StageHeads
from lurewatch.detect.models.text_risk import TextModelError, TextRiskModel
from lurewatch.detect.models.train import train
from lurewatch.model import Conversation, Message
from lurewatch.score.funnel import FunnelWeights

HOSTILE_OPENERS = [
    "Hi {n}, I came across your profile and was impressed. I represent a client who needs "
    "senior advisers for a short, flexible consulting project. The pay is very competitive.",
    "Dear {n}, our think tank would welcome your paid perspective on export controls for "
    "a private client. Would you be open to a short consultancy?",
    "Hello {n}, a consultancy serving Asian investors is looking for experts like you. "
    "Remuneration is generous and the work is remote.",
]
SHIFTS = [
    "LinkedIn is slow for me. Could we continue on WeChat? My id is kbt_{i}88.",
    "Easier to talk on WhatsApp, could you share your number? Mine is +852 5550 19{i:02d}.",
    "Please add me on Telegram, I will send the details there.",
]
BENIGN_OPENERS = [
    "Hi {n}, I'm a recruiter at Northwind. We have an open requisition (REQ-{i}) for a "
    "network engineer; the posting is on our careers page.",
    "Dear {n}, thank you for registering for the spring conference. The programme with "
    "named speakers is attached for your employer's approval.",
    "Hello {n}, this is the expert network scheduling team. Our terms forbid sharing any "
    "confidential or non-public information; please complete the compliance tutorial.",
]
REPLIES = ["Thanks, tell me more.", "Sounds interesting.", "OK, noted."]


def _conversation(i: int, hostile: bool) -> dict:
    name = f"Person{i}"
    if hostile:
        msgs = [
            {"sender": "counterpart", "platform": "linkedin",
             "text": HOSTILE_OPENERS[i % 3].format(n=name), "stages": ["approach"]},
            {"sender": "owner", "platform": "linkedin", "text": REPLIES[i % 3]},
            {"sender": "counterpart", "platform": "linkedin",
             "text": SHIFTS[i % 3].format(i=i), "stages": ["platform_shift"]},
        ]
    else:
        msgs = [
            {"sender": "counterpart", "platform": "email",
             "text": BENIGN_OPENERS[i % 3].format(n=name, i=1000 + i),
             "stages": ["approach"] if i % 3 == 0 else ["compliance_safeguards"]},
            {"sender": "owner", "platform": "email", "text": REPLIES[i % 3]},
            {"sender": "counterpart", "platform": "email",
             "text": "Thanks for your reply, I will send the calendar invite for Tuesday."},
        ]
    stages = sorted({s for m in msgs for s in m.get("stages", [])})
    return {"id": f"{'h' if hostile else 'b'}-{i:03d}", "label":
            "hostile" if hostile else "benign", "split": "train", "lang": "en",
            "scenario": "fixture", "messages": msgs, "stages": stages}


@pytest.fixture()
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [_conversation(i, hostile=True) for i in range(12)]
    lines += [_conversation(i, hostile=False) for i in range(12)]
    held_out = dict(_conversation(99, hostile=True), id="t-held-out", split="test")
    held_out["messages"][0]["text"] = "HELD OUT TEXT that must never be trained on."
    lines.append(held_out)
    (corpus / "tiny.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines) + "\n", "utf-8")
    return corpus


def test_training_is_deterministic_and_skips_missing_shared_data(
        tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training_module, "MIN_POSITIVES", 5)
    said: list[str] = []
    first = train(tiny_corpus, tmp_path / "absent", tmp_path / "a", log=said.append)
    train(tiny_corpus, None, tmp_path / "b", log=lambda _: None)
    assert any("training on the repository corpus only" in s for s in said)
    assert first.report["material"] == {"corpus": 24}  # the test split is never read
    for name in ("stage_heads.npz", "stage_examples.json", "funnel_weights.yaml",
                 "text_risk.npz", "training_report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    heads = StageHeads.load(tmp_path / "a" / "stage_heads.npz")
    assert {"approach", "platform_shift"} <= set(heads.stages)
    assert heads.version == first.heads_version
    examples = json.loads((tmp_path / "a" / "stage_examples.json").read_text("utf-8"))
    assert all("HELD OUT" not in e["text"] for e in examples["examples"])
    weights = FunnelWeights.load(tmp_path / "a" / "funnel_weights.yaml")
    assert weights.name == first.funnel_name
    assert 0 < weights.medium < weights.high < 1
    text = TextRiskModel.load(tmp_path / "a" / "text_risk.npz")
    assert text.version == first.report["text_model"]
    assert text.version in (tmp_path / "a" / "funnel_weights.yaml").read_text("utf-8")
    assert "text_risk" in weights.weights
    assert any(e["stage"] == "text_risk" for e in examples["examples"])


def test_shipped_artefacts_load_and_agree() -> None:
    heads = StageHeads.load()
    assert heads.version.startswith("stage-heads@")
    assert len(heads.stages) >= 8 and heads.w_bag.shape[1] == len(heads.stages)
    examples_path = Path(fitted_weights_path()).with_name("stage_examples.json")
    assert json.loads(examples_path.read_text("utf-8"))["version"] == heads.version
    weights = FunnelWeights.load(fitted_weights_path())
    assert weights.name.startswith("funnel-weights/fitted@")
    assert heads.version in fitted_weights_path().read_text("utf-8")


def test_broken_heads_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "stage_heads.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(HeadsError, match=r"stage_heads\.npz"):
        StageHeads.load(bad)


def test_detector_spans_are_sentences_of_the_message_and_cite_examples() -> None:
    text = ("Thank you for the call yesterday. My client would pay USD 2,000 for a short "
            "report on your team's internal roadmap, which is not public. Please do not "
            "mention this to your employer, it is better kept between us.")
    conv = Conversation(id="x", messages=[
        Message("counterpart", "linkedin", "Hello, I admire your work on satellite systems."),
        Message("owner", "linkedin", "Thanks."),
        Message("counterpart", "whatsapp", text),
    ])
    findings = ModelDetector().detect(conv, [])
    assert findings, "the heads should see tasking, payment or secrecy here"
    for f in findings:
        msg = conv.messages[f.message_index].text
        assert conv.messages[f.message_index].sender == "counterpart"
        assert 0 <= f.start < f.end <= len(msg) and f.evidence == msg[f.start:f.end]
        assert f.evidence.strip() == f.evidence
        if f.message_index == 2:  # a sentence of the long message, not all of it
            assert len(f.evidence) < len(msg)
        assert f.explanation.detector == DETECTOR_NAME
        assert "close to labelled examples such as '" in f.explanation.reason
        assert f.explanation.source
        assert 0 < f.confidence <= 1


def test_detector_does_not_repeat_what_the_rules_found() -> None:
    text = "Could we continue on WeChat? My id is vivian_kbt88."
    conv = Conversation(id="y", messages=[Message("counterpart", "linkedin", text)])
    detector = ModelDetector()
    alone = detector.detect(conv, [])
    assert any(f.stage == "platform_shift" for f in alone)
    prior = [f for f in alone if f.stage == "platform_shift"]
    after = detector.detect_after(conv, [], prior)
    assert not any(f.stage == "platform_shift" for f in after)


def test_encoder_handles_chinese_and_empty_text() -> None:
    enc = StaticEncoder().encode(["我们可以在微信上继续聊吗？", "", "Hello there"])
    assert enc.dense.shape[0] == 3
    norms = np.linalg.norm(enc.dense, axis=1)
    assert norms[0] == pytest.approx(1, abs=1e-5) and norms[1] == 0
    assert set(np.unique(enc.rows)) == {0, 2}  # the empty text has no bag entries


def test_split_sentences_covers_english_and_chinese() -> None:
    text = "Hi Martin. Are you free?  我们谈谈吧。好的\nThanks"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Hi Martin.", "Are you free?", "我们谈谈吧。", "好的", "Thanks"]


def test_scanner_runs_with_the_model_and_names_it() -> None:
    from lurewatch.pipeline import Scanner

    scanner = Scanner()
    assert StageHeads.load().version in scanner.model_id
    assert scanner.scorer.weights.name.startswith("funnel-weights/fitted@")
    conv = Conversation(id="z", messages=[
        Message("counterpart", "linkedin", "Hi, I represent a client who pays well for "
                "short reports. Can we move to WhatsApp?"),
        Message("owner", "linkedin", "Sure."),
    ])
    scanned = scanner.scan_conversation(conv)
    assert 0 <= scanned.verdict.risk <= 1
    assert len(scanned.verdict.risk_by_message) == 2


APPROACH = [
    Message("counterpart", "linkedin", "Hello, I came across your profile. I represent a "
            "consultancy whose client pays well for short reports on your sector."),
    Message("owner", "linkedin", "What kind of reports?"),
    Message("counterpart", "linkedin", "It is easier to discuss details on WeChat, LinkedIn "
            "is slow for me. My id is kbt_88. My client will pay USD 1,500 per report."),
    Message("owner", "wechat", "Ok."),
    Message("counterpart", "wechat", "Please keep this between us, your employer does not "
            "need to know. Could you add some internal details about the next programme?"),
]
RECRUITER = [
    Message("counterpart", "email", "Hi, I'm a recruiter at Northwind. We have an open "
            "requisition REQ-2231 for a network engineer; the posting is on our careers page."),
    Message("owner", "email", "Thanks, I'm interested."),
    Message("counterpart", "email", "Great, I will send a calendar invite for a call with the "
            "hiring manager on Tuesday through our applicant portal."),
]


def test_text_model_scores_prefixes_as_running_means() -> None:
    from lurewatch.pipeline import Scanner

    scanner = Scanner()
    text = scanner.scorer.text
    assert text is not None and text.model.version in scanner.model_id
    evidence = text.evidence(APPROACH)
    assert evidence.indices == [0, 2, 4]
    # a prefix's probability is that of the mean of its messages' scores
    prefix = text.model.prefix_probabilities(evidence.scores)
    for k in range(3):
        assert prefix[k] == pytest.approx(text.model.probability(
            float(evidence.scores[: k + 1].mean())))
    by_message = text.probability_by_message(len(APPROACH), evidence)
    assert by_message[1] == by_message[0] and by_message[3] == by_message[2]
    assert by_message[4] == pytest.approx(prefix[2])


def test_scanner_batch_and_scorer_alone_agree_and_explain_the_text_signal() -> None:
    from lurewatch.pipeline import Scanner

    scanner = Scanner()
    hostile = Conversation(id="h", messages=list(APPROACH))
    genuine = Conversation(id="g", messages=list(RECRUITER))
    batch = scanner.scan_batch([hostile, genuine])
    for scanned in batch:
        # the scorer encoding on its own gives the verdict the batch gave
        alone = scanner.scorer.score(scanned.findings, scanned.conversation.messages,
                                     scanned.profile, scanned.indicators)
        assert alone.risk == pytest.approx(scanned.verdict.risk, abs=1e-3)
        assert alone.reasons == scanned.verdict.reasons
    hostile_verdict, genuine_verdict = batch[0].verdict, batch[1].verdict
    assert hostile_verdict.level == "high" and genuine_verdict.level == "low"
    said = [r for r in hostile_verdict.reasons if r.startswith("the counterpart's messages")]
    assert len(said) == 1 and "close to labelled examples such as '" in said[0]
    assert not any(r.startswith("the counterpart's messages") for r in genuine_verdict.reasons)
    # the risk per message follows the prefixes and ends at the conversation's risk
    assert hostile_verdict.risk_by_message[-1] == pytest.approx(hostile_verdict.risk, abs=1e-3)
    assert hostile_verdict.first_alert is not None
    assert hostile_verdict.risk_by_message[hostile_verdict.first_alert] >= \
        scanner.scorer.weights.medium


def test_broken_text_model_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "text_risk.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(TextModelError, match=r"text_risk\.npz"):
        TextRiskModel.load(bad)
