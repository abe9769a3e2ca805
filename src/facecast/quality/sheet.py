"""The eval's contact sheet: face close-ups (original | swapped), the expression curves of
both, and the figures with their verdicts, in one PNG a person can read at a glance."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facecast.faces.mesh import Face
from facecast.media.sheet import ContactSheet
from facecast.quality.report import QualityReport, target_text

_CLOSE_UP_PAD = 0.6  # of the face's size, on each side: hairline, jaw and neck in view


def close_up(rgb: np.ndarray, face: Face | None) -> np.ndarray:
    """The face with some of its surroundings, or the whole frame when there is no face."""
    if face is None:
        return rgb
    x, y, w, h = face.box
    pad = _CLOSE_UP_PAD * max(w, h)
    H, W = rgb.shape[:2]
    x0, y0 = int(max(x - pad, 0)), int(max(y - pad, 0))
    x1, y1 = int(min(x + w + pad, W)), int(min(y + h + pad, H))
    return rgb[y0:y1, x0:x1]


class EvalSheet:
    def __init__(self, total: int) -> None:
        self._pairs = ContactSheet(total)

    def wants(self, index: int) -> bool:
        return self._pairs.wants(index)

    def add(self, index: int, original: np.ndarray, swapped: np.ndarray,
            face: Face | None) -> None:
        self._pairs.add(index, close_up(original, face), close_up(swapped, face))

    def save(self, path: str | Path, report: QualityReport, eye_o: list[float],
             eye_s: list[float], mouth_o: list[float], mouth_s: list[float]) -> None:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        grid = self._pairs.image()
        fig = plt.figure(figsize=(12, 13), dpi=90)
        spec = fig.add_gridspec(3, 2, height_ratios=(4.5, 1.2, 1.3))
        ax = fig.add_subplot(spec[0, :])
        if grid is not None:
            ax.imshow(grid)
        ax.set_axis_off()
        ax.set_title("original | swapped")
        for col, (name, a, b) in enumerate((("eye openness", eye_o, eye_s),
                                            ("mouth openness", mouth_o, mouth_s))):
            ax = fig.add_subplot(spec[1, col])
            ax.plot(a, label="original", lw=1)
            ax.plot(b, label="swapped", lw=1)
            ax.set_title(name, fontsize=10)
            ax.set_xlabel("frame", fontsize=8)
            ax.legend(fontsize=8)
        ax = fig.add_subplot(spec[2, :])
        ax.set_axis_off()
        ax.text(0, 1, _figures_text(report), family="monospace", fontsize=9, va="top")
        fig.tight_layout()
        fig.savefig(path, format="png")
        plt.close(fig)


def _figures_text(report: QualityReport) -> str:
    lines, row = [], []
    for name, value in report.model_dump(exclude={"passed", "notes"}).items():
        if value is None:
            text = f"{name}: -"
        else:
            text = f"{name}: {value:.3g}" if isinstance(value, float) else f"{name}: {value}"
        if name in report.passed:
            text += f" ({'ok' if report.passed[name] else 'MISS'} {target_text(name)})"
        row.append(f"{text:<38}")
        if len(row) == 3:
            lines.append("".join(row))
            row = []
    if row:
        lines.append("".join(row))
    if "blinks" in report.passed:
        same = report.passed["blinks"]
        lines.append(f"blinks: {'same count' if same else 'MISS: counts differ'}")
    return "\n".join(lines + report.notes)
