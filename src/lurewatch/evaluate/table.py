"""The evaluation result as tables for a terminal (rich renders plain text when piped)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

_SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "n"),
    ("hostile", "hostile"),
    ("roc_auc", "ROC-AUC"),
    ("pr_auc", "PR-AUC"),
    ("macro_f1", "macro F1"),
    ("malicious_f1", "hostile F1"),
    ("recall_at_fpr_1pct", "R@1%FPR"),
    ("recall_at_fpr_5pct", "R@5%FPR"),
    ("flagged_rate", "flagged"),
    ("high_rate", "high"),
)


def fmt(value: Any) -> str:
    """Numbers to three decimals; undefined metrics as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _summary_table(title: str, rows: list[tuple[str, dict[str, Any]]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("set")
    for _, header in _SUMMARY_COLUMNS:
        table.add_column(header, justify="right")
    for name, block in rows:
        table.add_row(name, *(fmt(block.get(key)) for key, _ in _SUMMARY_COLUMNS))
    return table


def _stage_table(title: str, stages: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    for header in ("stage", "labelled", "tp", "fp", "fn", "precision", "recall"):
        table.add_column(header, justify="left" if header == "stage" else "right")
    for stage, c in stages.items():
        table.add_row(stage, fmt(c["support"]), fmt(c["tp"]), fmt(c["fp"]), fmt(c["fn"]),
                      fmt(c["precision"]), fmt(c["recall"]))
    return table


def _interval_line(spread: dict[str, Any]) -> str:
    shown = [(f"{label} [{fmt(iv[0])}, {fmt(iv[1])}]")
             for key, label in (("roc_auc", "ROC-AUC"), ("macro_f1", "macro F1"),
                                ("flagged_rate", "flagged"), ("ece", "ECE"))
             if (iv := spread["overall"].get(key))]
    noise = spread["calibration_noise"]
    line = (f"{round(spread['confidence'] * 100)}% intervals ({spread['resamples']} "
            f"stratified bootstrap resamples): " + "; ".join(shown))
    if noise.get("median") is not None:
        line += (f"\nECE a perfectly calibrated scorer would show on these risks: median "
                 f"{fmt(noise['median'])}, 95th percentile {fmt(noise['p95'])}"
                 + (f"; observed ECE or more in {fmt(noise['p_value'])} of draws"
                    if noise.get("p_value") is not None else ""))
    return line


def print_results(result: dict[str, Any], console: Console) -> None:
    decision = result.get("decision", {})
    console.print(f"decision: flagged when {decision.get('flagged')} "
                  f"(risk >= {decision.get('medium')}); high when risk >= {decision.get('high')}")
    rows = [("all messages", result["overall"])]
    rows += [(f"first {k} messages", block) for k, block in result["early"].items()]
    console.print(_summary_table("Detection", rows))
    cal = result["calibration"]
    console.print(f"expected calibration error ({cal['bins']} equal-width bins): "
                  f"{fmt(cal['ece'])}" + (f"; reliability plot {cal['plot']}"
                                          if cal.get("plot") else ""))
    spread = result.get("uncertainty")
    if spread:
        console.print(_interval_line(spread))
    alerts = result["first_alert"]
    console.print(f"first alert on hostile conversations: {alerts['alerted']} of "
                  f"{alerts['hostile']} alerted, median message index "
                  f"{fmt(alerts['median_index'])}")
    for key, groups in result["breakdowns"].items():
        if len(groups) > 1:
            console.print(_summary_table(f"By {key}", list(groups.items())))
    stages = result["stages"]
    if stages["conversations_compared"]:
        console.print(_stage_table(
            f"Stages per conversation ({stages['conversations_compared']} conversations)",
            stages["conversation"]))
    if stages["messages_compared"]:
        console.print(_stage_table(
            f"Stages per message ({stages['messages_compared']} messages)", stages["message"]))
    for entry in result["inputs"]:
        note = (f"{entry['path']}: {entry['evaluated']} evaluated of {entry['read']} read")
        extras = [f"{entry[k]} {k.replace('_', ' ')}" for k in
                  ("unlabelled", "other_split", "without_split", "skipped") if entry[k]]
        console.print(note + (f" ({', '.join(extras)})" if extras else ""))
