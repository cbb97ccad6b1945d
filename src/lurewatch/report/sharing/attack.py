"""MITRE ATT&CK techniques the covert-recruitment funnel maps to, and which stages show them.

The threat model's sources name five techniques (T1585.001, T1593.001, T1566.003, T1598,
T1656). ATT&CK describes intrusions, not agent handling, so the later human stages
(payment, travel, secrecy, leverage, gifts, urgency) map to no technique: they are carried
in the explanation note instead of being forced onto a technique that does not fit.
`compliance_safeguards` lowers suspicion and never maps to anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Technique:
    id: str
    name: str  # ATT&CK display name ("Parent: Sub-technique")
    galaxy_name: str  # the name as the MISP `mitre-attack-pattern` galaxy spells it
    tactic: str  # ATT&CK kill-chain phase name
    why: str  # how the funnel shows it, with the public source

    @property
    def url(self) -> str:
        return "https://attack.mitre.org/techniques/" + self.id.replace(".", "/") + "/"

    @property
    def misp_galaxy_tag(self) -> str:
        # The galaxy's cluster values are "<name> - <id>", e.g.
        # misp-galaxy:mitre-attack-pattern="Spearphishing via Service - T1566.003".
        return f'misp-galaxy:mitre-attack-pattern="{self.galaxy_name} - {self.id}"'


TECHNIQUES: dict[str, Technique] = {t.id: t for t in (
    Technique(
        "T1585.001", "Establish Accounts: Social Media Accounts", "Social Media Accounts",
        "resource-development",
        "the approach comes from a built persona: BfV counted about 500 fake LinkedIn "
        "profiles, DGSI/DGSE about 500 with standardised messages",
    ),
    Technique(
        "T1593.001", "Search Open Websites/Domains: Social Media", "Social Media",
        "reconnaissance",
        "targets are picked from their public profiles: CSIS 'targeters' choose job seekers "
        "in strategic sectors; ASIO notes people advertising clearances",
    ),
    Technique(
        "T1566.003", "Phishing: Spearphishing via Service", "Spearphishing via Service",
        "initial-access",
        "the contact moves to WeChat, WhatsApp or private e-mail 'at the earliest "
        "opportunity' (CSIS 2023), outside the employer's controls; files sent there",
    ),
    Technique(
        "T1598", "Phishing for Information", "Phishing for Information", "reconnaissance",
        "CVs, paid 'reports' and 'analyses' that drift toward non-public detail (CSIS 2023, "
        "BfV 2017, US v. Yeo)",
    ),
    Technique(
        "T1656", "Impersonation", "Impersonation", "defense-evasion",
        "officers pose as recruiters, consultants, think-tank staff and their 'clients' "
        "(CSIS 2023, MI5 2025 alert, BfV 2017)",
    ),
)}

STAGE_TECHNIQUES: dict[str, tuple[str, ...]] = {
    "approach": ("T1585.001", "T1593.001", "T1656"),
    "platform_shift": ("T1566.003",),
    "technical_compromise": ("T1566.003",),
    "info_request_benign": ("T1598",),
    "tasking_for_payment": ("T1598",),
    "escalation_sensitive": ("T1598",),
    "client_introduction": ("T1656",),
}

# A counterpart whose profile itself looks built (new, thin, generic) shows a persona account.
PROFILE_TECHNIQUES: tuple[str, ...] = ("T1585.001",)


def techniques_for_stages(stages: Iterable[str], *, suspicious_profile: bool = False
                          ) -> list[Technique]:
    """The techniques shown by these stages, in a stable order (by ATT&CK id)."""
    ids: set[str] = set()
    for stage in stages:
        ids.update(STAGE_TECHNIQUES.get(stage, ()))
    if suspicious_profile:
        ids.update(PROFILE_TECHNIQUES)
    return [TECHNIQUES[i] for i in sorted(ids)]
