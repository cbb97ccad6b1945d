"""The reliability diagram: predicted risk against the observed share of hostile
conversations, one bar per equal-width bin. A calibrated scorer sits on the diagonal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lurewatch.evaluate.metrics import CalibrationBin


def write_reliability_diagram(
    bins: Sequence[CalibrationBin], path: Path, title: str, ece: float | None = None
) -> Path:
    """Write the diagram as a PNG at `path` (its folder is created) and return the path."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    width = bins[0].high - bins[0].low if bins else 0.1
    filled = [b for b in bins if b.count]
    fig, (ax, ax_count) = plt.subplots(
        2, 1, figsize=(5.5, 6.5), gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    try:
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1,
                label="perfect calibration")
        ax.bar([b.low for b in filled], [b.hostile_rate or 0.0 for b in filled],
               width=width, align="edge", edgecolor="black", color="#4c72b0", alpha=0.8,
               label="observed share hostile")
        ax.plot([b.mean_risk for b in filled], [b.hostile_rate for b in filled],
                marker="o", color="#c44e52", linewidth=1, label="bin mean risk")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share hostile")
        suffix = f" (ECE {ece:.3f})" if ece is not None else ""
        ax.set_title(f"{title}{suffix}", fontsize=10)
        ax.legend(loc="upper left", fontsize=8)
        ax_count.bar([b.low for b in bins], [b.count for b in bins], width=width,
                     align="edge", edgecolor="black", color="#999999")
        ax_count.set_xlabel("predicted risk")
        ax_count.set_ylabel("conversations")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)
    return path
