"""The funnel scorer on hand-built findings: the shape decides, not single words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lurewatch.model import Explanation, Finding, Message, ProfileReview
from lurewatch.score.funnel import FunnelScorer, FunnelWeights, WeightsError

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def msgs(*spec: tuple[str, str, float]) -> list[Message]:
    """(sender, platform, days after T0) -> messages with placeholder text."""
    return [Message(sender=s, platform=p, text=f"message {i}", ts=T0 + timedelta(days=d))
            for i, (s, p, d) in enumerate(spec)]


def finding(stage: str, index: int, confidence: float = 0.8, evidence: str = "x") -> Finding:
    return Finding(stage, index, 0, len(evidence), evidence, confidence,
                   Explanation(reason=f"{stage} seen", source="test", detector="test"))


@pytest.fixture(scope="module")
def scorer() -> FunnelScorer:
    return FunnelScorer()


def test_full_csis_funnel_is_high_and_alerts_before_the_end(scorer: FunnelScorer) -> None:
    messages = msgs(("counterpart", "linkedin", 0), ("owner", "linkedin", 0.2),
                    ("counterpart", "linkedin", 0.5), ("counterpart", "whatsapp", 1),
                    ("counterpart", "whatsapp", 1.1), ("owner", "whatsapp", 2),
                    ("counterpart", "whatsapp", 9), ("counterpart", "whatsapp", 9.1))
    findings = [finding("approach", 0), finding("platform_shift", 2, evidence="add me on WhatsApp"),
                finding("tasking_for_payment", 4), finding("payment", 4),
                finding("escalation_sensitive", 6), finding("secrecy", 7)]
    verdict = scorer.score(findings, messages)
    assert verdict.level == "high"
    assert verdict.first_alert is not None and verdict.first_alert <= 4
    assert len(verdict.risk_by_message) == len(messages)
    assert verdict.risk_by_message == sorted(verdict.risk_by_message)  # risk only grows here
    assert any("non-public" in r for r in verdict.reasons)


def test_genuine_recruiter_moving_to_company_email_is_low(scorer: FunnelScorer) -> None:
    messages = msgs(("counterpart", "linkedin", 0), ("owner", "linkedin", 1),
                    ("counterpart", "linkedin", 1.1), ("counterpart", "email", 2))
    findings = [finding("approach", 0),
                finding("platform_shift", 2, 0.6, "send your CV to priya@northwind-energy.com"),
                finding("info_request_benign", 2)]
    verdict = scorer.score(findings, messages)
    assert verdict.level == "low"
    assert verdict.first_alert is None


def test_compliance_safeguards_bring_paid_work_back_down(scorer: FunnelScorer) -> None:
    messages = msgs(("counterpart", "linkedin", 0), ("counterpart", "linkedin", 1),
                    ("counterpart", "linkedin", 1.1))
    paid = [finding("approach", 0), finding("tasking_for_payment", 1), finding("payment", 1)]
    without = scorer.score(paid, messages)
    with_terms = scorer.score([*paid, finding("compliance_safeguards", 2, 0.9)], messages)
    assert with_terms.risk < without.risk
    assert with_terms.level == "low"
    assert any(r.startswith("lowers risk") for r in with_terms.reasons)


def test_profile_risk_raises_an_early_messenger_shift(scorer: FunnelScorer) -> None:
    messages = msgs(("counterpart", "linkedin", 0), ("counterpart", "linkedin", 0.1))
    findings = [finding("approach", 0), finding("platform_shift", 1, 0.8, "add me on WeChat")]
    plain = scorer.score(findings, messages)
    risky = scorer.score(findings, messages, ProfileReview(0.9, ["account 12 days old"]))
    assert risky.risk > plain.risk
    assert risky.level != "low"


def test_no_findings_is_low_with_no_alert(scorer: FunnelScorer) -> None:
    verdict = scorer.score([], msgs(("counterpart", "email", 0)))
    assert (verdict.level, verdict.first_alert) == ("low", None)
    assert verdict.risk < 0.1


def test_levels_follow_the_documented_thresholds(scorer: FunnelScorer) -> None:
    w = scorer.weights
    assert scorer.level(w.medium - 1e-9) == "low"
    assert scorer.level(w.medium) == "medium"
    assert scorer.level(w.high) == "high"


def test_broken_weights_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "w.yaml"
    bad.write_text("bias: -1\nweights: {stage:nonsense: 1}\nlevels: {medium: 0.3, high: 0.7}\n")
    with pytest.raises(WeightsError) as err:
        FunnelWeights.load(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)
