from __future__ import annotations

import copy
import json
from typing import Any

from sharing_data import OWNER_STRINGS, PRIVATE_TEXT

from lurewatch.report.sharing.redact import MASK, redact_report


def _conv(report: dict[str, Any], conv_id: str) -> dict[str, Any]:
    return next(c for c in report["conversations"] if c["id"] == conv_id)


def test_input_is_not_changed(report, pristine):
    redact_report(report)
    assert report == pristine


def test_owner_identities_are_gone_from_every_field(report):
    text = json.dumps(redact_report(report), ensure_ascii=False)
    for owner_string in OWNER_STRINGS:
        assert owner_string not in text, owner_string
    assert MASK in text  # they were masked, not the whole text dropped


def test_message_text_beyond_evidence_is_gone(report):
    text = json.dumps(redact_report(report), ensure_ascii=False)
    for private in PRIVATE_TEXT:
        assert private not in text, private


def test_evidence_spans_survive_with_the_owner_masked(report, pristine):
    out = redact_report(report)
    for conv_id in ("c-0001", "c-0107"):
        before, after = _conv(pristine, conv_id), _conv(out, conv_id)
        assert [s["stage"] for s in after["stages"]] == [s["stage"] for s in before["stages"]]
        for old, new in zip(before["stages"], after["stages"], strict=True):
            expected = (old["evidence"].replace("Daniel", MASK).replace("Priya", MASK))
            assert new["evidence"] == expected
    assert "could you add me on WeChat (vivian_kbt88)?" in json.dumps(out)


def test_messages_keep_only_evidence_and_drop_owner_messages(report):
    conv = _conv(redact_report(report), "c-0001")
    assert [m["index"] for m in conv["messages"]] == [0, 2, 4]  # 1 and 3 are the owner's
    assert all(m["sender"] == "counterpart" for m in conv["messages"])
    second = conv["messages"][1]["text"]
    assert second == ("could you add me on WeChat (vivian_kbt88)? [...] "
                      "My clients would pay USD 1,500 for a short report")
    assert all("sender_name" not in m for m in conv["messages"])


def test_owner_sent_indicators_are_dropped_and_counterpart_ones_kept(report):
    out = redact_report(report)
    kept = {(i["type"], i["value"]) for c in out["conversations"] for i in c["indicators"]}
    assert ("wechat-id", "vivian_kbt88") in kept
    assert ("whatsapp-number", "+85251234567") in kept
    assert ("email", "vivian.k@kestrelbridge-talent.com") in kept
    assert not {v for _, v in kept} & {"+12025550147", "daniel.roy@northgate-aero.com",
                                       "+447700900456", "priya.natarajan@helix-labs.co.uk"}


def test_counterpart_kept_but_owner_notes_title_and_paths_dropped(report):
    out = redact_report(report)
    conv = _conv(out, "c-0001")
    assert conv["counterpart"]["name"] == "Vivian K."
    assert conv["counterpart"]["profile_url"].endswith("vivian-k-4b1a2c39")
    assert "notes" not in conv["counterpart"]
    assert "title" not in conv and "source" not in conv and "owner" not in conv
    assert out["inputs"][0] == {"format": "linkedin", "conversations": 2, "messages": 9,
                                "skipped": 0}
    assert all("text" not in e for e in out["campaigns"][0]["timeline"])
    assert out["redacted"] is True


def test_owner_phone_is_masked_in_any_formatting(report):
    conv = _conv(report, "c-0001")
    conv["stages"][2]["explanation"] = "asks to move; owner had given 202.555.0147 and 2025550147"
    conv["reasons"].append("owner's number (202) 555 0147 appears in the thread")
    out = _conv(redact_report(report), "c-0001")
    assert out["stages"][2]["explanation"] == f"asks to move; owner had given {MASK} and {MASK}"
    assert out["reasons"][-1] == f"owner's number {MASK} appears in the thread"


def test_other_numbers_survive(report):
    out = _conv(redact_report(report), "c-0107")
    assert any(i["value"] == "+85251234567" for i in out["indicators"])
    assert "USD 2,000" in json.dumps(out)


def test_short_name_parts_only_where_written_as_names():
    report = {"schema": "lurewatch.report/1", "conversations": [{
        "id": "c-1", "owner": "Will Li", "level": "high",
        "stages": [{"stage": "approach", "message_index": 0,
                    "evidence": "Li, we will pay well; will you, Will?"}]}]}
    out = redact_report(report)
    assert out["conversations"][0]["stages"][0]["evidence"] == \
        f"{MASK}, we will pay well; will you, {MASK}?"


def test_chinese_owner_name_is_masked_inside_running_text():
    report = {"schema": "lurewatch.report/1", "conversations": [{
        "id": "c-2", "owner": "王伟", "level": "high",
        "stages": [{"stage": "platform_shift", "message_index": 0,
                    "evidence": "王伟你好，加我微信 vivian_kbt88"}]}]}
    out = redact_report(report)
    assert out["conversations"][0]["stages"][0]["evidence"] == f"{MASK}你好，加我微信 vivian_kbt88"


def test_malformed_parts_do_not_break_redaction():
    report = {"schema": "lurewatch.report/1", "inputs": "oops", "campaigns": None,
              "conversations": [None, "x", {"id": "c-3", "messages": "not a list",
                                            "indicators": [None, {"type": "email"}]}]}
    before = copy.deepcopy(report)
    out = redact_report(report)
    assert report == before
    assert out["redacted"] is True


def test_handle_the_owner_repeats_stays_the_counterparts(report):
    conv = _conv(report, "c-0001")
    conv["messages"][3]["text"] = "Added you, vivian_kbt88. I work at Northgate Aerospace."
    conv["indicators"] += [
        {"type": "wechat-id", "value": "vivian_kbt88", "message_index": 3},
        {"type": "company", "value": "Northgate Aerospace", "message_index": 3},
    ]
    out = redact_report(report)
    text = json.dumps(out)
    assert "vivian_kbt88" in text and "Northgate Aerospace" in text
    kept = {(i["type"], i["value"]) for i in _conv(out, "c-0001")["indicators"]}
    assert ("wechat-id", "vivian_kbt88") in kept
    assert ("company", "Northgate Aerospace") not in kept  # the owner's employer, not a lure
