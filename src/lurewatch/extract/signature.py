"""Company names in e-mail and LinkedIn signatures ("Talent Partner | Northwind Energy Inc.").

The profile check and campaign grouping compare these with what the counterpart claims: the
threat model's Profile indicators include a generic consultancy or think tank with nothing
checkable and a name mimicking a real firm (US v. Yeo: a consultancy named like a US firm).
Only lines near a sign-off (or the last lines of a message) are read, so a company named in
the body of a message is not taken for the sender's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SIGN_OFF = re.compile(
    r"^\s*(?:(?:best|kind|warm|many thanks and)?\s*regards|best(?: wishes)?|cheers|"
    r"thanks(?: and regards| again)?|thank you|many thanks|sincerely(?: yours)?|"
    r"yours(?: sincerely| truly)?|"
    r"all the best|mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|"
    r"cordialement|bien à vous|bien cordialement|salutations|meilleures salutations|"
    r"此致|敬礼|祝好|谢谢|顺祝商祺|顺颂商祺|祝工作顺利|--|—)(?=[\s,.!:，。]|$)[\s,.!:，。]*",
    re.IGNORECASE,
)
LATIN_SUFFIX = re.compile(
    r"\b(?:Ltd|Limited|Inc|Incorporated|Corp|Corporation|GmbH|AG|LLC|LLP|PLC|S\.?A\.?R\.?L|SAS|SA|"
    r"Co|Consulting|Consultancy|Consultants|Partners|Group|Think Tank|Institute|Institut|Center|"
    r"Centre|Foundation|Associates|Advisory|Advisors|Advisers|Capital|Holdings|"
    r"Executive Search|Research|Solutions|Ventures|Agency)\b\.?",
)
CJK_COMPANY = re.compile(
    r"[\u4e00-\u9fff（）()]{1,30}(?:有限责任公司|股份有限公司|有限公司|集团|咨询|研究院|研究所|研究中心|"
    r"基金会|事务所|中心|协会|智库)"
)
# A job title is not a company, even with "Partner" or "Research" in it.
JOB_TITLE = re.compile(
    r"^(?:senior|junior|lead|head|chief|managing|principal|associate|executive|global|talent|hr)\b|"
    r"\b(?:partner|manager|director|recruiter|consultant|officer|analyst|specialist|lead|"
    r"fellow|researcher|adviser|advisor|president|founder|head|engineer|assistant|intern)$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*(?:\||·|•|,|，|;|\s[-–—]\s|\bat\b|@)\s*")
_NOT_COMPANY = re.compile(r"https?://|www\.|\S+@\S+|\d{4,}")
SIGNATURE_LINES = 6  # lines after a sign-off that may hold the signature
TAIL_LINES = 3  # without a sign-off: the last lines of a multi-line message
MAX_WORDS = 8


@dataclass(slots=True, frozen=True)
class CompanyMention:
    name: str
    start: int  # offsets into the message text
    end: int


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        spans.append((pos, pos + len(stripped)))
        pos += len(line)
    return spans


def _signature_region(text: str) -> list[tuple[int, int]]:
    """Line spans that may hold a signature: after the last sign-off, else the tail."""
    lines = _line_spans(text)
    for i in range(len(lines) - 1, -1, -1):
        start, end = lines[i]
        m = SIGN_OFF.match(text, start, end)
        if m and (m.end() == end or len(text[m.end():end].split()) <= 12):
            region = [(m.end(), end)] if m.end() < end else []
            return region + lines[i + 1:i + 1 + SIGNATURE_LINES]
    if len(lines) >= 3:
        return lines[-TAIL_LINES:]
    return []


def _clean(segment: str) -> str:
    return segment.strip(" \t.,;:|·•-–—()[]\"'")


def _from_line(text: str, start: int, end: int) -> list[CompanyMention]:
    line = text[start:end]
    found: list[CompanyMention] = []
    for m in CJK_COMPANY.finditer(line):
        found.append(CompanyMention(m.group(0), start + m.start(), start + m.end()))
    if found:
        return found
    pos = 0
    for part in _SEPARATORS.split(line):
        if not part:
            continue
        offset = line.find(part, pos)
        pos = offset + len(part)
        name = _clean(part)
        if (not name or not LATIN_SUFFIX.search(name) or _NOT_COMPANY.search(name)
                or len(name.split()) > MAX_WORDS or not name[0].isupper()
                or JOB_TITLE.search(name)):
            continue
        lead = offset + part.find(name)
        found.append(CompanyMention(name, start + lead, start + lead + len(name)))
    return found


def signature_companies(text: str) -> list[CompanyMention]:
    """Company names in the signature block of one message, in order."""
    mentions: list[CompanyMention] = []
    for start, end in _signature_region(text):
        mentions.extend(_from_line(text, start, end))
    return mentions
