from __future__ import annotations

import json

import pytest

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.report.sharing.load import load_report


def test_saved_report_loads(tmp_path, report):
    path = tmp_path / "report.json"
    path.write_text("\ufeff" + json.dumps(report), encoding="utf-8")
    assert load_report(path)["conversations"][0]["id"] == "c-0001"


def test_broken_json_names_file_and_line(tmp_path):
    path = tmp_path / "report.json"
    path.write_text('{"schema": "lurewatch.report/1",\n "conversations": [,]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"report\.json: not valid JSON at line 2"):
        load_report(path)


@pytest.mark.parametrize(("content", "message"), [
    ('[1, 2]', "a scan report is a JSON object"),
    ('{"schema": "something/else", "conversations": []}', "not a lurewatch scan report"),
    ('{"schema": "lurewatch.report/1", "conversations": {}}', "'conversations' must be a list"),
])
def test_wrong_shapes_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_report(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read the report"):
        load_report(tmp_path / "absent.json")


def test_bad_entries_are_skipped_and_the_rest_kept(tmp_path, report):
    report["conversations"].insert(1, {"risk": 0.9})
    report["conversations"].append("not an object")
    report["conversations"][0]["stages"] = "oops"
    report["campaigns"].append({"conversation_ids": ["c-0001"]})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    before = path.read_bytes()
    ctx = ReadContext(path=str(path))
    loaded = load_report(path, ctx)
    assert [c["id"] for c in loaded["conversations"]] == ["c-0001", "c-0042", "c-0107"]
    assert loaded["conversations"][0]["stages"] == []
    assert [c["id"] for c in loaded["campaigns"]] == ["camp-1"]
    assert ctx.skipped == 3
    assert any("conversations[1]: no 'id'" in str(i) for i in ctx.issues)
    assert path.read_bytes() == before


def test_network_guard_is_armed(no_network):
    import socket

    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9))
