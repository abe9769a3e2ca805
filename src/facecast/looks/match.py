"""Match the swapped face to its target: its detail level, texture and colours.

The swap paints the user's face from photos. On a painting, a drawing or grainy footage
that face looks pasted on: too sharp or too smooth, without the canvas, the craquelure or
the grain around it, in colours from another palette. So, over the face (where the swap
changed the frame):

- detail, in three fine bands of lightness: where the target has less energy than the
  swapped face, the swapped face's band is turned down to it (a smooth painting, a
  cartoon); where it has more, the missing energy is made up with the target's own band
  at the same place (the canvas and its cracks, a film's grain), which belongs to the
  picture, not to the face. Strong edges of the target's band (its own eyes, nostrils,
  lips) are softly limited, and the features are left out, so no ghost of the old face
  comes back;
- colour: where the target face's palette is narrower than the swapped face's, each Lab
  channel's spread shrinks to it (lightness half-way only, so the user's features keep
  their shape of light): the face joins the painting's palette. Means are left to
  relighting, which has matched them on the skin.

In a video the figures (band gains, colour maps) follow the running values smoothly, so
nothing flickers. On a photo target as sharp and clean as the selfies, every gain is
about 1 and the colour maps about the identity: the match changes little.
"""

from __future__ import annotations

import cv2
import numpy as np

from facecast.faces import landmarks as L
from facecast.faces.raster import Region
from facecast.imaging import smoothstep

TEXTURE = (0.7, 1.4, 2.8)
"""Gaussian radii (pixels) bounding the fine bands: texture lives at the pixel scale (grain,
canvas, brush marks), whatever the face's size. Only these bands take the target's own."""
SHADING = (80.0, 40.0)
"""Face sizes over which the two coarser bands end: the modelling of skin (a photo's
blotches and pores against a cartoon's smooth gradients) scales with the face. These
bands are only ever turned down: the target's own would bring back its old features."""
FOLLOW = 0.2  # per frame: running figures move this far toward the new frame's
LIGHTNESS_SHARE = 0.5  # how far lightness is histogram-matched (colour: fully)
EDGE = 3.0  # band values beyond this many times the target's band energy are edges
_FEATURES = (L.RIGHT_EYE, L.LEFT_EYE, L.RIGHT_BROW, L.LEFT_BROW, L.LIPS_OUTER)


def _polygon(mask: np.ndarray, xy: np.ndarray, index: tuple[int, ...], offset: np.ndarray,
             hull: bool = False) -> None:
    pts = np.round((xy[list(index)] - offset) * 4).astype(np.int32)
    if hull:
        pts = cv2.convexHull(pts)
    cv2.fillPoly(mask, [pts], 1.0, cv2.LINE_AA, shift=2)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide ones run at a half or a quarter of the size (same result to a
    level, a fraction of the time: the match runs on every frame of every swap)."""
    down = 4 if sigma >= 8 else 2 if sigma >= 4 else 1
    if down == 1:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(w // down, 1), max(h // down, 1)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / down)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _bands(luma: np.ndarray, size: float) -> list[np.ndarray]:
    """Detail bands of `luma`, finest first: differences of Gaussians at the TEXTURE radii,
    then at the SHADING fractions of the face's `size` (never finer than the last)."""
    radii = list(TEXTURE)
    for fraction in SHADING:
        radii.append(max(size / fraction, radii[-1] * 1.5))
    levels = [luma] + [_blur(luma, r) for r in radii]
    return [levels[i] - levels[i + 1] for i in range(len(radii))]


def _narrowing(face_s: np.ndarray, face_o: np.ndarray) -> np.ndarray:
    """256-entry map of one Lab channel (uint8 values) of the swapped face that shrinks its
    spread about its mean to the target face's, where the target's palette is narrower (a
    painting's muted palette takes the red out of a photo's lips). It never widens (that
    would only exaggerate the render's own blotches, and flicker), and leaves the mean,
    which relighting has already matched on the skin.

    Means and spreads rather than whole histograms: a histogram's sparse tail (a few
    pixels of a lip's edge) would map onto the target's extreme, as coloured specks.
    """
    centre = float(face_s.mean())
    gain = float(np.clip(face_o.std() / max(float(face_s.std()), 1e-3), 0.25, 1.0))
    return (centre + gain * (np.arange(256, dtype=np.float32) - centre)).astype(np.float32)


class Matcher:
    """One per stream (a photo, or a video's frames in order)."""

    def __init__(self) -> None:
        self._gains: np.ndarray | None = None  # bands x (own, target's)
        self._maps: np.ndarray | None = None  # 3 x 256, Lab

    def _follow(self, gains: np.ndarray, maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._gains is None or self._maps is None:
            self._gains, self._maps = gains, maps
        else:
            self._gains = self._gains + FOLLOW * (gains - self._gains)
            self._maps = self._maps + FOLLOW * (maps - self._maps)
        return self._gains, self._maps

    def __call__(self, original: np.ndarray, swapped: np.ndarray, xy: np.ndarray,
                 strength: float = 1.0) -> None:
        """Change `swapped` in place where the swap changed `original`, on the face whose
        mesh is `xy` (pixels)."""
        if strength <= 0:
            return
        region = Region.around(xy[: L.N_MESH], swapped.shape[:2], margin=0.1)
        if region.w < 16 or region.h < 16:
            return
        o = original[region.slices]
        s = swapped[region.slices]
        size = float(max(region.w, region.h))
        offset = np.array([region.x0, region.y0], np.float32)
        oval = np.zeros((region.h, region.w), np.float32)
        _polygon(oval, xy, L.FACE_OVAL, offset)
        features = np.zeros_like(oval)
        for group in _FEATURES:
            _polygon(features, xy, group, offset, hull=True)
        reach = max(size / 30, 1.0)
        features = np.minimum(_blur(features, reach) * 2.0, 1.0)
        diff = np.abs(o.astype(np.int16) - s).max(axis=2).astype(np.float32)
        changed = smoothstep(_blur(diff, reach) / 1.5)
        weight = _blur(oval, reach) * changed * strength
        face = (oval > 0.5) & (changed > 0.5)
        skin = face & (features < 0.05)
        if skin.sum() < 200:
            return

        lab_o = cv2.cvtColor(o, cv2.COLOR_RGB2LAB)
        lab_s = cv2.cvtColor(s, cv2.COLOR_RGB2LAB)
        maps = np.stack([_narrowing(lab_s[..., c][face], lab_o[..., c][face])
                         for c in range(3)])
        luma_o = lab_o[..., 0].astype(np.float32)
        luma_s = lab_s[..., 0].astype(np.float32)
        bands_o, bands_s = _bands(luma_o, size), _bands(luma_s, size)
        energy = np.array([[np.sqrt(np.mean(b[skin] ** 2)) for b in bands]
                           for bands in (bands_s, bands_o)]).T  # bands x (own, target's)
        own = np.minimum(energy[:, 1] / np.maximum(energy[:, 0], 1e-3), 1.0)
        missing = np.sqrt(np.maximum(energy[:, 1] ** 2 - (own * energy[:, 0]) ** 2, 0.0))
        theirs = missing / np.maximum(energy[:, 1], 1e-3)
        theirs[len(TEXTURE) :] = 0.0
        gains, maps = self._follow(np.stack([own, theirs], axis=1), maps)

        lab = np.empty(lab_s.shape, np.float32)
        ramp = np.arange(256, dtype=np.float32)
        identity_l = ramp + LIGHTNESS_SHARE * (maps[0] - ramp)
        lab[..., 0] = cv2.LUT(lab_s[..., 0], identity_l)
        for c in (1, 2):
            lab[..., c] = cv2.LUT(lab_s[..., c], maps[c])
        # The target's own features (a moustache, a mole, its eyes' and nose's shading) are
        # where it differs from the swapped face beyond detail, or where its coarse bands
        # stand out: its fine bands there are the old face, not the picture's texture.
        coarse = _blur(np.abs(bands_o[-1]) + np.abs(bands_o[-2]), reach)
        typical = max(float(np.median(coarse[skin])), 1e-3)
        apart = np.abs(cv2.GaussianBlur(luma_o - luma_s, (0, 0), TEXTURE[-1]))
        outside = ((1.0 - features) * (1.0 - smoothstep((coarse / typical - 2.0) / 2.0))
                   * (1.0 - smoothstep((apart - 12.0) / 12.0)))
        for k, (b_s, b_o) in enumerate(zip(bands_s, bands_o, strict=True)):
            limit = EDGE * max(float(energy[k, 1]), 1e-3)
            texture = b_o / (1.0 + (b_o / limit) ** 2)
            lab[..., 0] += (gains[k, 0] - 1.0) * b_s + gains[k, 1] * texture * outside
        lab = cv2.convertScaleAbs(np.maximum(lab, 0, out=lab))
        matched = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
        mixed = s + weight[..., None] * (matched.astype(np.float32) - s)
        s[...] = cv2.convertScaleAbs(mixed)
