"""Procedural textures for the painted styles: paper, canvas and the noise brushes drag.

Each is made from a fixed seed, so two runs paint the same picture, and cached per size,
so a video pays for them once. Values are float32, zero-mean, roughly unit spread; the
styles choose how strongly each shows. Feature sizes scale with the picture (720p is the
reference: `scale` is the picture's size over 720p), so a 4K photo gets the same grain as a
720p frame, only finer in pixels.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

_SEED = 20240611


def _unit(t: np.ndarray) -> np.ndarray:
    t = t - t.mean()
    return (t / max(float(t.std()), 1e-6)).astype(np.float32)


def _octaves(h: int, w: int, cells: tuple[float, ...], seed: int, falloff: float = 0.7
             ) -> np.ndarray:
    """Sum of smoothly upsampled random grids (value noise) of the given cell sizes."""
    rng = np.random.default_rng(seed)
    total = np.zeros((h, w), np.float32)
    for i, cell in enumerate(cells):
        gh, gw = max(int(h / cell) + 2, 2), max(int(w / cell) + 2, 2)
        grid = rng.standard_normal((gh, gw)).astype(np.float32)
        total += falloff**i * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    return total


@lru_cache(maxsize=4)
def paper(h: int, w: int, s: float) -> np.ndarray:
    """Cold-pressed watercolour paper: a bumpy grain of a few pixels plus faint fibres."""
    grain = _octaves(h, w, (2.0 * s, 4.0 * s, 9.0 * s), _SEED)
    rng = np.random.default_rng(_SEED + 1)
    fibres = rng.standard_normal((h, w)).astype(np.float32)
    length = max(int(9 * s) | 1, 3)
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    fibres = cv2.filter2D(fibres, -1, kernel) + cv2.filter2D(fibres, -1, kernel.T)
    return _unit(_unit(grain) + 0.35 * _unit(fibres))


@lru_cache(maxsize=4)
def turbulence(h: int, w: int, s: float) -> np.ndarray:
    """Large soft blotches: pigment settling unevenly in a wash."""
    return _unit(_octaves(h, w, (90.0 * s, 40.0 * s, 18.0 * s), _SEED + 2, falloff=0.6))


@lru_cache(maxsize=4)
def canvas(h: int, w: int, s: float) -> np.ndarray:
    """Woven linen: over-and-under threads about 4 px apart at 720p, a little irregular."""
    period = 4.0 * s
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    wobble = 0.6 * period * _octaves(h, w, (30.0 * s,), _SEED + 3)
    u, v = (xs + wobble) / period, (ys - wobble) / period
    weft = np.cos(np.pi * u) ** 2  # threads across
    warp = np.cos(np.pi * v) ** 2
    over = (np.floor(u) + np.floor(v)) % 2
    weave = np.where(over > 0, weft, warp)
    slubs = _octaves(h, w, (12.0 * s,), _SEED + 4)
    return _unit(cv2.GaussianBlur(_unit(weave) + 0.3 * slubs, (0, 0), 0.5 * s + 0.3))


@lru_cache(maxsize=4)
def bristles(h: int, w: int, s: float) -> np.ndarray:
    """Fine streaky noise that a brush drags along the picture's own directions (oil)."""
    return _unit(_octaves(h, w, (1.5 * s, 3.0 * s), _SEED + 5, falloff=0.8))
