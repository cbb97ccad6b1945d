"""Page view models, shared with the HTML report so a case reads like `scan --html`."""

from __future__ import annotations

from typing import Any

from lurewatch.model import LEVELS, PLATFORMS, STAGES
from lurewatch.server.store import STATUS_NAMES, STATUSES


def advice() -> Any:
    from lurewatch.report.advice import load_advice

    return load_advice()


def conversation_view(entry: dict[str, Any]) -> Any:
    """The HTML report's view of one conversation: timeline legs, messages cut into
    highlighted evidence segments, stage groups with explanations and sources."""
    from lurewatch.report.html import build_view

    view = build_view({"conversations": [entry], "campaigns": [], "inputs": []}, advice())
    return (view["flagged"] + view["low"])[0]


def choices() -> dict[str, Any]:
    return {"levels": LEVELS, "stages": STAGES, "platforms": PLATFORMS, "statuses": STATUSES,
            "status_names": STATUS_NAMES}


def stage_title(stage: str) -> str:
    try:
        return advice().for_stage(stage).title
    except Exception:
        return stage.replace("_", " ").capitalize()
