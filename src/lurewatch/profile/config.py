"""The profile signals' thresholds and word lists, read once from `signals.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from lurewatch.yamlio import load_yaml


def keyword_pattern(words: list[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `words` as whole words or phrases."""
    alternatives = sorted({w.strip().casefold() for w in words if w.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in alternatives)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    pattern: re.Pattern[str]
    expected_sectors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    signals: dict[str, dict[str, Any]]
    mitigations: dict[str, dict[str, Any]]
    senior_titles: re.Pattern[str]
    roles: tuple[Role, ...]
    sectors: tuple[tuple[str, re.Pattern[str]], ...]  # in match order
    elite_sectors: frozenset[str]
    generic_company_words: frozenset[str]
    real_firms: tuple[str, ...]
    generic_email_domains: frozenset[str]
    cities: tuple[tuple[str, str, tuple[str, ...]], ...]  # (name, tz, languages), longest first

    def signal(self, name: str) -> dict[str, Any]:
        return self.signals[name]


def config_from_dict(data: dict[str, Any]) -> ProfileConfig:
    roles = tuple(
        Role(name, keyword_pattern(spec["words"]), tuple(spec["expected_sectors"]))
        for name, spec in data["roles"].items()
    )
    sectors = tuple((name, keyword_pattern(words)) for name, words in data["sectors"].items())
    cities = tuple(
        sorted(
            ((name.casefold(), tz, tuple(langs)) for name, (tz, langs) in data["cities"].items()),
            key=lambda c: len(c[0]),
            reverse=True,
        )
    )
    return ProfileConfig(
        signals=data["signals"],
        mitigations=data["mitigations"],
        senior_titles=keyword_pattern(data["senior_titles"]),
        roles=roles,
        sectors=sectors,
        elite_sectors=frozenset(data["elite_sectors"]),
        generic_company_words=frozenset(w.casefold() for w in data["generic_company_words"]),
        real_firms=tuple(data["real_firms"]),
        generic_email_domains=frozenset(d.casefold() for d in data["generic_email_domains"]),
        cities=cities,
    )


@lru_cache(maxsize=1)
def load_config() -> ProfileConfig:
    text = resources.files("lurewatch.profile").joinpath("signals.yaml").read_text("utf-8")
    return config_from_dict(load_yaml(text))
