"""What each stage means in words, and the public guidance it rests on (threat model)."""

from __future__ import annotations

STAGE_DESCRIPTIONS: dict[str, str] = {
    "approach": "an unsolicited offer of work, consultancy, collaboration or speaking",
    "rapport": "flattery and personal warmth aimed at building a relationship",
    "platform_shift": "a request to move the conversation to another app or private channel",
    "info_request_benign": "a request for a CV, background or contact details",
    "tasking_for_payment": "a request for a report, paper or analysis for someone else",
    "payment": "an offer of money, fees or expenses",
    "travel_meeting": "an invitation to travel, meet, lecture or attend a conference",
    "client_introduction": "the introduction of a 'client' or 'colleague' who will take over",
    "secrecy": "a request to keep the contact private or away from the employer",
    "escalation_sensitive": "a request for non-public, internal, personal or proprietary "
    "information",
    "covert_comms": "a dedicated device, disappearing messages or code words",
    "coercion_leverage": "pressure through something compromising or owed",
    "inducement_gifts": "gifts, tuition or favours for family",
    "technical_compromise": "a file or link to open, especially on a work device",
    "urgency_pressure": "a deadline or pressure to act quickly",
    "compliance_safeguards": "safeguards: no confidential information, employer approval, "
    "conflict checks",
}

STAGE_SOURCES: dict[str, str] = {
    "approach": "CSIS 2023 (approach under cover); MI5/NPSA Think Before You Link",
    "rapport": "ASIO Think Before You Link; NCSC/FBI (elicitation over time)",
    "platform_shift": "CSIS 2023 (move to WeChat, WhatsApp or e-mail at the earliest "
    "opportunity)",
    "info_request_benign": "ASIO (early CV request); Ai et al. 2024 (SEConvo)",
    "tasking_for_payment": "CSIS 2023 (paid reports for client consultants); BfV 2017",
    "payment": "CSIS 2023; US v. Yeo (D.D.C. 2020)",
    "travel_meeting": "CSIS 2023 (meetings with clients); DGSI/DGSE 2018 (free trips)",
    "client_introduction": "CSIS 2023 (consultant and client); US v. Shriver",
    "secrecy": "threat model: Secrecy (NCSC/FBI, CSIS 2023)",
    "escalation_sensitive": "BfV 2017 (analyses drifting to internal matters); DGSI/DGSE 2018; "
    "Ai et al. 2024 (SEConvo)",
    "covert_comms": "US v. Mallory (dedicated phone, self-deleting chats); DGSI/DGSE 2018",
    "coercion_leverage": "DGSI/DGSE 2018 (compromising situations used as leverage)",
    "inducement_gifts": "threat model: Paid tasking (tuition or gifts); NCSC/FBI",
    "technical_compromise": "threat model: Platform shift (a file to open on a work machine); "
    "MITRE ATT&CK T1566.003",
    "urgency_pressure": "threat model: Approach (urgency); MITRE ATT&CK T1598",
    "compliance_safeguards": "threat model: Hard negatives (expert networks' own rules)",
}
