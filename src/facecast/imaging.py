"""Small image operations shared by several packages (a leaf module, like errors.py)."""

from __future__ import annotations

import functools

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # Rec. 601 luma weights of R, G, B


def channels(weight: np.ndarray, n: int = 3) -> np.ndarray:
    """A one-channel image repeated into `n` channels (h x w x n, n >= 2). An image times
    it gives the same numbers as times `weight[..., None]`, 3-4 times faster: numpy's
    broadcast over a last axis of 3 runs as short strided loops (740 vs 215 us a 300 x 300
    colour window)."""
    if weight.size == 0:  # cv2.merge refuses empty images
        return np.zeros((*weight.shape, n), weight.dtype)
    return cv2.merge([weight] * n)


def shrink(img: np.ndarray, down: int) -> np.ndarray:
    """`img` at 1 / `down` of its size (w // down x h // down), each pixel the mean of a
    whole `down` x `down` block: the last rows and columns that make no whole block are left
    out. An exact factor takes OpenCV's fast area path, 2-10 times faster than a size that
    is not (a 327 px window made 81 px: 4.04 pixels a pixel); `enlarge` undoes its
    geometry."""
    h, w = img.shape[:2]
    size = (max(w // down, 1), max(h // down, 1))
    if w >= down and h >= down:
        img = img[: size[1] * down, : size[0] * down]
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


GRID_FACE = 72.0
"""Cells across a face (72-90 of them) on the coarse grids its smooth fields are worked out
on (the relighter's, the skin's colour variations', the blend's low band) once that face is
too large for `QUARTER`'s: those fields are measured in the face's size, so a close-up
needs no more cells than a medium shot. At a quarter, a 470 px face's grids held 2.7 times
a 280 px one's cells, and each field cost that much more."""
QUARTER = 4


def face_cell(face_size: float) -> int:
    """Pixels per cell of a `face_size` px face's coarse grid: a quarter's (4), and from
    `(QUARTER + 1) * GRID_FACE` px (360) as many whole pixels as keep 72-90 cells across
    the face."""
    return max(QUARTER, int(face_size / GRID_FACE))


def enlarge(small: np.ndarray, down: int, size: tuple[int, int]) -> np.ndarray:
    """A `shrink`ed image (or a map made from one) back at `size` (w, h): bilinear over the
    whole blocks, the rows and columns past them repeating the last."""
    w, h = size
    bw, bh = small.shape[1] * down, small.shape[0] * down
    if bw > w or bh > h:
        return cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    out = np.empty((h, w, *small.shape[2:]), small.dtype)
    cv2.resize(small, (bw, bh), dst=out[:bh, :bw], interpolation=cv2.INTER_LINEAR)
    out[bh:, :bw] = out[bh - 1 : bh, :bw]
    out[:, bw:] = out[:, bw - 1 : bw]
    return out


def float_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """`cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma)`, the same numbers: an
    8-bit image (a frame's window, a mask) is read as it is, OpenCV's separable filter
    making floats of it row by row (a third less CPU than converting it first)."""
    if img.dtype != np.uint8:
        return cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigma)
    kernel = cv2.getGaussianKernel(_kernel_size(sigma), sigma, cv2.CV_32F)
    return cv2.sepFilter2D(img, cv2.CV_32F, kernel, kernel, borderType=cv2.BORDER_REFLECT_101)


def fill_colour_tables() -> None:
    """Have OpenCV build its tables for float RGB -> Lab now: it does on the first such
    conversion, 0.11 s of CPU (0.3-0.5 s of wall clock on a loaded machine), which a
    swap's first frame waited for."""
    cv2.cvtColor(np.zeros((1, 1, 3), np.float32), cv2.COLOR_RGB2LAB)


def smaller_blur(img: np.ndarray, sigma: float, down: int) -> np.ndarray:
    """A Gaussian blur of `sigma` worked out at 1 / `down` of the size (`shrink`, then
    `enlarge`): what a wide blur keeps is smooth, and at full size it costs many times more."""
    h, w = img.shape[:2]
    if down == 1 or min(h, w) < 4 * down:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    small = cv2.GaussianBlur(shrink(img, down), (0, 0), sigma / down)
    return enlarge(small, down, (w, h))


def masked_blur(img: np.ndarray, mask: np.ndarray, sigma: float, down: int = 1
                ) -> np.ndarray:
    """Gaussian blur that ignores pixels outside `mask` (normalised convolution).

    Averages only what the mask marks, so a face's low frequencies are not dragged toward
    the background or a hole's black. With `down`, both blurs are worked out at 1 / `down`
    of the size (`smaller_blur`): for a blur wide enough that what it keeps is smooth.
    """
    m = mask.astype(np.float32)
    weighted = img.astype(np.float32) * _as_channels(m, img)
    if down == 1:
        num, den = gaussian_blur(weighted, sigma), gaussian_blur(m, sigma)
    else:
        num, den = smaller_blur(weighted, sigma, down), smaller_blur(m, sigma, down)
    den = np.maximum(den, 1e-4)
    return num / _as_channels(den, img)


def _as_channels(weight: np.ndarray, img: np.ndarray) -> np.ndarray:
    """`weight` (h x w) to multiply `img` by, as many channels as it has (`channels`: no
    broadcast over a last axis)."""
    if img.ndim == 2:
        return weight
    return channels(weight, img.shape[2]) if img.shape[2] > 1 else weight[..., None]


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """`cv2.GaussianBlur(img, (0, 0), sigma)` of a float32 image (its kernel, its reflected
    borders), as two matrix products when the kernel is wider than the image: a wide
    blur on a small grid (a sixth of the face on a quarter-size window: 93 taps over 60
    pixels) costs OpenCV the kernel's width per pixel, the products the image's, at a third
    of the cost or less. The same numbers within float rounding (1e-4 of 255)."""
    h, w = img.shape[:2]
    if _kernel_size(sigma) <= max(h, w) or max(h, w) > _MATRIX_MAX or img.dtype != np.float32:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    c = img.shape[2] if img.ndim == 3 else 1
    down = _column_blur(h, sigma) @ img.reshape(h, w * c)
    return (down @ _row_blur(w, sigma, c)).reshape(img.shape)


_MATRIX_MAX = 256  # pixels: past this side a blur matrix costs more than the kernel


def _kernel_size(sigma: float) -> int:
    """OpenCV's Gaussian kernel size for a float image and `sigma`."""
    return round(float(sigma) * 8 + 1) | 1


@functools.lru_cache(maxsize=8)
def _column_blur(n: int, sigma: float) -> np.ndarray:
    """The Gaussian blur of `sigma` down a column of `n` pixels, as the (n x n) matrix that
    multiplies it from the left. A frame's blurs share their sigma and sizes: each matrix
    is made once a frame."""
    k = _kernel_size(sigma)
    r = k // 2
    kernel = cv2.getGaussianKernel(k, sigma, cv2.CV_32F).ravel()
    wide = n + 2 * r
    # each pixel's taps over the line extended by the kernel's reach (row i: the kernel
    # from column i on, a window sliding back over a padded kernel), then each extended
    # place folded onto the pixel OpenCV's BORDER_REFLECT_101 reads there
    padded = np.zeros(n - 1 + wide, np.float32)
    padded[n - 1 : n - 1 + k] = kernel
    taps = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(padded, wide)[::-1])
    fold = np.zeros((wide, n), np.float32)
    fold[np.arange(wide), _reflected(np.arange(-r, n + r), n)] = 1.0
    return taps @ fold


@functools.lru_cache(maxsize=8)
def _row_blur(n: int, sigma: float, channels: int) -> np.ndarray:
    """The Gaussian blur of `sigma` along a row of `n` pixels of interleaved `channels`, as
    the (n c x n c) matrix that multiplies it from the right."""
    line = _column_blur(n, sigma).T
    if channels == 1:
        return np.ascontiguousarray(line)
    out = np.zeros((n, channels, n, channels), np.float32)
    for i in range(channels):
        out[:, i, :, i] = line
    return out.reshape(n * channels, n * channels)


def _reflected(idx: np.ndarray, n: int) -> np.ndarray:
    """Indices past either end of a line of `n` reflected back into it, the end pixel not
    repeated (BORDER_REFLECT_101), however far past."""
    if n == 1:
        return np.zeros_like(idx)
    period = 2 * (n - 1)
    idx = np.abs(idx) % period
    return np.where(idx >= n, period - idx, idx)


def multiband_merge(images: list[np.ndarray], weights: list[np.ndarray],
                    levels: int = 5) -> np.ndarray:
    """Weighted mean of `images` (float32, HxWx3) done band by band (Burt and Adelson): each
    Laplacian band mixed by the weights blurred to its own scale, so fine detail switches
    from one image to the next within a few pixels (no ghosts) while tone and shading cross
    over wide (no seam). Weights need not sum to 1; where all are 0 the result is 0."""
    def gaussian(img: np.ndarray) -> list[np.ndarray]:
        pyr = [img]
        for _ in range(levels):
            pyr.append(cv2.pyrDown(pyr[-1]))
        return pyr

    total: list[np.ndarray] | None = None
    norm: list[np.ndarray] | None = None
    for img, w in zip(images, weights, strict=True):
        g = gaussian(img.astype(np.float32))
        bands = [g[k] - cv2.pyrUp(g[k + 1], dstsize=g[k].shape[1::-1]) for k in range(levels)]
        bands.append(g[levels])
        gw = gaussian(w.astype(np.float32))
        terms = [b * m[..., None] for b, m in zip(bands, gw, strict=True)]
        total = terms if total is None else [t + x for t, x in zip(total, terms, strict=True)]
        norm = gw if norm is None else [n + m for n, m in zip(norm, gw, strict=True)]
    assert total is not None and norm is not None
    out = total[levels] / np.maximum(norm[levels], 1e-6)[..., None]
    for k in range(levels - 1, -1, -1):
        out = cv2.pyrUp(out, dstsize=total[k].shape[1::-1])
        out += total[k] / np.maximum(norm[k], 1e-6)[..., None]
    return out


DISC_BY_RUNS = 25
"""Disc sizes (px across) from which `dilate_disc` works row by row: below it OpenCV's own
dilation is as fast (on a 450 x 420 window at 21 px: 3.9 ms either way; at 71: 37.8 against
11.3 ms in float, 15.8 against 3.6 in 8 bits)."""


def dilate_disc(mask: np.ndarray, size: int) -> np.ndarray:
    """`mask` (2D, no value below 0) dilated by OpenCV's ellipse of `size` x `size` px: the
    same numbers as `cv2.dilate` with `cv2.getStructuringElement(cv2.MORPH_ELLIPSE, ...)`.

    OpenCV takes the maximum over every pixel of the kernel, a cost of the area times the
    kernel's, and the discs here grow with the face (a sixth of a close-up's is 71 px
    across: 5,000 pixels). A disc is a stack of centred runs: a run of the mask one pixel
    wider each side is the maximum of the narrower one shifted a pixel left and right, and
    the output the maximum of each kernel row's run shifted to its row, so the cost grows
    with the size, not its square. Outside the mask counts as 0, which is what OpenCV's
    border is to a mask. Even sizes (their ellipse is not centred) go to OpenCV."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    if size < DISC_BY_RUNS or size % 2 == 0 or mask.ndim != 2:
        return cv2.dilate(mask, kernel)
    c = size // 2
    halves = (np.count_nonzero(kernel, axis=1) - 1) // 2
    h, w = mask.shape
    run = np.zeros((h + 2 * c, w + 2 * c), mask.dtype)
    run[c:c + h, c:c + w] = mask
    spare = np.zeros_like(run)
    out = np.zeros_like(mask)
    for half in range(int(halves.max()) + 1):
        if half:
            # a run of half-width `half` from the one a pixel narrower, shifted both ways
            # (the first also keeps the pixel itself, which its shifted copies miss)
            np.maximum(run[:, :-2], run[:, 2:], out=spare[:, 1:-1])
            if half == 1:
                np.maximum(spare[:, 1:-1], run[:, 1:-1], out=spare[:, 1:-1])
            run, spare = spare, run
        for row in np.flatnonzero(halves == half):
            np.maximum(out, run[row:row + h, c:c + w], out=out)
    return out


def pixels_of(img: np.ndarray) -> np.ndarray:
    """A contiguous h x w x c image (or n x c rows) as a flat array of whole pixels, a view:
    a boolean mask (flattened) selects or sets pixels through it at a twentieth of the cost
    of masking the image itself, which numpy works through channel by channel (0.03 vs
    0.54 ms for 30,000 pixels of a colour window). Only of a contiguous image: of any other,
    the reshape would be a copy, and what is set through it would be lost."""
    if not img.flags.c_contiguous:
        raise ValueError("pixels_of needs a contiguous image")
    whole = np.dtype((np.void, img.dtype.itemsize * img.shape[-1]))
    return img.reshape(-1, img.shape[-1]).view(whole).ravel()


def mask_box(mask: np.ndarray, margin: float = 0.0) -> tuple[slice, slice] | None:
    """The rows and columns around `mask`'s pixels, `margin` wider; None if it is empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    m = int(margin) + 1 if margin > 0 else 0
    return (slice(max(rows[0] - m, 0), rows[-1] + m + 1),
            slice(max(cols[0] - m, 0), cols[-1] + m + 1))


def clamp(img: np.ndarray, top: float = 1.0) -> np.ndarray:
    """`img` (a contiguous float image) clipped to 0..`top` in place and returned: as
    `np.clip`, by OpenCV's thresholds at a quarter of its cost (60 vs 280 us a 300 px
    colour window)."""
    cv2.threshold(img, top, 0, cv2.THRESH_TRUNC, dst=img)
    cv2.threshold(img, 0, 0, cv2.THRESH_TOZERO, dst=img)
    return img


def smoothstep(x: np.ndarray | float) -> np.ndarray:
    if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim != 2:
        x = np.clip(x, 0.0, 1.0)
        return x * x * (3 - 2 * x)
    # a mask: the same numbers in half the time (OpenCV's clip, two temporaries, not five)
    x = clamp(x.copy())
    out = cv2.multiply(x, x)
    x *= -2.0
    x += 3.0
    out *= x
    return out


def to_linear(v: np.ndarray) -> np.ndarray:
    """sRGB values (0..1) as linear light, where light from two sources adds."""
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def to_srgb(v: np.ndarray) -> np.ndarray:
    """Linear light as sRGB values, clipped to 0..1."""
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def ramp(value: float, bounds: tuple[float, float]) -> float:
    """0 up to `bounds[0]`, 1 from `bounds[1]`, smooth between (a step that applies from one
    face size and in full from another)."""
    low, full = bounds
    return float(smoothstep((value - low) / (full - low)))


SHADOW_L = 25.0
"""Lab lightness: a crease, deep-set eyes or the shade under a brow are this much darker
than the typical skin and still skin; hair, brows and glasses rims are darker still."""
SHADOW_WEIGHT = 0.33  # darkness up to SHADOW_L counts this much, beyond it in full


def skin_distance(lab: np.ndarray, skin: np.ndarray, darker: float = 1.0,
                  shadow: float = 0.0, lighter: float = 0.5) -> np.ndarray:
    """Lab distance of each pixel from the skin colour `skin`, where being lighter counts
    by `lighter` (highlights on skin are still skin) and being darker counts by `darker` up
    to `shadow` lightness units, in full beyond."""
    d = lab - skin
    dark = np.maximum(-d[..., 0], 0.0)
    dl = np.where(d[..., 0] < 0, darker * np.minimum(dark, shadow)
                  + np.maximum(dark - shadow, 0.0), lighter * d[..., 0])
    return np.sqrt(dl**2 + d[..., 1] ** 2 + d[..., 2] ** 2)


def skin_likeness(rgb: np.ndarray, mask: np.ndarray, tolerance: float = 22.0,
                  darker: float = 1.0, shadow: float = 0.0, lighter: float = 0.5
                  ) -> np.ndarray:
    """0..1: how close each pixel's colour is to the median colour under `mask` (its skin).

    Distance as `skin_distance`: darkness counts fully where dark means hair, brows or
    stubble (a selfie's texture), less where dark may be the skin's own shadow.
    """
    return skin_likenesses(rgb, mask, (darker,), tolerance, shadow, lighter)[0]


def skin_likenesses(rgb: np.ndarray, mask: np.ndarray, darkers: tuple[float, ...],
                    tolerance: float = 22.0, shadow: float = 0.0, lighter: float = 0.5
                    ) -> list[np.ndarray]:
    """`skin_likeness` for each of `darkers`, the colour conversion and the skin's median
    made once for all."""
    lab = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB)
    lab = lab.astype(np.float32)
    skin = np.median(lab[mask > 0], axis=0)
    return [np.exp(-(skin_distance(lab, skin, darker, shadow, lighter) / tolerance) ** 2)
            for darker in darkers]


def median(values: np.ndarray) -> np.floating:
    """`np.median(values)` of a 1-D float array without NaN, the same number: the mean of
    the middle one or two of a partition, without np.median's checks and handling of axes
    (a third of its cost on a few thousand pixels: a brow's, a lip ring's)."""
    if values.size == 0:
        return np.median(values)
    half = values.size // 2
    if values.size % 2:
        return np.partition(values, half)[half]
    return np.partition(values, (half - 1, half))[half - 1 : half + 1].mean()
