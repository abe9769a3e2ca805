"""Painted looks: oil, watercolour and comic, each a deterministic function of an RGB image.

All three start from an edge-preserving simplification of the picture (detail of a few
pixels is what makes a photo look like a photo) and add what the medium does to it:
brush strokes that follow the picture's own directions and catch the light (oil), washes
that pool at their edges and settle into the paper's grain (watercolour), flat tones and
ink lines (comic). Sizes scale with the picture (720p is the reference). Textures come
from `textures` (fixed seeds), so the same frame always gives the same painting.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from facecast.imaging import smoothstep
from facecast.looks import textures


def picture_scale(rgb: np.ndarray) -> float:
    """The picture's size over 720p: every radius and texture in pixels is multiplied by it."""
    return max(min(rgb.shape[:2]) / 720.0, 0.25)


def _half(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (max(w // 2, 1), max(h // 2, 1)), interpolation=cv2.INTER_AREA)


def _full(img: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def _u8(f: np.ndarray) -> np.ndarray:
    return cv2.convertScaleAbs(np.maximum(f, 0.0, out=f))


def kuwahara(img: np.ndarray, radius: int) -> np.ndarray:
    """Generalised Kuwahara filter (float32 in and out): each pixel takes the mean of the
    four quadrants around it, weighted toward the quadrant of least variance. Flat areas
    become flat and edges stay sharp, with the blotchy look of paint."""
    r = max(int(radius), 1)
    size = (r + 1, r + 1)
    mean = cv2.boxFilter(img, -1, size, anchor=(0, 0), borderType=cv2.BORDER_REFLECT)
    sq = cv2.boxFilter(img * img, -1, size, anchor=(0, 0), borderType=cv2.BORDER_REFLECT)
    var = (sq - mean * mean).sum(axis=2)
    mean_p = np.pad(mean, ((r, r), (r, r), (0, 0)), mode="edge")
    var_p = np.pad(var, ((r, r), (r, r)), mode="edge")
    h, w = img.shape[:2]
    num = np.zeros_like(img)
    den = np.zeros((h, w), np.float32)
    for dy in (0, r):
        for dx in (0, r):
            # the quadrant [y - dy, y - dy + r] x [x - dx, x - dx + r]
            m = mean_p[r - dy : r - dy + h, r - dx : r - dx + w]
            v = var_p[r - dy : r - dy + h, r - dx : r - dx + w]
            wq = 1.0 / (1.0 + v) ** 2
            num += m * wq[..., None]
            den += wq
    return num / den[..., None]


def flow(grey: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors along the picture's edges (the tangent of the smoothed structure
    tensor) and how clearly oriented each place is (0..1)."""
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    theta = 0.5 * np.arctan2(2 * jxy, jxx - jyy)  # direction of the gradient
    diff = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    coherence = diff / np.maximum(jxx + jyy, 1e-6)
    return np.dstack([-np.sin(theta), np.cos(theta)]).astype(np.float32), coherence


def smear(texture: np.ndarray, tangent: np.ndarray, length: float, steps: int = 4
          ) -> np.ndarray:
    """Line-integral convolution: `texture` averaged along `tangent` over `length` pixels,
    so noise becomes strokes that follow the picture's directions."""
    h, w = texture.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    total = texture.copy()
    for i in range(1, steps + 1):
        d = tangent * (length / 2 * i / steps)
        for sign in (1.0, -1.0):
            total += cv2.remap(texture, xs + sign * d[..., 0], ys + sign * d[..., 1],
                               cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return total / (2 * steps + 1)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def oil(rgb: np.ndarray, s: float) -> np.ndarray:
    """Oil paint: Kuwahara blotches of colour with crisp edges, brush strokes along the
    forms (a bristle noise smeared along the picture's directions) lit from the top left
    like thick paint, on a faint linen weave."""
    small = _half(rgb).astype(np.float32)
    paint = kuwahara(small, round(2 * s))
    tangent, coherence = flow(cv2.cvtColor(paint, cv2.COLOR_RGB2GRAY) / 255.0, 8.0 * s)
    paint = smear(paint, tangent, 4.0 * s, steps=2)
    colour = _full(paint, rgb.shape)
    colour += 0.5 * (colour - cv2.GaussianBlur(colour, (0, 0), 1.5 * s))
    h, w = rgb.shape[:2]
    tangent = _full(tangent, rgb.shape)
    strokes = smear(textures.bristles(h, w, s), tangent, 12.0 * s)
    strokes *= 0.3 + 0.7 * _full(coherence, rgb.shape)  # flat skin: faint strokes
    relief = cv2.Sobel(strokes, cv2.CV_32F, 1, 0, ksize=3) + cv2.Sobel(strokes, cv2.CV_32F, 0,
                                                                        1, ksize=3)
    weave = textures.canvas(h, w, s)
    light = 1.0 + 0.035 * strokes - 0.035 * relief + 0.012 * weave
    colour *= light[..., None]
    return _u8(colour)


def watercolor(rgb: np.ndarray, s: float) -> np.ndarray:
    """Watercolour: simplified washes that bleed a little, lighter and more transparent
    than the photo (the lightest parts are bare paper), darker on the inside of a wash's
    edge where the pigment dried, and settling into the paper's grain."""
    h, w = rgb.shape[:2]
    small = _half(rgb)
    wash = cv2.ximgproc.dtFilter(small, small, 25 * s, 45, numIters=3)
    wash = cv2.bilateralFilter(wash, 7, 40, 5 * s)
    wash_f = _full(wash.astype(np.float32), rgb.shape)
    turb = textures.turbulence(h, w, s)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    dx, dy = (cv2.Sobel(turb, cv2.CV_32F, 1, 0, ksize=5), cv2.Sobel(turb, cv2.CV_32F, 0, 1,
                                                                    ksize=5))
    bleed = 2.5 * s / max(float(np.sqrt((dx * dx + dy * dy).mean())), 1e-6)
    wash_f = cv2.remap(wash_f, xs + bleed * dx, ys + bleed * dy, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REFLECT)
    density = -np.log((wash_f + 8.0) / 263.0)  # pigment per channel (Beer-Lambert)
    density = np.maximum(density - 0.05, 0.0)  # the lightest tones are the paper itself
    grey = cv2.cvtColor(wash_f, cv2.COLOR_RGB2GRAY) / 255.0
    rim = smoothstep((cv2.GaussianBlur(grey, (0, 0), 3.0 * s) - grey) / 0.05)
    grain = cv2.GaussianBlur(textures.paper(h, w, s), (0, 0), 0.6 * s)
    density *= (0.8 * (1.0 + 0.6 * rim + 0.08 * grain + 0.05 * turb))[..., None]
    paper_tone = np.float32([252, 249, 242]) * (1.0 + 0.012 * grain)[..., None]
    return _u8(paper_tone * np.exp(-density))


def comic(rgb: np.ndarray, s: float) -> np.ndarray:
    """Comic: a few flat, bright tones (lightness quantised, colour kept and lifted) and
    black ink lines where the picture has edges (difference of Gaussians)."""
    small = _half(rgb)
    smooth = small
    for _ in range(2):
        smooth = cv2.bilateralFilter(smooth, 7, 35, 4 * s)
    lab = cv2.cvtColor(smooth.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    levels = 5
    step = 100.0 / levels
    band = lab[..., 0] / step
    frac = band - np.floor(band)
    lab[..., 0] = np.clip((np.floor(band) + smoothstep((frac - 0.45) / 0.1)) * step, 0, 100)
    lab[..., 0] = 10.0 + 0.9 * lab[..., 0]
    lab[..., 1:] *= 1.3
    tones = _full(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0, rgb.shape)
    grey = _full(_grey(smooth), rgb.shape)
    dog = cv2.GaussianBlur(grey, (0, 0), 1.0 * s) - cv2.GaussianBlur(grey, (0, 0), 1.8 * s)
    ink = smoothstep((-dog - 0.012) / 0.02)
    tones *= (1.0 - 0.92 * ink)[..., None]
    return _u8(tones)


STYLES: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "oil": oil,
    "watercolor": watercolor,
    "comic": comic,
}
"""Every painted style; "realistic" is the picture as filmed and has no entry."""


def stylize(rgb: np.ndarray, style: str, scale: float | None = None) -> np.ndarray:
    """`rgb` painted in `style`; the input itself for "realistic". `scale` (default: the
    picture's own, `picture_scale`) sets the size of strokes, grain and lines: a window cut
    from a frame is painted at the frame's scale."""
    if style == "realistic":
        return rgb
    return STYLES[style](rgb, scale or picture_scale(rgb))
