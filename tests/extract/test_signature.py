"""Company names in signatures, not in the body and not job titles."""

from __future__ import annotations

import pytest

from lurewatch.extract.signature import signature_companies


@pytest.mark.parametrize(("text", "names"), [
    ("Hi Daniel,\n\nThanks.\n\nKind regards,\nPriya Nair\nTalent Partner | Northwind Energy Inc.\n"
     "northwind-energy.com/careers", ["Northwind Energy Inc"]),
    ("Best regards, Vivian K. Senior Talent Partner, Kestrel Bridge Talent Ltd",
     ["Kestrel Bridge Talent Ltd"]),
    ("Mit freundlichen Grüßen\nRachel Li\nRiseHR Consulting GmbH", ["RiseHR Consulting GmbH"]),
    ("Cordialement,\nAlex Li\nDirector, Center for Sino-Europe Development Studies",
     ["Center for Sino-Europe Development Studies"]),
    ("Thanks!\n--\nJason Wang\nSenior Partner at Sino-Euro Strategy Partners",
     ["Sino-Euro Strategy Partners"]),
    ("此致\n敬礼\n王丽\n上海远景咨询有限公司 人力资源部", ["上海远景咨询有限公司"]),
    ("See you at the Institute of Physics talk tomorrow.", []),
    ("I used to work at Acme Holdings Ltd before.\nAnyway, see you soon.\nBest,\nMarc", []),
])
def test_signature_companies(text: str, names: list[str]) -> None:
    found = signature_companies(text)
    assert [m.name for m in found] == names
    assert all(text[m.start:m.end] == m.name for m in found)
