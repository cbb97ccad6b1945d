"""Evidence is highlighted on exactly the characters the detectors pointed at."""

from __future__ import annotations

from typing import Any

from report_html_probe import Probe, sample_report

from lurewatch.report.html import Piece, locate_evidence, render_html, split_highlights

# Offsets are Python code points: the emoji is one character, each Chinese character is one.
ZH = "🙂您好！请加我微信vivian_kbt88。报酬为2000美元，请保密。"


def one_conversation(text: str, stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "conversations": [
            {
                "id": "c-1", "level": "high", "risk": 0.9, "first_alert": 0,
                "platforms": ["wechat"],
                "stages": [{"message_index": 0, "confidence": 0.9, **s} for s in stages],
                "messages": [{"index": 0, "sender": "counterpart", "sender_name": "V",
                              "platform": "wechat", "ts": "2023-03-03T12:41:00Z", "text": text}],
            }
        ]
    }


def marks(text: str, stages: list[dict[str, Any]]) -> tuple[str, list[tuple[str, str]]]:
    seen = Probe(render_html(one_conversation(text, stages))).messages["conv-1-m0"]
    return seen.text, seen.marks


def test_chinese_offsets_land_on_the_right_characters() -> None:
    assert ZH[4:21] == "请加我微信vivian_kbt88"  # guards the fixture itself
    text, found = marks(ZH, [
        {"stage": "platform_shift", "start": 4, "end": 21},
        {"stage": "payment", "start": 22, "end": 31},
        {"stage": "secrecy", "start": 33, "end": 35},
    ])
    assert text == ZH
    assert found == [("请加我微信vivian_kbt88", "ev"), ("报酬为2000美元", "ev"), ("保密", "ev")]


def test_adjacent_spans_stay_separate() -> None:
    text, found = marks(ZH, [
        {"stage": "platform_shift", "start": 4, "end": 9},
        {"stage": "platform_shift", "start": 9, "end": 21},
    ])
    assert text == ZH
    assert found == [("请加我微信", "ev"), ("vivian_kbt88", "ev")]


def test_overlapping_spans_are_cut_and_the_shared_part_marked_twice() -> None:
    message = "We pay USD 2,000 per report, in cash or crypto."
    assert (message[0:27], message[7:46], message[40:47]) == (
        "We pay USD 2,000 per report", "USD 2,000 per report, in cash or crypto", "crypto."
    )
    text, found = marks(message, [
        {"stage": "tasking_for_payment", "start": 0, "end": 27},  # "We pay ... per report"
        {"stage": "payment", "start": 7, "end": 46},  # "USD 2,000 ... crypto"
        {"stage": "compliance_safeguards", "start": 40, "end": 47},  # "crypto."
    ])
    assert text == message
    assert found == [
        ("We pay ", "ev"),
        ("USD 2,000 per report", "ev both"),
        (", in cash or ", "ev"),
        ("crypto", "ev both"),
        (".", "ok"),
    ]


def test_offsets_that_disagree_with_the_quote_fall_back_to_the_quote() -> None:
    message = "Please keep this between us."
    stage = {"stage": "secrecy", "start": 0, "end": 6, "evidence": "keep this between us"}
    assert locate_evidence(message, stage) == (7, 27)
    assert marks(message, [stage])[1] == [("keep this between us", "ev")]
    # No offsets at all: the quote is found.
    assert locate_evidence(message, {"evidence": "between us"}) == (17, 27)
    # Offsets without a quote are trusted; impossible offsets are ignored.
    assert locate_evidence(message, {"start": 7, "end": 11}) == (7, 11)
    assert locate_evidence(message, {"start": 20, "end": 99}) is None
    assert locate_evidence(message, {"start": True, "end": 3}) is None
    assert locate_evidence(message, {"evidence": "not there", "start": 5, "end": 3}) is None
    assert marks(message, [{"stage": "secrecy", "start": 20, "end": 99}]) == (message, [])


def test_split_highlights_reports_which_spans_cover_and_end_each_piece() -> None:
    pieces = split_highlights("abcdefgh", [(1, 5, 1), (3, 7, 2), (9, 12, 3), (4, 4, 4)])
    assert pieces == [
        Piece("a"),
        Piece("bc", (1,)),
        Piece("de", (1, 2), (1,)),
        Piece("fg", (2,), (2,)),
        Piece("h"),
    ]
    assert split_highlights("", [(0, 1, 1)]) == []


def test_every_stage_of_the_sample_is_highlighted_on_its_evidence() -> None:
    report = sample_report()
    probe = Probe(render_html(report))
    checked = 0
    for position, conv in enumerate(report["conversations"]):
        for msg in conv.get("messages", []):
            seen = probe.messages[f"conv-{position + 1}-m{msg['index']}"]
            assert seen.text == msg["text"]
            expected: set[int] = set()
            for stage in conv["stages"]:
                if stage["message_index"] == msg["index"]:
                    assert msg["text"][stage["start"]:stage["end"]] == stage["evidence"]
                    expected.update(range(stage["start"], stage["end"]))
                    checked += 1
            assert seen.highlighted == expected, (conv["id"], msg["index"])
    assert checked == 20  # every stage of the three flagged sample conversations


def test_messages_without_an_index_are_numbered_by_position() -> None:
    report = one_conversation("hi", [])
    conv = report["conversations"][0]
    conv["messages"] = [{"text": "hi"}, {"text": "keep this quiet"}]
    conv["stages"] = [{"stage": "secrecy", "message_index": 1, "evidence": "quiet"}]
    probe = Probe(render_html(report))
    assert probe.messages["conv-1-m1"].marks == [("quiet", "ev")]
    assert ("a", "href", "#conv-1-m1") in probe.urls()
