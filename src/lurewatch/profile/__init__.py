"""Counterpart profile review along the threat model's Profile indicators."""

from lurewatch.profile.parse import parse_profile_json, parse_profile_text
from lurewatch.profile.review import ProfileAssessment, Signal, assess_profile, review_profile

__all__ = [
    "ProfileAssessment",
    "Signal",
    "assess_profile",
    "parse_profile_json",
    "parse_profile_text",
    "review_profile",
]
