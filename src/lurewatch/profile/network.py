"""What a counterpart's connections say: which sectors they sit in, how concentrated they are,
and whether they fit the role the counterpart claims."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lurewatch.profile.config import ProfileConfig, Role

SECTOR_WORDS: dict[str, str] = {
    "diplomatic": "diplomats and ambassadors",
    "government": "government officials and aides",
    "defence": "defence and military staff",
    "think_tank": "think-tank staff",
    "academia": "academics",
    "recruiting": "recruiters",
    "media": "journalists",
    "technology": "technologists",
    "finance": "finance professionals",
    "industry": "business people",
    "elite": "government officials, diplomats or defence staff",
}


def sector_of(headline: str, config: ProfileConfig) -> str | None:
    """The first sector (in the configured order) whose words appear in a headline."""
    for name, pattern in config.sectors:
        if pattern.search(headline):
            return name
    return None


@dataclass(frozen=True, slots=True)
class NetworkProfile:
    classified: int  # connection headlines that fell in a sector
    total: int
    counts: Counter[str]

    def share(self, sectors: set[str] | frozenset[str] | tuple[str, ...]) -> float:
        if not self.classified:
            return 0.0
        return sum(self.counts[s] for s in sectors) / self.classified

    def top(self) -> tuple[str, float] | None:
        if not self.classified:
            return None
        sector, count = self.counts.most_common(1)[0]
        return sector, count / self.classified


def network_profile(titles: list[str], config: ProfileConfig) -> NetworkProfile:
    counts: Counter[str] = Counter()
    for title in titles:
        sector = sector_of(title, config) if isinstance(title, str) else None
        if sector:
            counts[sector] += 1
    return NetworkProfile(sum(counts.values()), len(titles), counts)


def claimed_role(headline: str | None, config: ProfileConfig) -> Role | None:
    """The first configured role whose words appear in the headline."""
    if not headline:
        return None
    for role in config.roles:
        if role.pattern.search(headline):
            return role
    return None
