"""What the report tells a person: why each stage matters, what to do, where to report.

The words live in `advice.yaml` so a security officer can correct them without code; this
module loads and checks them (every stage covered, every link an https address).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from lurewatch.model import LEVELS, STAGES
from lurewatch.yamlio import load_yaml

ADVICE_PATH = Path(__file__).with_name("advice.yaml")

# Levels at which the report shows the guidance and where to report.
ALERT_LEVELS: frozenset[str] = frozenset({"medium", "high"})


@dataclass(frozen=True, slots=True)
class StageAdvice:
    stage: str
    title: str
    why: str
    source: str


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    text: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class ReportingBody:
    country: str
    agency: str
    purpose: str
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class LevelWording:
    label: str
    summary: str


@dataclass(frozen=True, slots=True)
class Advice:
    stages: Mapping[str, StageAdvice]
    unknown_stage: StageAdvice
    platforms: Mapping[str, str]
    indicators: Mapping[str, str]
    levels: Mapping[str, LevelWording]
    what_to_do: tuple[Step, ...]
    framework_name: str
    framework_steps: tuple[Step, ...]
    framework_source: str
    report_to: tuple[ReportingBody, ...]

    def for_stage(self, stage: str) -> StageAdvice:
        """Advice for a stage; an unknown stage gets a generic entry titled by its name."""
        known = self.stages.get(stage)
        if known is not None:
            return known
        title = stage.replace("_", " ").strip().capitalize() or "Warning sign"
        return StageAdvice(stage, title, self.unknown_stage.why, self.unknown_stage.source)

    def platform_name(self, platform: str) -> str:
        return self.platforms.get(platform, platform.capitalize() if platform else "Unknown")

    def indicator_name(self, kind: str) -> str:
        return self.indicators.get(kind, kind)

    def links(self) -> tuple[Link, ...]:
        return tuple(link for body in self.report_to for link in body.links)


class AdviceError(ValueError):
    """advice.yaml is missing something the report needs."""


def needs_advice(levels: Iterable[str]) -> bool:
    """Whether the guidance belongs in a report whose conversations have these levels."""
    return any(level in ALERT_LEVELS for level in levels)


@lru_cache(maxsize=4)
def load_advice(path: Path = ADVICE_PATH) -> Advice:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AdviceError(f"{path}: cannot read advice: {exc}") from exc
    if not isinstance(data, dict):
        raise AdviceError(f"{path}: expected a mapping at the top level")
    return _parse(data, path)


def _parse(data: dict[str, Any], path: Path) -> Advice:
    def need(mapping: Any, key: str, where: str) -> Any:
        if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
            raise AdviceError(f"{path}: {where} needs '{key}'")
        return mapping[key]

    raw_stages = need(data, "stages", "top level")
    missing = [s for s in STAGES if s not in raw_stages]
    if missing:
        raise AdviceError(f"{path}: no advice for stages {', '.join(missing)}")
    stages = {
        name: StageAdvice(
            name,
            str(need(entry, "title", f"stage {name}")),
            str(need(entry, "why", f"stage {name}")).strip(),
            str(need(entry, "source", f"stage {name}")),
        )
        for name, entry in raw_stages.items()
    }
    unknown = need(data, "unknown_stage", "top level")
    unknown_stage = StageAdvice(
        "", "", str(need(unknown, "why", "unknown_stage")),
        str(need(unknown, "source", "unknown_stage")),
    )

    raw_levels = need(data, "levels", "top level")
    levels = {
        lvl: LevelWording(
            str(need(raw_levels.get(lvl), "label", f"level {lvl}")),
            str(need(raw_levels.get(lvl), "summary", f"level {lvl}")),
        )
        for lvl in LEVELS
    }

    def steps(items: Any, where: str) -> tuple[Step, ...]:
        if not isinstance(items, list) or not items:
            raise AdviceError(f"{path}: {where} needs a list of steps")
        return tuple(
            Step(
                str(need(i, "title", where)),
                str(need(i, "text", where)).strip(),
                str(i.get("source", "")),
            )
            for i in items
        )

    framework = need(data, "think_before_you_link", "top level")
    bodies = []
    for entry in need(data, "report_to", "top level"):
        where = f"report_to {entry.get('country', '?') if isinstance(entry, dict) else '?'}"
        links = tuple(
            Link(str(need(link, "label", where)), str(need(link, "url", where)))
            for link in need(entry, "links", where)
        )
        for link in links:
            # The report renders these as clickable links: only secure web addresses.
            if not link.url.startswith("https://"):
                raise AdviceError(f"{path}: {where}: link {link.url!r} is not https")
        bodies.append(
            ReportingBody(
                str(need(entry, "country", where)),
                str(need(entry, "agency", where)),
                str(need(entry, "purpose", where)).strip(),
                links,
            )
        )
    return Advice(
        stages=stages,
        unknown_stage=unknown_stage,
        platforms={str(k): str(v) for k, v in need(data, "platforms", "top level").items()},
        indicators={str(k): str(v) for k, v in need(data, "indicators", "top level").items()},
        levels=levels,
        what_to_do=steps(need(data, "what_to_do", "top level"), "what_to_do"),
        framework_name=str(need(framework, "name", "think_before_you_link")),
        framework_steps=steps(need(framework, "steps", "think_before_you_link"), "steps"),
        framework_source=str(need(framework, "source", "think_before_you_link")),
        report_to=tuple(bodies),
    )
