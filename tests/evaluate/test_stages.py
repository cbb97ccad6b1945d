"""Per-stage precision and recall counted by hand."""

from __future__ import annotations

import pytest

from lurewatch.evaluate.stages import StageTally, message_stage_labels


def test_stage_tally_counts_tp_fp_fn() -> None:
    tally = StageTally()
    tally.add({"approach", "platform_shift"}, ["approach", "payment"])
    tally.add({"payment"}, ["payment", "secrecy"])
    tally.add(set(), [])
    out = tally.to_dict()
    assert tally.units == 3
    assert out["approach"] == {"tp": 1, "fp": 0, "fn": 0, "support": 1,
                               "precision": 1.0, "recall": 1.0}
    assert out["platform_shift"]["fp"] == 1 and out["platform_shift"]["recall"] is None
    assert out["payment"]["tp"] == 1 and out["payment"]["fn"] == 1
    assert out["payment"]["recall"] == pytest.approx(0.5)
    assert out["secrecy"]["precision"] is None and out["secrecy"]["recall"] == 0.0
    pooled = tally.micro()
    assert (pooled["tp"], pooled["fp"], pooled["fn"]) == (2, 1, 2)
    assert pooled["precision"] == pytest.approx(2 / 3)


def test_message_stage_labels_reads_lists_only() -> None:
    assert message_stage_labels(["approach"]) == ["approach"]
    assert message_stage_labels(None) is None
    assert message_stage_labels("approach") is None
    assert message_stage_labels([1, 2]) is None
