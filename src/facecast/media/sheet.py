"""Contact sheets: original | swapped pairs of a few frames, in one PNG a person can look at."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

_THUMB_H = 240
_PAIRS = 6


class ContactSheet:
    """Collects up to six evenly spaced (before, after) pairs of a stream of `total` frames."""

    def __init__(self, total: int, pairs: int = _PAIRS, height: int = _THUMB_H) -> None:
        n = max(min(pairs, total), 1)
        self._height = height
        self._want = {round(i) for i in np.linspace(0, max(total - 1, 0), n)}
        self._rows: list[np.ndarray] = []

    def wants(self, index: int) -> bool:
        return index in self._want

    def add(self, index: int, before: np.ndarray, after: np.ndarray) -> None:
        pair = np.hstack([_thumb(before, self._height), _thumb(after, self._height)])
        for colour, thickness in (((0, 0, 0), 4), ((255, 255, 255), 1)):  # legible on any frame
            cv2.putText(pair, f"frame {index}", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour,
                        thickness, cv2.LINE_AA)
        self._rows.append(pair)

    def image(self) -> np.ndarray | None:
        """The pairs in a grid (two columns from four pairs up), or None if none were added."""
        if not self._rows:
            return None
        width = max(r.shape[1] for r in self._rows)
        rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in self._rows]
        cols = 2 if len(rows) > 3 else 1
        if cols == 2 and len(rows) % 2:
            rows.append(np.zeros_like(rows[0]))
        return np.vstack(rows) if cols == 1 else np.hstack(
            [np.vstack(rows[: len(rows) // 2]), np.vstack(rows[len(rows) // 2 :])])

    def save(self, path: str | Path) -> None:
        from facecast.media import write_image

        grid = self.image()
        if grid is not None:
            write_image(path, grid, format="PNG")


def _thumb(rgb: np.ndarray, height: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = height / h
    return cv2.resize(rgb, (max(int(w * scale), 1), height), interpolation=cv2.INTER_AREA)
