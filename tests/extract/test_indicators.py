"""Indicator extraction on realistic messages in English, Chinese, German and French."""

from __future__ import annotations

import pytest

from lurewatch.extract.indicators import extract_indicators, generic_email_domain
from lurewatch.model import Conversation, Message


def indicators_of(*texts: str, sender: str = "counterpart") -> list[tuple[str, str]]:
    conv = Conversation("x", [Message(sender, "linkedin", t) for t in texts])  # type: ignore[arg-type]
    return [(i.type, i.value) for i in extract_indicators(conv)]


@pytest.mark.parametrize("text", [
    "我的微信是 vivian_kbt88，加我吧。",
    "Could you add me on WeChat (vivian_kbt88)? It is easier for me.",
    "WeChat ID: vivian_kbt88",
    "wx：vivian_kbt88",
    "vivian_kbt88 is my WeChat",
])
def test_wechat_id_in_context(text: str) -> None:
    assert ("wechat-id", "vivian_kbt88") in indicators_of(text)


@pytest.mark.parametrize("text", [
    "Add me on WeChat please, thanks!",
    "I use WeChat everyday with my family.",
    "My username is vivian_kbt88 on the forum.",  # no WeChat word
])
def test_no_wechat_id_without_an_id(text: str) -> None:
    assert not [v for t, v in indicators_of(text) if t == "wechat-id"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Or WhatsApp me: +44 7700 900123", ("whatsapp-number", "+447700900123")),
    ("Call me on +86 138 0013 8000 tomorrow.", ("phone", "+8613800138000")),
    ("My office line is (202) 555-0143.", ("phone", "+12025550143")),
    ("电话：+86 138 0013 8000", ("phone", "+8613800138000")),
    ("Schreiben Sie mir auf WhatsApp: +49 151 23456789", ("whatsapp-number", "+4915123456789")),
    ("Mon numéro : +33 6 12 34 56 78", ("phone", "+33612345678")),
    ("wa.me/447700900123", ("whatsapp-number", "+447700900123")),
])
def test_phone_numbers(text: str, expected: tuple[str, str]) -> None:
    assert expected in indicators_of(text)


def test_dates_amounts_and_ids_are_not_phone_numbers() -> None:
    found = indicators_of("Meeting on 12/03/2026 at 10:00, room 4012, budget USD 25,000, "
                          "requisition R-20431, order 123456789.")
    assert not [v for t, v in found if t in ("phone", "whatsapp-number")]


def test_email_url_domain_telegram_linkedin() -> None:
    found = indicators_of(
        "Write to vivian.k88@gmail.com or see https://www.kestrel-bridge.com/about.",
        "My Telegram is @vivian_kbt, channel t.me/kestrel_hr",
        "Profile: https://www.linkedin.com/in/vivian-kwok-kbt/?trk=public",
    )
    assert ("email", "vivian.k88@gmail.com") in found
    assert ("domain", "gmail.com") in found
    assert ("url", "https://www.kestrel-bridge.com/about") in found
    assert ("domain", "kestrel-bridge.com") in found
    assert ("telegram", "vivian_kbt") in found and ("telegram", "kestrel_hr") in found
    assert ("linkedin-url", "linkedin.com/in/vivian-kwok-kbt") in found
    assert ("domain", "linkedin.com") not in found  # a platform host says nothing


def test_at_handle_needs_telegram_context() -> None:
    assert not [v for t, v in indicators_of("Thanks @vivian_kbt for the intro!") if t == "telegram"]


def test_signature_company_and_sender_and_first_index() -> None:
    conv = Conversation("x", [
        Message("owner", "email",
                "Hi Priya,\nplease find my CV attached.\n\nBest regards,\nDaniel"),
        Message("counterpart", "email", "Hi Daniel,\nThanks for your CV.\n\nKind regards,\n"
                                        "Priya Nair\nTalent Partner | Northwind Energy Inc.\n"
                                        "priya.nair@northwind-energy.com"),
        Message("counterpart", "email", "Reminder.\n\nKind regards,\nPriya Nair\n"
                                        "Northwind Energy Inc.\npriya.nair@northwind-energy.com"),
    ])
    found = extract_indicators(conv)
    company = [i for i in found if i.type == "company"]
    assert [(i.value, i.raw, i.message_index, i.sender) for i in company] == [
        ("northwind energy inc", "Northwind Energy Inc", 1, "counterpart")]
    emails = [i for i in found if i.type == "email"]
    assert len(emails) == 1 and emails[0].message_index == 1  # deduplicated, first kept


def test_chinese_signature_company() -> None:
    found = indicators_of("您好，\n附件是资料。\n此致\n敬礼\n王丽\n上海远景咨询有限公司 人力资源部")
    assert ("company", "上海远景咨询有限公司") in found


@pytest.mark.parametrize(("domain", "generic"), [
    ("gmail.com", True), ("QQ.com", True), ("163.com", True), ("126.com", True),
    ("outlook.com", True), ("yahoo.co.uk", True), ("hotmail.fr", True), ("proton.me", True),
    ("northwind-energy.com", False), ("kestrel-bridge.com", False), ("yahoo.example.org", False),
])
def test_generic_email_domain(domain: str, generic: bool) -> None:
    assert generic_email_domain(domain) is generic


def test_empty_messages() -> None:
    assert indicators_of("", "") == []


def test_number_far_from_the_whatsapp_word_is_still_the_whatsapp_number() -> None:
    far = ("It's easier to discuss the details on WhatsApp, LinkedIn messages are slow for me. "
           "Could you add me there? +44 7700 900123")
    other = ("WhatsApp keeps dropping my calls these days, so I stopped using it for work "
             "entirely. Please call me on +44 7700 900123.")

    def kinds(text: str) -> list[tuple[str, str]]:
        conv = Conversation("c", [Message("counterpart", "linkedin", text)])
        return [(i.type, i.value) for i in extract_indicators(conv) if i.value.startswith("+44")]

    assert kinds(far) == [("whatsapp-number", "+447700900123")]
    assert kinds(other) == [("phone", "+447700900123")]  # "call me" names another use
