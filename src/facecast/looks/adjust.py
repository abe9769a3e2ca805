"""Photo and video adjustments: each a pure function of an RGB uint8 image and one value.

Every function returns its input unchanged (the same array) at 0, and works in LUT or
float32 form so that all of them together cost about 60 ms on a 720p frame (bench/
looks_speed.py). Ranges are those of `params.Adjustments`; the sign convention is "positive
= more of what the name says". Kernel sizes scale with the picture (`_scale`), so a 4K photo
and a 480p clip get the same look.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from facecast.imaging import smoothstep, to_linear, to_srgb
from facecast.params import Adjustments

_LUMA = np.float32([0.2126, 0.7152, 0.0722])  # Rec. 709, applied to sRGB values
_CODES = np.arange(256, dtype=np.float32) / 255.0


def _scale(rgb: np.ndarray) -> float:
    """Picture size relative to 720p: radii in pixels are multiplied by it."""
    return min(rgb.shape[:2]) / 720.0


def _lut(rgb: np.ndarray, curves: list[np.ndarray]) -> np.ndarray:
    """Apply one 256-entry curve (values 0..1) per channel."""
    table = np.stack([np.clip(c * 255.0 + 0.5, 0, 255) for c in curves], axis=1)
    return cv2.LUT(rgb, table.astype(np.uint8).reshape(256, 1, 3))


def _luma(rgb: np.ndarray) -> np.ndarray:
    """Lightness 0..1 as float32, one channel."""
    return cv2.transform(rgb, _LUMA.reshape(1, 3)).astype(np.float32) / 255.0


Curves = list[np.ndarray]
"""One curve per channel: output (0..1) for each of the 256 input codes."""


def exposure_curves(ev: float) -> Curves:
    return [to_srgb(to_linear(_CODES) * 2.0**ev)] * 3


def brightness_curves(amount: float) -> Curves:
    return [_CODES ** (2.0 ** (-0.8 * amount / 100.0))] * 3


def contrast_curves(amount: float) -> Curves:
    k = 8.0 * abs(amount) / 100.0
    lo, hi = 1 / (1 + np.exp(k / 2)), 1 / (1 + np.exp(-k / 2))
    if amount > 0:
        return [(1 / (1 + np.exp(-k * (_CODES - 0.5))) - lo) / (hi - lo)] * 3
    p = lo + _CODES * (hi - lo)
    return [0.5 + np.log(p / (1 - p)) / k] * 3


def _white_balance(gains: np.ndarray) -> Curves:
    """Per-channel gains in linear light, normalised so that lightness stays put."""
    gains = gains / float(gains @ _LUMA)
    return [to_srgb(to_linear(_CODES) * g) for g in gains]


def temperature_curves(amount: float) -> Curves:
    t = 0.45 * amount / 100.0
    return _white_balance(np.float32([2.0**t, 1.0, 2.0**-t]))


def tint_curves(amount: float) -> Curves:
    return _white_balance(np.float32([1.0, 2.0 ** (-0.35 * amount / 100.0), 1.0]))


def exposure(rgb: np.ndarray, ev: float) -> np.ndarray:
    """-3..3 EV: light multiplied by 2^ev in linear light, as a longer or shorter exposure."""
    return rgb if ev == 0 else _lut(rgb, exposure_curves(ev))


def brightness(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: a gamma curve on the midtones; black stays black and white white."""
    return rgb if amount == 0 else _lut(rgb, brightness_curves(amount))


def contrast(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: an S-curve about middle grey (positive) or its inverse (negative), both
    keeping black and white, so the spread of tones grows or shrinks."""
    return rgb if amount == 0 else _lut(rgb, contrast_curves(amount))


def temperature(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: cooler (more blue) or warmer (more red/amber) white balance, in linear
    light."""
    return rgb if amount == 0 else _lut(rgb, temperature_curves(amount))


def tint(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: greener (negative) or more magenta (positive) white balance."""
    return rgb if amount == 0 else _lut(rgb, tint_curves(amount))


def _u8(f: np.ndarray) -> np.ndarray:
    """float32 0..255 (any channels) to uint8, rounded and saturated."""
    return cv2.convertScaleAbs(np.maximum(f, 0.0, out=f))


def saturation(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: colours pushed from (or toward) their grey of equal lightness; -100 is
    black and white, 100 twice as colourful."""
    if amount == 0:
        return rgb
    grey = cv2.cvtColor(cv2.transform(rgb, _LUMA.reshape(1, 3)), cv2.COLOR_GRAY2RGB)
    k = 1.0 + amount / 100.0
    return cv2.addWeighted(rgb, k, grey, 1.0 - k, 0.0)


def _local(rgb: np.ndarray,
           curve: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
    """out = rgb * gain + offset, with (gain, offset or None) = curve(local mean lightness
    0..1).

    The local mean is taken at the scale of objects, not of texture (a quarter-size blur),
    so shadows and highlights move while local contrast survives: no flat, greyed-out look.
    The curve is evaluated at that quarter size too; it is smooth anyway.
    """
    h, w = rgb.shape[:2]
    small = cv2.resize(_luma(rgb), (max(w // 4, 1), max(h // 4, 1)),
                       interpolation=cv2.INTER_AREA)
    base = cv2.GaussianBlur(small, (0, 0), max(3.0 * _scale(rgb), 1.0))
    gain, offset = curve(base)

    def full(m: np.ndarray) -> np.ndarray:
        return cv2.resize(m.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)[..., None]

    f = rgb.astype(np.float32)
    f *= full(gain)
    if offset is not None:
        f += full(offset)
    return _u8(f)


def shadows(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: the parts darker than middle grey darkened or lifted (up to 2.8x at
    black), by a gain that follows the local mean lightness."""
    if amount == 0:
        return rgb

    def curve(base: np.ndarray) -> tuple[np.ndarray, None]:
        weight = 1.0 - smoothstep(base / 0.55)
        return np.exp2(1.5 * amount / 100.0 * weight), None

    return _local(rgb, curve)


def highlights(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: the parts brighter than middle grey pulled down (negative, recovering
    detail) or pushed toward white without clipping (positive: 1 - (1 - v) * gain)."""
    if amount == 0:
        return rgb

    def curve(base: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        weight = smoothstep((base - 0.45) / 0.55)
        a = amount / 100.0
        if a < 0:
            return np.exp2(1.2 * a * weight), None
        gain = np.exp2(-1.2 * a * weight)
        return gain, 255.0 * (1.0 - gain)

    return _local(rgb, curve)


def sharpness(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: unsharp masking of the finest detail (positive) or a soft blur of it
    (negative; -100 is a Gaussian of 1.2 px at 720p)."""
    if amount == 0:
        return rgb
    sigma = 1.2 * max(_scale(rgb), 0.5)
    soft = cv2.GaussianBlur(rgb, (0, 0), sigma)
    k = 1.6 * amount / 100.0 if amount > 0 else amount / 100.0
    return cv2.addWeighted(rgb, 1.0 + k, soft, -k, 0.0)


def clarity(rgb: np.ndarray, amount: float) -> np.ndarray:
    """-100..100: local contrast of mid-sized detail (wrinkles, folds, texture of hair), on
    lightness only and mostly in the midtones."""
    if amount == 0:
        return rgb
    h, w = rgb.shape[:2]
    luma = _luma(rgb)
    sigma = 10.0 * _scale(rgb)
    small = cv2.resize(luma, (max(w // 2, 1), max(h // 2, 1)), interpolation=cv2.INTER_AREA)
    base = cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / 2), (w, h),
                      interpolation=cv2.INTER_LINEAR)
    detail = (luma - base) * (1.0 - np.square(2.0 * luma - 1.0)) * (1.2 * amount / 100 * 255)
    f = rgb.astype(np.float32)
    f += detail[..., None]
    return _u8(f)


def noise_reduction(rgb: np.ndarray, amount: float) -> np.ndarray:
    """0..100: an edge-preserving (bilateral) smoothing of grain and sensor noise, mixed in
    by `amount`: edges stronger than the noise stay sharp."""
    if amount <= 0:
        return rgb
    a = amount / 100.0
    smooth = cv2.bilateralFilter(rgb, 5, 6.0 + 24.0 * a, 1.5 + 1.5 * a)
    return cv2.addWeighted(rgb, 1.0 - a, smooth, a, 0.0)


ADJUSTMENTS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "noise_reduction": noise_reduction,
    "exposure": exposure,
    "temperature": temperature,
    "tint": tint,
    "brightness": brightness,
    "contrast": contrast,
    "shadows": shadows,
    "highlights": highlights,
    "saturation": saturation,
    "clarity": clarity,
    "sharpness": sharpness,
}
"""Every tonal adjustment, in the order `apply` runs them: noise first (before anything
amplifies it), then white balance and tone, colour, and local detail last."""


CURVES: dict[str, Callable[[float], Curves]] = {
    "exposure": exposure_curves,
    "temperature": temperature_curves,
    "tint": tint_curves,
    "brightness": brightness_curves,
    "contrast": contrast_curves,
}
"""The adjustments that are one curve per channel: `apply` composes those that follow each
other into a single lookup (one pass over the picture, and no rounding in between)."""


def apply(rgb: np.ndarray, adjustments: Adjustments) -> np.ndarray:
    """All non-zero adjustments in their order; the input itself when there are none."""
    values = adjustments.tonal()
    pending: Curves | None = None
    for name, fn in ADJUSTMENTS.items():
        if name not in values:
            continue
        if name in CURVES:
            curves = CURVES[name](values[name])
            pending = curves if pending is None else [
                np.interp(before, _CODES, after) for before, after in zip(pending, curves,
                                                                          strict=True)]
            continue
        if pending is not None:
            rgb, pending = _lut(rgb, pending), None
        rgb = fn(rgb, values[name])
    return rgb if pending is None else _lut(rgb, pending)
