"""The built-in rule packs on realistic messages: each stage found at the right span, the
hard negatives of the threat model left alone, negations respected."""

from __future__ import annotations

import pytest

from lurewatch.detect.rules.engine import RuleDetector
from lurewatch.model import Conversation, Finding, Message


@pytest.fixture(scope="module")
def detector() -> RuleDetector:
    return RuleDetector()


def findings_for(
    detector: RuleDetector, text: str, sender: str = "counterpart",
) -> list[Finding]:
    conv = Conversation("t", [Message(sender, "linkedin", text)])  # type: ignore[arg-type]
    found = detector.detect(conv, [])
    for f in found:  # the span contract, on every finding of every test
        assert f.evidence == text[f.start:f.end]
        assert 0 < f.confidence <= 0.99
        assert f.explanation.detector == "rules" and f.explanation.rule_id
        assert f.explanation.source
    return found


def stages(found: list[Finding]) -> set[str]:
    return {f.stage for f in found}


def evidence_of(found: list[Finding], stage: str) -> list[str]:
    return [f.evidence for f in found if f.stage == stage]


# (language, text, stage, a piece of text the evidence must contain)
STAGE_CASES = [
    ("en", "Hi Daniel, I came across your profile and have a paid consulting opportunity.",
     "approach", "came across your profile"),
    ("en", "Someone of your calibre is exactly who our clients are looking for.",
     "rapport", "Someone of your calibre"),
    ("en", "It's easier to discuss the details on WhatsApp, LinkedIn messages are slow for me.",
     "platform_shift", "discuss the details on WhatsApp"),
    ("en", "Could you send me your updated CV before Friday?", "info_request_benign",
     "send me your updated CV"),
    ("en", "Our client would like a short report on how Canada sees the new minerals deals.",
     "tasking_for_payment", "Our client would like a short report"),
    ("en", "They will pay USD 5,000 for this one.", "payment", "USD 5,000"),
    ("en", "They can invite you to Shanghai for a lecture, flights and hotel covered.",
     "travel_meeting", "invite you to Shanghai"),
    ("en", "Also, our clients would love to meet you in person.", "client_introduction",
     "our clients would love to meet"),
    ("en", "No need to involve your employer, it is a private arrangement between us.",
     "secrecy", "No need to involve your employer"),
    ("en", "Could you send me the internal documents about the tender?", "escalation_sensitive",
     "send me the internal documents"),
    ("en", "Please turn on disappearing messages for this chat.", "covert_comms",
     "disappearing messages"),
    ("en", "It would be a shame if your employer found out about the payments.",
     "coercion_leverage", "if your employer found out"),
    ("en", "We can help your daughter with her university admission in Shanghai.",
     "inducement_gifts", "your daughter"),
    ("en", "Please open the attached job description on your work computer.",
     "technical_compromise", "on your work computer"),
    ("en", "Let me know soon, the offer is only open this month.", "urgency_pressure",
     "offer is only open this month"),
    ("en", "You must not share any confidential or non-public information.",
     "compliance_safeguards", "must not share any confidential or non-public"),
    ("zh", "您好，我在领英上看到了您的资料，想邀请您参与一个有偿咨询项目。", "approach",
     "看到了您的资料"),
    ("zh", "我一直非常欣赏您的研究。", "rapport", "欣赏您"),
    ("zh", "领英不太方便，加我微信吧，我的微信是 vivian_kbt88。", "platform_shift", "加我微信"),
    ("zh", "方便的话请发一份您的最新简历。", "info_request_benign", "您的最新简历"),
    ("zh", "我们的客户想请您写一份报告，关于新能源政策。", "tasking_for_payment", "写一份报告"),
    ("zh", "咨询费为5000元，完成后支付。", "payment", "5000元"),
    ("zh", "欢迎您来北京，机票和酒店我们都会安排好。", "travel_meeting", "来北京"),
    ("zh", "我们领导想见你，下次安排一下。", "client_introduction", "领导想见你"),
    ("zh", "这件事不要告诉你的单位领导。", "secrecy", "不要告诉你的单位领导"),
    ("zh", "下一份报告能不能提供一些内部资料？", "escalation_sensitive", "内部资料"),
    ("zh", "请开启阅后即焚功能。", "covert_comms", "阅后即焚"),
    ("zh", "如果你不继续合作，我们只好告诉你的单位。", "coercion_leverage", "告诉你的单位"),
    ("zh", "我们给你准备了一份小礼物。", "inducement_gifts", "小礼物"),
    ("zh", "请在公司电脑上打开这个文件。", "technical_compromise", "公司电脑上打开"),
    ("zh", "请尽快答复。", "urgency_pressure", "尽快"),
    ("zh", "我们不会要求您提供任何机密信息。", "compliance_safeguards", "不会要求您提供任何机密"),
    ("de", "Ich bin auf Ihr Profil gestoßen und habe ein interessantes Angebot.", "approach",
     "auf Ihr Profil gestoßen"),
    ("de", "Können wir auf WhatsApp weiterschreiben?", "platform_shift",
     "auf WhatsApp weiterschreiben"),
    ("de", "Wir bräuchten kurze Analysen für unsere Kunden in Asien.", "tasking_for_payment",
     "Analysen für unsere Kunden"),
    ("de", "Für jede Analyse zahlen wir ein Honorar von 3.000 Euro.", "payment", "3.000 Euro"),
    ("de", "Wir möchten Sie gerne nach Shanghai einladen.", "travel_meeting", "nach Shanghai"),
    ("de", "Unser Kunde möchte Sie gerne persönlich kennenlernen.", "client_introduction",
     "Unser Kunde möchte Sie"),
    ("de", "Ihrem Arbeitgeber müssen Sie davon nichts sagen.", "secrecy", "Ihrem Arbeitgeber"),
    ("de", "Könnten Sie uns auch interne Dokumente zur Verfügung stellen?",
     "escalation_sensitive", "interne Dokumente"),
    ("fr", "Je suis tombé sur votre profil et j'ai une proposition à vous faire.", "approach",
     "votre profil"),
    ("fr", "Ajoutez-moi sur WeChat, c'est plus simple.", "platform_shift",
     "Ajoutez-moi sur WeChat"),
    ("fr", "Nous cherchons des notes d'analyse pour nos clients en Asie.", "tasking_for_payment",
     "pour nos clients"),
    ("fr", "Chaque note est rémunérée 2 000 euros.", "payment", "2 000 euros"),
    ("fr", "Nous aimerions vous inviter à Shanghai le mois prochain.", "travel_meeting",
     "inviter à Shanghai"),
    ("fr", "Notre client souhaiterait vous rencontrer à Paris.", "client_introduction",
     "Notre client souhaiterait vous rencontrer"),
    ("fr", "Inutile d'en parler à votre employeur.", "secrecy",
     "Inutile d'en parler à votre employeur"),
    ("fr", "Pourriez-vous nous transmettre des documents internes ?", "escalation_sensitive",
     "documents internes"),
]


@pytest.mark.parametrize(("lang", "text", "stage", "piece"), STAGE_CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in STAGE_CASES])
def test_stage_found_at_the_right_span(detector, lang, text, stage, piece) -> None:
    found = findings_for(detector, text)
    spans = evidence_of(found, stage)
    assert spans, f"no {stage} finding in {text!r}: {[(f.stage, f.evidence) for f in found]}"
    assert any(piece in e for e in spans), spans


def test_explanation_renders_named_groups_and_keeps_scores(detector) -> None:
    found = findings_for(detector, "Could you add me on WeChat? It is easier for me.")
    shift = next(f for f in found if f.explanation.rule_id == "en.shift.add-me-on")
    assert shift.explanation.reason == "asks to continue the conversation on WeChat"
    assert shift.explanation.original_score == 0.8
    assert shift.explanation.pattern and "wechat" in shift.explanation.pattern
    assert "CSIS 2023" in shift.explanation.source


def test_context_words_lower_the_confidence(detector) -> None:
    paid = findings_for(detector, "We pay USD 2,000 per report, flexible hours.")
    salary = findings_for(detector, "The salary is USD 150,000 per annum plus bonus.")
    pay_hostile = next(f for f in paid if f.explanation.rule_id == "en.pay.amount")
    pay_salary = next(f for f in salary if f.explanation.rule_id == "en.pay.amount")
    assert pay_salary.confidence < pay_hostile.confidence
    assert pay_salary.explanation.context_adjustment < 0
    assert any("salary" in n for n in pay_salary.explanation.notes)


def test_one_finding_per_rule_and_message(detector) -> None:
    text = ("Please delete these messages. Also delete the chat history. "
            "And delete all emails from me.")
    found = findings_for(detector, text)
    rule_ids = [f.explanation.rule_id for f in found]
    assert rule_ids.count("en.secrecy.delete-messages") == 1


def test_sender_filter_ignores_the_owner_repeating_the_words(detector) -> None:
    text = "I can't share anything internal. Don't tell my employer? No, I will tell them."
    assert not {"escalation_sensitive", "secrecy"} & stages(findings_for(detector, text, "owner"))


NEGATIONS = [
    "We will never ask you for confidential information.",
    "Please do not share any confidential or non-public information.",
    "You must not share any confidential or non-public information, nor discuss your "
    "current employer.",
    "Please don't include anything confidential from your current role in the case exercise.",
    "我们不会要求您提供任何机密信息。",
    "请不要分享任何内部资料。",
    "Bitte teilen Sie keine vertraulichen Informationen.",
    "Ne partagez aucune information confidentielle.",
]


@pytest.mark.parametrize("text", NEGATIONS)
def test_negated_requests_are_safeguards_not_escalation(detector, text) -> None:
    found = stages(findings_for(detector, text))
    assert "escalation_sensitive" not in found
    assert "compliance_safeguards" in found


def test_negation_does_not_cross_a_but(detector) -> None:
    text = "I don't know if it is possible, but could you send me the internal documents?"
    assert "escalation_sensitive" in stages(findings_for(detector, text))


def test_chinese_a_not_a_question_is_not_a_negation(detector) -> None:
    assert "escalation_sensitive" in stages(findings_for(detector, "能不能给我们提供内部资料？"))


# The threat model's hard negatives: every alarming word, none of the shape.
HARD_NEGATIVES = {
    "recruiter": [
        "Hello Daniel, I'm a talent partner at Northwind Energy. We're hiring a Senior Policy "
        "Analyst (requisition R-20431, posted on our careers page) for our Ottawa office.",
        "Please send your CV to priya.nair@northwind-energy.com and I'll set up a first call "
        "with the hiring manager. The usual loop is a recruiter screen and a panel interview.",
        "Please keep this confidential, it is a confidential search for a new CFO. The role "
        "requires an active security clearance and offers USD 180,000 base salary.",
        "Our client, a leading defence contractor, is hiring; the team is in Beijing and "
        "Washington. Please don't include anything confidential from your current role in "
        "the case exercise.",
    ],
    "expert network": [
        "Hi Daniel, I'm a project manager at Meridian Insights, an expert network. A client "
        "(an investment fund) would like a paid one-hour call on Canadian grid "
        "interconnection policy, based on public information only. Rate is USD 300/hour.",
        "Before any call you complete our compliance tutorial and sign our terms: you must "
        "not share any confidential or non-public information, nor discuss your current "
        "employer. Many experts get written approval from their employer first.",
        "We run a conflict check before every consultation; our clients are not seeking any "
        "confidential information and you can end the call at any time.",
    ],
    "conference": [
        "Dear Mr Roy, on behalf of the programme committee I would like to invite you to "
        "speak on the panel 'Grids in transition' at the Energy Futures Summit in Berlin. "
        "The public programme with the other speakers is on our website. We cover your "
        "flights and two hotel nights; we can send a formal invitation letter for your "
        "employer's approval.",
        "The forum in Beijing has a published programme; the honorarium is EUR 500 and the "
        "paper will be published under your name.",
    ],
    "journalist": [
        "I'm a reporter at the Globe working on a story about critical minerals. Could we "
        "speak on background? I can keep your name out of it, and you can reach me on Signal "
        "if you prefer.",
        "We never ask sources to share classified or confidential documents; I'm interested "
        "in your public testimony to the committee.",
    ],
}
ALARM_STAGES = {"escalation_sensitive", "secrecy", "tasking_for_payment", "covert_comms",
                "coercion_leverage"}


@pytest.mark.parametrize(("kind", "text"),
                         [(k, t) for k, texts in HARD_NEGATIVES.items() for t in texts])
def test_hard_negatives_raise_no_alarm_stage(detector, kind, text) -> None:
    found = findings_for(detector, text)
    assert not ALARM_STAGES & stages(found), [(f.stage, f.evidence) for f in found]


def test_expert_network_terms_are_recognised_as_safeguards(detector) -> None:
    text = HARD_NEGATIVES["expert network"][1]
    ids = {f.explanation.rule_id for f in findings_for(detector, text)}
    assert {"en.compliance.no-confidential", "en.compliance.employer-approval",
            "en.compliance.process"} <= ids


def test_hostile_whatsapp_chat_shows_the_funnel(detector) -> None:
    chat = [
        ("counterpart", "Our client would like a short report on how Canada sees the new "
                        "critical minerals partnerships. They pay USD 1,500 by PayPal."),
        ("owner", "I can't share anything internal."),
        ("counterpart", "For the next report they are interested in the internal discussions "
                        "before the strategy is announced, and who in your department works "
                        "on the file."),
        ("counterpart", "No need to involve your employer. Better to keep this just between us."),
        ("counterpart", "Please delete these messages after reading."),
    ]
    conv = Conversation(
        "wa", [Message(s, "whatsapp", t) for s, t in chat])  # type: ignore[arg-type]
    found = detector.detect(conv, [])
    by_message = {}
    for f in found:
        by_message.setdefault(f.message_index, set()).add(f.stage)
    assert {"tasking_for_payment", "payment"} <= by_message[0]
    assert 1 not in by_message  # the owner's refusal is not a finding
    assert "escalation_sensitive" in by_message[2]
    assert "secrecy" in by_message[3] and "secrecy" in by_message[4]
    assert [f.message_index for f in found] == sorted(f.message_index for f in found)


def test_long_email_is_searched_near_keywords(detector) -> None:
    filler = "The quarterly figures were discussed at length in the meeting. " * 60
    text = filler + "Please delete these messages after reading." + filler
    found = findings_for(detector, text)
    assert evidence_of(found, "secrecy") == ["delete these messages"]
