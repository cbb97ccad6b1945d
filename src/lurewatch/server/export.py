"""Exports of a selection of cases: STIX 2.1, MISP and CSV, made by report/sharing from the
same report JSON the CLI writes (redacted unless an admin asks otherwise)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

FORMATS = {
    "stix": ("application/stix+json;version=2.1", "json"),
    "misp": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def render_export(report: dict[str, Any], fmt: str, min_level: str = "low",
                  redact: bool = True) -> tuple[bytes, str, str]:
    """(body, media type, file extension) for one format."""
    from lurewatch.report.sharing import (
        build_misp_event,
        build_stix_bundle,
        write_indicators_csv,
    )

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    media, ext = FORMATS[fmt]
    if fmt == "stix":
        bundle = build_stix_bundle(report, redact=redact, min_level=min_level)
        body = bundle.serialize(pretty=True, ensure_ascii=False)
    elif fmt == "misp":
        event = build_misp_event(report, redact=redact, min_level=min_level)
        body = json.dumps(json.loads(event.to_json()), ensure_ascii=False, indent=1)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "indicators.csv"
            write_indicators_csv(report, out, redact=redact, min_level=min_level)
            return out.read_bytes(), media, ext
    return body.encode("utf-8"), media, ext
