"""Cross-validation of the scan decision: the memoised encoder is the encoder, every labelled
conversation is scored once per repeat by models that never saw it, and cached fits give the
same figures as fresh ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lurewatch.detect.models import training as training_module
from lurewatch.detect.models.crossval import MemoEncoder, cross_validate, summary
from lurewatch.detect.models.embed import StaticEncoder
from lurewatch.detect.models.train import kept_scan_cv
from lurewatch.detect.models.training import text_signature
from lurewatch.detect.models.training_data import load_training_material

TEXTS = [
    "Could you share your date of birth and home address for the grant paperwork?",
    "Thanks for the call, I will send the calendar invite for Tuesday.",
    "我们的客户愿意为一份简短的报告支付报酬。",
]


HOSTILE = [
    "Hi {n}, I came across your profile. A client of mine pays very well for short, flexible "
    "consulting reports. Could we continue on WeChat?",
    "Dear {n}, our think tank would welcome your paid perspective for a private client; "
    "please add me on Telegram and send your date of birth for the contract.",
]
BENIGN = [
    "Hi {n}, I'm a recruiter at Northwind with an open requisition (REQ-{i}) on our careers "
    "page. Happy to send the calendar invite for Tuesday.",
    "Dear {n}, the conference programme with named speakers is attached for your "
    "employer's approval. Thanks for your reply.",
]


@pytest.fixture()
def tiny_corpus(tmp_path: Path) -> Path:
    lines = []
    for i in range(24):
        hostile = i % 2 == 0
        text = (HOSTILE if hostile else BENIGN)[i // 2 % 2].format(n=f"P{i}", i=1000 + i)
        lines.append({"id": f"c{i}", "label": "hostile" if hostile else "benign",
                      "split": "train", "messages": [
                          {"sender": "counterpart", "platform": "linkedin", "text": text,
                           "stages": ["approach"] if hostile else []},
                          {"sender": "owner", "platform": "linkedin",
                           "text": "Thanks, tell me more."}]})
    lines.append({"id": "held", "label": "hostile", "split": "test", "messages": [
        {"sender": "counterpart", "platform": "linkedin", "text": "HELD OUT TEXT"}]})
    (tmp_path / "tiny.jsonl").write_text("\n".join(json.dumps(x) for x in lines), "utf-8")
    return tmp_path


def test_memo_encoder_matches_the_static_encoder() -> None:
    memo, plain = MemoEncoder(TEXTS), StaticEncoder()
    texts = [TEXTS[1], TEXTS[0], TEXTS[1], TEXTS[2]]
    a, b = memo.encode(texts), plain.encode(texts)
    np.testing.assert_allclose(a.dense, b.dense, rtol=1e-6)
    assert (a.tokens() != b.tokens()).nnz == 0
    assert a.rows.tolist() == b.rows.tolist() and a.cols.tolist() == b.cols.tolist()
    unseen = memo.encode(["A text the memo never saw."])
    np.testing.assert_allclose(unseen.dense, plain.encode(["A text the memo never saw."]).dense)


def test_every_conversation_is_scored_once_and_cache_changes_nothing(
        tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training_module, "MIN_POSITIVES", 5)
    material = load_training_material(tiny_corpus, None)
    cache: dict = {}
    first = cross_validate(material, repeats=2, log=lambda _: None, cache=cache)
    again = cross_validate(material, repeats=2, log=lambda _: None, cache=cache)
    assert len(first.labelled) == 24  # the test split is never read
    assert not np.isnan(first.risk).any() and ((first.risk >= 0) & (first.risk <= 1)).all()
    np.testing.assert_array_equal(first.risk, again.risk)
    assert len(first.levels) == 10  # 2 repeats x 5 folds, each with its own levels
    figures = summary(first)
    assert set(figures) == {"corpus_auc", "corpus_macro_f1", "corpus_ece",  # no SEConvo/Enron
                            "corpus_first5_auc", "corpus_first5_macro_f1"}
    assert not np.isnan(first.early_risk).any()  # corpus conversations are cut too
    assert 0.0 <= figures["corpus_ece"] <= 1.0
    assert figures["corpus_auc"] > 0.9  # the fixture's hostile and benign openers differ


def test_training_keeps_scan_cv_only_for_the_current_text_settings(tmp_path: Path) -> None:
    report = tmp_path / "training_report.json"
    current = list(text_signature())
    report.write_text(json.dumps({"scan_cv": {
        "before": {"seconvo_macro_f1": 0.79, "text_settings": [1.0]},
        "after": {"seconvo_macro_f1": 0.81, "text_settings": current},
        "stale": {"seconvo_macro_f1": 0.5, "text_settings": [2.0]},
    }}), "utf-8")
    assert set(kept_scan_cv(report)["scan_cv"]) == {"before", "after"}
    assert kept_scan_cv(tmp_path / "absent.json") == {}
