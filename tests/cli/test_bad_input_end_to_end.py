"""Every kind of bad input the pipeline issue names, in ONE run beside a good input: each gets
a one-line message naming the file (and line where there is one), never a traceback; the good
input is still scanned; nothing on disk is changed."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.cli.conftest import EXAMPLES, load, run

GOOD_JSONL = {
    "id": "good-1",
    "messages": [{"sender": "counterpart", "platform": "linkedin",
                  "text": "Hi, our client needs short reports for USD 1,500. Add me on WeChat: "
                          "vivian_kbt88"}],
}


def _zip(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    d = tmp_path / "inputs"
    d.mkdir()
    # a LinkedIn zip cut in half
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(EXAMPLES / "linkedin-export" / "messages.csv", "messages.csv")
    whole = buf.getvalue()
    (d / "Basic_LinkedInDataExport_truncated.zip").write_bytes(whole[: len(whole) // 2])
    # a zip bomb: 200 MB of zeros claimed to be messages.csv
    header = b"CONVERSATION ID,FROM,TO,DATE,CONTENT\n"
    with zipfile.ZipFile(d / "linkedin_bomb.zip", "w", zipfile.ZIP_DEFLATED) as z, \
            z.open("messages.csv", "w", force_zip64=True) as f:
        f.write(header)
        chunk = b"0" * 1_000_000
        for _ in range(200):
            f.write(chunk)
    # path traversal inside a WhatsApp iOS zip
    _zip(d / "WhatsApp Chat - Vivian.zip", {
        "../../evil.txt": b"pwned",
        "_chat.txt": b"[12/03/2026, 08:15:07] Vivian: Add me on Telegram @vivk\n"
                     b"[12/03/2026, 08:16:00] Daniel Roy: ok\n",
    })
    # UTF-16 WhatsApp export (valid, other encoding) and a Latin-1 one mislabelled
    (d / "WhatsApp Chat with Lee.txt").write_bytes(
        "12/03/2026, 08:15 - Lee: hello, are you coming to the workshop?\n"
        "12/03/2026, 08:16 - Daniel Roy: yes\n".encode("utf-16"))
    # a LinkedIn messages.csv with missing columns and an embedded newline
    li = d / "li-missing-cols"
    li.mkdir()
    (li / "messages.csv").write_text(
        'CONVERSATION ID,FROM,DATE\n2-abc,Vivian,"2026-03-11 08:02:10 UTC"\n', "utf-8")
    # JSON Lines with broken lines between good ones
    (d / "mixed.jsonl").write_text(
        json.dumps(GOOD_JSONL) + "\n{not json\n" + json.dumps({"id": "x", "messages": []})
        + "\n", "utf-8")
    (d / "empty.jsonl").write_text("", "utf-8")
    (d / "garbage.bin").write_bytes(bytes(range(256)) * 64)
    # a single 100 MB line in a JSON Lines file
    with (d / "huge-line.jsonl").open("w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "ok-before", "messages": [
            {"sender": "counterpart", "platform": "email", "text": "hello"}]}) + "\n")
        f.write('{"id": "huge", "messages": [{"sender": "counterpart", "platform": "email", '
                '"text": "')
        for _ in range(100):
            f.write("a" * 1_000_000)
        f.write('"}]}\n')
    return d


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_bad_inputs_are_reported_one_line_each_and_the_rest_is_scanned(
        cli, bad_folder: Path, tmp_path: Path) -> None:
    before = _digest(bad_folder)
    out = tmp_path / "report.json"
    result = run(cli, "scan", str(bad_folder), str(EXAMPLES / "email"), "--json", str(out),
                 "-q")
    assert "Traceback" not in result.output
    assert result.exit_code == 2  # some inputs could not be read at all
    assert _digest(bad_folder) == before
    assert not (tmp_path.parent / "evil.txt").exists()
    report = load(out)
    by_name = {Path(i["path"]).name: i for i in report["inputs"]}
    messages = {name: i["errors"] + i["warnings"] for name, i in by_name.items()}

    def said(name: str, *words: str) -> str:
        lines = messages[name]
        assert lines, f"{name}: nothing reported"
        hit = [m for m in lines if all(w.casefold() in m.casefold() for w in words)]
        assert hit, (name, lines)
        assert "\n" not in hit[0] and name in hit[0]
        return hit[0]

    said("Basic_LinkedInDataExport_truncated.zip", "zip")
    said("linkedin_bomb.zip")
    said("WhatsApp Chat - Vivian.zip", "..")
    said("messages.csv" if "messages.csv" in messages else "li-missing-cols")
    said("mixed.jsonl", ":2")  # the line number of the broken line
    # walked into, an unrecognised file is listed in its folder's warning, not an error
    said("inputs", "garbage.bin", "not a recognised export")
    said("huge-line.jsonl", ":2")
    said("inputs", "empty.jsonl (empty)")
    ids = {c["id"] for c in report["conversations"]}
    assert "good-1" in ids and "ok-before" in ids
    assert any(c["id"].startswith("email:") for c in report["conversations"])
    # the traversal zip's real chat and the UTF-16 chat were still read
    assert by_name["WhatsApp Chat - Vivian.zip"]["conversations"] == 1
    assert by_name["WhatsApp Chat with Lee.txt"]["conversations"] == 1
