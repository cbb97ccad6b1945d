"""The conversation scorer's prefix rows: each labelled conversation cut after 3, 5 and 7
messages, read as the scanner reads a prefix (findings up to the cut, the text model's
out-of-fold running mean), sharing a fixed part of the conversation's weight, and kept in the
conversation's fold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lurewatch.detect.models.crossval import MemoEncoder
from lurewatch.detect.models.training import (
    conversation_matrix,
    first_pass_findings,
    fit_funnel,
    fit_text_model,
    prefix_matrix,
    source_weights,
)
from lurewatch.detect.models.training_data import load_training_material
from lurewatch.score.features import FEATURE_NAMES

HOSTILE = [
    "Hi {n}, I came across your profile. A client of mine pays very well for short, flexible "
    "consulting reports on your sector.",
    "Thanks {n}. The client is a consultancy serving Asian investors; the work is remote.",
    "It would only be your personal views, nothing special, and we pay per report.",
    "LinkedIn is slow for me. Could we continue on WeChat? My id is kbt_{i}88.",
]
BENIGN = [
    "Hi {n}, I'm a recruiter at Northwind with an open requisition (REQ-{i}) on our careers "
    "page for a network engineer.",
    "Thanks {n}, the salary band is on the posting and the process has two interviews.",
    "Our hiring manager is free on Tuesday or Thursday; which suits you better?",
    "Great, I will send the calendar invite to your e-mail address.",
]
OWNER = "Thanks, tell me more."


def _conversation(i: int, hostile: bool, turns: int) -> dict:
    lines = HOSTILE if hostile else BENIGN
    messages = []
    for t in range(turns):
        messages.append({"sender": "counterpart", "platform": "linkedin",
                         "text": lines[t % len(lines)].format(n=f"P{i}", i=i)})
        messages.append({"sender": "owner", "platform": "linkedin", "text": OWNER})
    return {"id": f"c{i}", "label": "hostile" if hostile else "benign", "split": "train",
            "messages": messages}


@pytest.fixture()
def material(tmp_path: Path) -> list:
    # 4 counterpart turns = 8 messages (cuts 3, 5, 7); 2 turns = 4 messages (cut 3 only);
    # the 3-message conversations end with a counterpart message and get no cut
    rows = [_conversation(i, hostile=i % 2 == 0, turns=4 if i < 12 else 2) for i in range(20)]
    rows += [dict(_conversation(i, hostile=i % 2 == 0, turns=2), id=f"s{i}")
             for i in range(20, 24)]
    for row in rows[20:]:
        row["messages"] = row["messages"][:3]
    (tmp_path / "prefix.jsonl").write_text("\n".join(json.dumps(r) for r in rows), "utf-8")
    return load_training_material(tmp_path, None)


def test_text_prefix_probabilities_end_at_the_whole_conversation(material: list) -> None:
    encoder = MemoEncoder([m.text for tc in material for m in tc.conversation.messages])
    fit = fit_text_model(material, encoder, lambda _: None)
    assert len(fit.oof_prefix) == len(fit.oof) == 24
    for k, tc in enumerate(material):
        said = sum(1 for m in tc.conversation.messages if m.sender == "counterpart")
        assert fit.oof_prefix[k].size == said
        assert fit.oof_prefix[k][-1] == pytest.approx(fit.oof[k], abs=1e-9)


def test_prefix_rows_cut_findings_text_and_weight(material: list) -> None:
    encoder = MemoEncoder([m.text for tc in material for m in tc.conversation.messages])
    text = fit_text_model(material, encoder, lambda _: None)
    findings = first_pass_findings(material)
    rows = prefix_matrix(material, findings, text.oof_prefix, weight=0.5)
    # 12 conversations x 3 cuts + 8 x 1 cut; the 3-message ones get none
    assert rows.y.size == 12 * 3 + 8
    assert sorted(set(rows.owner.tolist())) == list(range(20))
    weight_of = source_weights(material)["corpus"]
    for owner in range(20):
        assert rows.w[rows.owner == owner].sum() == pytest.approx(0.5 * weight_of)
        assert (rows.y[rows.owner == owner] == material[owner].hostile).all()
    shift = FEATURE_NAMES.index("stage:platform_shift")
    text_col = FEATURE_NAMES.index("text_risk")
    hostile_long = [o for o in range(12) if material[o].hostile]
    for owner in hostile_long:
        cut3, cut5, cut7 = rows.x[rows.owner == owner]
        # the WeChat move is the 7th message (index 6): only the 7-message cut has it
        assert cut3[shift] == 0 and cut5[shift] == 0 and cut7[shift] > 0
        # after 3 messages the counterpart has spoken twice (indices 0 and 2)
        assert cut3[text_col] == pytest.approx(text.oof_prefix[owner][1])
        assert cut7[text_col] == pytest.approx(text.oof_prefix[owner][3])
    assert prefix_matrix(material, findings, text.oof_prefix, weight=0.0).y.size == 0


def test_scorer_with_prefix_rows_reports_on_whole_conversations(material: list) -> None:
    encoder = MemoEncoder([m.text for tc in material for m in tc.conversation.messages])
    text = fit_text_model(material, encoder, lambda _: None)
    findings = first_pass_findings(material)
    x, y, w, sources = conversation_matrix(material, findings, text.oof)
    plain = fit_funnel(x, y, w, sources)
    empty = fit_funnel(x, y, w, sources,
                       prefixes=prefix_matrix(material, findings, text.oof_prefix, weight=0.0))
    assert empty.weights == plain.weights and empty.bias == plain.bias
    with_cuts = fit_funnel(x, y, w, sources,
                           prefixes=prefix_matrix(material, findings, text.oof_prefix,
                                                  weight=1.0))
    assert with_cuts.oof_risk.shape == (24,)
    assert with_cuts.weights != plain.weights  # the cut rows do train the scorer
    np.testing.assert_array_less(-1e-12, with_cuts.oof_risk)
