"""A phone number's E.164 form comes from the matcher's own parse: it must equal what parsing
the matched text again with the same region gives (the way it was computed before), for every
number the matcher finds in the project corpus, the examples and numbers written as people
write them in the four languages, read with each of five home regions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lurewatch.extract.identity import normalise_phone
from lurewatch.extract.indicators import DEFAULT_REGIONS, _phones

ROOT = Path(__file__).resolve().parents[2]
WRITTEN = [
    "Or WhatsApp me: +44 7700 900123, any time after six.",
    "Call me on 0044 7700 900 123 or +44 (0) 20 7946 0958.",
    "我的手机：+86 138 0013 8000，微信同号。",
    "电话 0086-10-8532 1234 转 806",
    "Erreichbar unter +49 (0)151 2345 6789 oder 030 / 901820-0.",
    "Mon portable : +33 6 12 34 56 78 ; bureau 01 42 68 53 00",
    "Office (202) 555-0143 ext. 12, cell 202.555.0198",
    "Text me at 1-800-555-0199 or +1 415 555 2671 x204",
    "Ruf an: ＋４４ ７７００ ９００１２３",
    "+852 9123 4567 (HK) / +65 8123 4567 (SG) / +7 916 123-45-67",
    "Ref 2026-03-12 10:00, invoice 4012-5521-9981, amount 25 000 EUR",
]


def _texts() -> list[str]:
    texts = list(WRITTEN)
    for folder in (ROOT / "data" / "corpus", ROOT / "examples"):
        for path in sorted(folder.rglob("*")):
            if path.suffix == ".jsonl":
                for line in path.read_text("utf-8").splitlines():
                    if line.strip():
                        texts.extend(m["text"] for m in json.loads(line).get("messages", []))
            elif path.suffix in (".txt", ".csv", ".eml"):
                texts.append(path.read_text("utf-8", errors="replace"))
    return texts


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "CN"])
def test_e164_equals_a_second_parse(region: str) -> None:
    checked = 0
    for text in _texts():
        for e164, raw, _, _ in _phones(text, (region,)):
            # The way it was computed before: the raw match parsed again with its region,
            # falling back to the matcher's number where that parse refused it.
            assert normalise_phone(raw, region) in (None, e164), (region, raw, e164)
            checked += 1
    assert checked >= 20  # the texts do hold numbers: the comparison is not vacuous


def test_numbers_as_written() -> None:
    found = {e164 for text in WRITTEN for e164, *_ in _phones(text, DEFAULT_REGIONS)}
    assert {"+447700900123", "+8613800138000", "+4915123456789", "+33612345678",
            "+12025550143", "+14155552671", "+85291234567"} <= found
