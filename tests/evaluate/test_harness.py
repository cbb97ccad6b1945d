"""The harness on small labelled inputs, with the real scanner."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lurewatch.evaluate.harness import EvalOptions, labelled_conversations, run_evaluation
from lurewatch.pipeline import Scanner, ScanOptions

FIXTURES = Path(__file__).parents[1] / "fixtures" / "evaluate"
LABELLED = FIXTURES / "labelled.jsonl"
ENRON = FIXTURES / "enron_sample.jsonl"
SECONVO = FIXTURES / "seconvo_sample.json"


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(ScanOptions(stitch=False))


@pytest.fixture(scope="module")
def result(scanner: Scanner) -> dict:
    return run_evaluation([str(LABELLED), str(ENRON)], EvalOptions(split="test"), scanner)


def test_split_filter_and_input_counts(result: dict) -> None:
    labelled, enron = result["inputs"]
    assert (labelled["read"], labelled["evaluated"], labelled["unlabelled"],
            labelled["other_split"], labelled["skipped"]) == (8, 5, 1, 2, 1)
    assert "labelled.jsonl:6" in labelled["warnings"][0]
    assert (enron["format"], enron["evaluated"], enron["other_split"]) == ("enron", 2, 2)
    overall = result["overall"]
    assert (overall["n"], overall["hostile"], overall["benign"]) == (7, 2, 5)
    ids = [c["id"] for c in result["conversations"]]
    assert ids == ["ev-h1", "ev-h2", "ev-b1", "ev-b2", "ev-b3",
                   "enron:allen-p_inbox_1", "enron:allen-p_inbox_2"]


def test_figures_are_the_scanners_own(result: dict, scanner: Scanner) -> None:
    convs = {c.id: c for c in labelled_conversations(
        [str(LABELLED), str(ENRON)], EvalOptions(split="test"), [])}
    flagged = 0
    for entry in result["conversations"]:
        verdict = scanner.scan_conversation(convs[entry["id"]]).verdict
        assert (entry["risk"], entry["level"]) == (verdict.risk, verdict.level)
        flagged += verdict.level != "low"
    assert result["overall"]["flagged_rate"] == pytest.approx(flagged / 7)
    # Early detection scans the conversation cut to its first k messages.
    h1 = convs["ev-h1"]
    cut = scanner.scan_conversation(replace(h1, messages=h1.messages[:3])).verdict
    entry = result["conversations"][0]
    assert entry["prefix"]["3"] == {"risk": cut.risk, "level": cut.level}
    # A conversation shorter than k is its own cut.
    b2 = result["conversations"][3]
    assert b2["messages"] == 3 and b2["prefix"]["5"]["risk"] == b2["risk"]


def test_an_obvious_lure_is_flagged_and_a_friends_chat_is_not(result: dict) -> None:
    by_id = {c["id"]: c for c in result["conversations"]}
    assert by_id["ev-h1"]["level"] != "low"
    assert by_id["ev-b3"]["level"] == "low"
    assert by_id["ev-h1"]["risk"] > by_id["ev-b3"]["risk"]


def test_stage_metrics_use_conversation_and_message_labels(result: dict) -> None:
    stages = result["stages"]
    # Enron e-mails carry no stage labels; ev-b3 is labelled with no stage at all.
    assert stages["conversations_compared"] == 5
    # Message labels: ev-h1 (8) + ev-h2 (4) + ev-b1 (4) + ev-b2 (3); ev-b3 has none.
    assert stages["messages_compared"] == 19
    # Labelled supports, counted from the fixture's test split.
    assert stages["conversation"]["approach"]["support"] == 4
    assert stages["message"]["payment"]["support"] == 4
    assert stages["conversation"]["secrecy"]["support"] == 1
    for counts in stages["conversation"].values():
        assert counts["tp"] + counts["fn"] == counts["support"]


def test_breakdowns_and_calibration(result: dict, tmp_path: Path) -> None:
    scenario = result["breakdowns"]["scenario"]
    assert scenario["business-email"]["n"] == 2 and scenario["business-email"]["hostile"] == 0
    assert set(result["breakdowns"]["lang"]) == {"en"}
    cal = result["calibration"]
    assert sum(b["count"] for b in cal["reliability"]) == 7
    assert 0.0 <= cal["ece"] <= 1.0
    assert set(result["early"]) == {"3", "5", "7"}


def test_seconvo_scenarios_and_plot(scanner: Scanner, tmp_path: Path) -> None:
    result = run_evaluation([str(SECONVO)], EvalOptions(plots_dir=tmp_path), scanner)
    assert result["overall"]["n"] == 2
    assert set(result["breakdowns"]["scenario"]) == {"Academic Funding", "Journalism"}
    assert set(result["breakdowns"]["dataset"]) == {"SEConvo"}
    png = Path(result["calibration"]["plot"])
    assert png.read_bytes().startswith(b"\x89PNG")
    # SEConvo has no stage labels of the project's vocabulary.
    assert result["stages"]["conversations_compared"] == 0
