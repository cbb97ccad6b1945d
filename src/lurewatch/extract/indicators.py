"""Handles and identifiers in message text: WeChat ids, WhatsApp and phone numbers, e-mail
addresses, URLs and their domains, Telegram users, LinkedIn profiles, signature companies.

They let one approach be followed across platforms (CSIS 2023: the move to WeChat, WhatsApp
or e-mail) and one operator across conversations (threat model, Network: shared handles,
domains, hosting). Everything is offline: no DNS, no public-suffix download.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers

from lurewatch.extract.identity import normalise_handle, normalise_phone
from lurewatch.extract.signature import SIGN_OFF, signature_companies
from lurewatch.model import Conversation, Indicator, Message

# Regions tried for numbers written without a country code ("(202) 555-0143"); numbers
# written with "+" are read whatever the region.
DEFAULT_REGIONS: tuple[str, ...] = ("US",)
CONTEXT_CHARS = 60  # how far a platform word may be from the handle it introduces

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b",
                   re.IGNORECASE)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'，。、）)]+|"
    r"\b(?:[a-z]{2,3}\.)?(?:linkedin\.com/in|t\.me|telegram\.me|wa\.me)/[^\s<>\"'，。、）)]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\"”’"
WECHAT_WORD = re.compile(r"微信|weixin|wechat|we chat|薇信|威信|v信|(?<![a-z])(?:wx|vx)(?![a-z])",
                         re.IGNORECASE)
WECHAT_ID = re.compile(r"(?<![\w@./-])[a-zA-Z][-_a-zA-Z0-9]{5,19}(?![\w@-])")
# Between the platform word and the id: "is", ":", "ID", "号", "是", "(".
WECHAT_CUE = re.compile(r"\b(?:is|id|account)\b|[:：(（是号为=]", re.IGNORECASE)
WHATSAPP_WORD = re.compile(r"whatsapp|whats app|wa\.me|瓦次普", re.IGNORECASE)
TELEGRAM_WORD = re.compile(r"telegram|电报|纸飞机|(?<![a-z])tg(?![a-z])", re.IGNORECASE)
# Other ways to use a number; when a message names WhatsApp and none of these, its number
# is the WhatsApp number even when the word is further away than CONTEXT_CHARS.
OTHER_NUMBER_USE = re.compile(r"signal|telegram|viber|sms|text me|call me|phone|电话|短信",
                              re.IGNORECASE)
TELEGRAM_HANDLE = re.compile(r"(?<![\w@.])@([a-zA-Z][a-zA-Z0-9_]{4,31})\b(?!\.[a-z])")
TELEGRAM_LINK = re.compile(r"(?:t|telegram)\.me/(?:s/)?([a-zA-Z][a-zA-Z0-9_]{4,31})", re.IGNORECASE)
WA_LINK = re.compile(r"wa\.me/\+?(\d{6,15})", re.IGNORECASE)
LINKEDIN_PROFILE = re.compile(r"(?:[a-z]{2,3}\.)?linkedin\.com/in/[^/?#\s]+", re.IGNORECASE)
# Words that follow "WeChat" but are not ids.
_NOT_IDS = frozenset({
    "please", "account", "contact", "search", "number", "thanks", "message", "messages",
    "instead", "easier", "better", "faster", "there", "directly", "because", "convenient",
    "whatsapp", "telegram", "signal", "linkedin", "official", "through",
})
# Platform hosts are shared by everyone, so they say nothing about an operator.
PLATFORM_DOMAINS = frozenset({"linkedin.com", "t.me", "telegram.me", "wa.me", "whatsapp.com",
                              "wechat.com", "weixin.qq.com", "lnkd.in"})

_GENERIC_EXACT = frozenset({
    "gmail.com", "googlemail.com", "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net",
    "sina.com", "sina.cn", "sohu.com", "aliyun.com", "139.com", "188.com", "21cn.com",
    "outlook.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "mail.com",
    "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tuta.io",
    "zoho.com", "gmx.com", "gmx.net", "web.de", "t-online.de", "freenet.de", "mail.ru",
    "orange.fr", "free.fr", "laposte.net", "wanadoo.fr", "sfr.fr", "naver.com", "hushmail.com",
    "fastmail.com", "ymail.com", "rocketmail.com", "yandex.com", "yandex.ru",
})
# Brands whose generic mailboxes live under many country domains (yahoo.co.uk, hotmail.fr).
_GENERIC_BRANDS = ("yahoo", "hotmail", "live", "outlook", "gmx", "yandex", "proton")


def generic_email_domain(domain: str) -> bool:
    """True for free webmail domains (gmail.com, qq.com, 163.com, outlook.com, yahoo.*,
    proton ...): the threat model's Profile indicator "generic e-mail domain"."""
    domain = domain.strip().rstrip(".").casefold()
    if domain.startswith("www."):
        domain = domain[4:]
    if domain in _GENERIC_EXACT:
        return True
    brand, _, rest = domain.partition(".")
    return brand in _GENERIC_BRANDS and re.fullmatch(r"(?:co\.|com\.)?[a-z]{2,3}", rest) is not None


def _host(url: str) -> str | None:
    if not re.match(r"https?://", url, re.IGNORECASE):
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    host = host.casefold()
    return host[4:] if host.startswith("www.") else host


def _near(word: re.Pattern[str], text: str, start: int, end: int) -> bool:
    return word.search(text, max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)) \
        is not None


def _wechat_ids(text: str) -> Iterator[str]:
    """Ids next to a WeChat word: "我的微信是 vivian_kbt88", "WeChat: vivian_kbt88",
    "add me on WeChat (vivian_kbt88)", "vivian_kbt88 is my WeChat"."""
    for word in WECHAT_WORD.finditer(text):
        after = text[word.end():word.end() + 40]
        for m in WECHAT_ID.finditer(after):
            token = m.group(0)
            between = after[:m.start()]
            if re.search(r"[.!?。！？\n]", between) or token.casefold() in _NOT_IDS:
                break
            if WECHAT_CUE.search(between) or re.search(r"[\d_-]", token):
                yield token
                break
        before = text[max(0, word.start() - 30):word.start()]
        m = re.search(r"([a-zA-Z][-_a-zA-Z0-9]{5,19})\s*(?:is my|是我的|\(|（)?\s*$", before)
        if m and re.search(r"[\d_-]", m.group(1)) and m.group(1).casefold() not in _NOT_IDS:
            yield m.group(1)


# Seven digits, possibly separated as numbers are written: no phone number is shorter.
_ENOUGH_DIGITS = re.compile(r"\d(?:[\s().\-/\u00a0]{0,3}\d){6}")


def _phones(text: str, regions: tuple[str, ...]) -> Iterator[tuple[str, str, int, int]]:
    """(E.164, raw, start, end) for each phone number: any plausible number written in
    international form (+44 7700 900123, including the reserved ranges used in examples),
    and valid numbers of `regions` written in national form ((202) 555-0143)."""
    if _ENOUGH_DIGITS.search(text) is None:  # the matcher is slow; most messages have no number
        return
    seen: set[tuple[int, int]] = set()
    for region in regions:
        matcher = phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.POSSIBLE)
        for match in matcher:
            international = match.raw_string.lstrip("(").startswith(("+", "00"))
            if not international and not phonenumbers.is_valid_number(match.number):
                continue
            span = (match.start, match.end)
            if any(s < match.end and match.start < e for s, e in seen):
                continue
            seen.add(span)
            # The matcher has parsed the number with this region and checked it is possible:
            # its E.164 form is what parsing the raw string again would give (a fifth of
            # indicator extraction went on that second parse).
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            yield e164, match.raw_string, match.start, match.end


# Something any of the matchers below needs: a WeChat word, an "@", a link, seven digits or
# a line that can hold a signature (a sign-off, or a second line). Most chat messages have
# none, and then the dozen matchers are not run one by one.
_ANY_HANDLE = re.compile(
    WECHAT_WORD.pattern + r"|@|://|www\.|\.me/|linkedin\.com/in|" + _ENOUGH_DIGITS.pattern,
    re.IGNORECASE)
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


# For ASCII text the same test is a few substring checks (a superset of _ANY_HANDLE).
_ASCII_CUES = ("@", "://", "www.", ".me/", "linkedin.com/in", "weixin", "wechat", "we chat",
               "wx", "vx")


def _may_hold_indicators(text: str) -> bool:
    if _LINE_BREAK.search(text):
        return True
    if text.isascii():
        lowered = text.lower()
        if any(cue in lowered for cue in _ASCII_CUES):
            return True
        if sum(map(text.count, "0123456789")) >= 7 and _ENOUGH_DIGITS.search(text):
            return True
    elif _ANY_HANDLE.search(text):
        return True
    return SIGN_OFF.match(text) is not None  # a one-line message: only a sign-off opens one


def message_indicators(
    message: Message, index: int | None = None, regions: tuple[str, ...] = DEFAULT_REGIONS,
) -> list[Indicator]:
    """Indicators in one message, in order of appearance within each type."""
    text = message.text
    if not text or not _may_hold_indicators(text):
        return []
    return [Indicator(kind, value, index, raw, message.sender)
            for kind, value, raw in _text_indicators(text, regions)]


# Signatures, templates and pasted handles recur from message to message; the phone matcher
# above all is slow, so each distinct text is read once (bounded, so memory stays flat).
@lru_cache(maxsize=8192)
def _text_indicators(text: str, regions: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """(type, normalised value, raw) of each indicator in `text`."""
    out: list[tuple[str, str, str]] = []

    def add(kind: str, raw: str, value: str | None = None) -> None:
        out.append((kind, value if value is not None else normalise_handle(kind, raw), raw))

    for wid in _wechat_ids(text):
        add("wechat-id", wid)
    for number, raw, start, end in _phones(text, regions):
        whatsapp = _near(WHATSAPP_WORD, text, start, end) or (
            WHATSAPP_WORD.search(text) is not None and OTHER_NUMBER_USE.search(text) is None)
        kind = "whatsapp-number" if whatsapp else "phone"
        add(kind, raw, number)
    for m in WA_LINK.finditer(text):
        add("whatsapp-number", m.group(0), normalise_phone("+" + m.group(1)) or "+" + m.group(1))
    emails = list(EMAIL.finditer(text))
    for m in emails:
        add("email", m.group(0))
        add("domain", m.group(0).rsplit("@", 1)[1])
    for m in URL.finditer(text):
        url = m.group(0).rstrip(_TRAILING)
        if any(e.start() <= m.start() < e.end() for e in emails):
            continue
        tg = TELEGRAM_LINK.search(url)
        if tg:
            add("telegram", tg.group(1))
            continue
        if WA_LINK.search(url):
            continue
        profile = LINKEDIN_PROFILE.search(url)
        if profile:
            add("linkedin-url", profile.group(0))
            continue
        add("url", url)
        host = _host(url)
        if host and host not in PLATFORM_DOMAINS:
            add("domain", host)
    if TELEGRAM_WORD.search(text):
        for m in TELEGRAM_HANDLE.finditer(text):
            if _near(TELEGRAM_WORD, text, m.start(), m.end()):
                add("telegram", m.group(0))
    for company in signature_companies(text):
        add("company", company.name)
    return tuple(out)


def extract_indicators(
    conversation: Conversation, regions: tuple[str, ...] = DEFAULT_REGIONS,
) -> list[Indicator]:
    """Every indicator in the conversation, deduplicated by (type, value), keeping the first
    message that shows it."""
    seen: set[tuple[str, str]] = set()
    result: list[Indicator] = []
    for index, message in enumerate(conversation.messages):
        for indicator in message_indicators(message, index, regions):
            key = (indicator.type, indicator.value)
            if key in seen or not indicator.value:
                continue
            seen.add(key)
            result.append(indicator)
    return result
