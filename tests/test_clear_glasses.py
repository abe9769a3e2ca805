"""The target's clear glasses, too faint to be found in one frame, stay in front of the
swapped face when the user says the target wears them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from clips import MEDIA, decoded, frames_between, needs_media, write_clip

from facecast.faces import FaceMesher
from facecast.faces import landmarks as L
from facecast.params import SwapParams
from facecast.pipeline import swap_file

LIGHTER = 0.12  # of the way to white: a clear rim catching a little light


def _lenses(xy: np.ndarray) -> list[np.ndarray]:
    """Two lens outlines (polylines) on the head: below and outside each eye's middle,
    turned with the line between the eyes."""
    right, left = xy[list(L.RIGHT_EYE)].mean(axis=0), xy[list(L.LEFT_EYE)].mean(axis=0)
    eye_w = float(np.linalg.norm(xy[L.RIGHT_EYE_OUTER] - xy[L.RIGHT_EYE_INNER]))
    across = (left - right) / np.linalg.norm(left - right)
    down = np.array([-across[1], across[0]])
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)[:, None]
    return [middle + eye_w * ((side * 0.1 + 0.9 * np.cos(t)) * across
                              + (0.25 + 0.75 * np.sin(t)) * down)
            for middle, side in ((right, -1.0), (left, 1.0))]


def _with_glasses(frames: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The frames with thin, faint rims drawn on, and each frame's rim mask."""
    out, rims = [], []
    with FaceMesher(video=True) as mesher:
        for frame in frames:
            xy = mesher.detect(frame)[0].xy
            rim = np.zeros(frame.shape[:2], np.uint8)
            for lens in _lenses(xy):
                cv2.polylines(rim, [np.round(lens).astype(np.int32)], True, 1, 2)
            lit = frame + LIGHTER * (255.0 - frame) * rim[..., None]
            out.append(np.clip(lit, 0, 255).astype(np.uint8))
            rims.append(rim > 0)
    return out, rims


def _rim_contrast(frame: np.ndarray, rim: np.ndarray) -> float:
    """Grey level on the rim less that of a band on either side of it."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    kernel = np.ones((7, 7), np.uint8)
    beside = (cv2.dilate(rim.astype(np.uint8), kernel) > 0) & ~(
        cv2.dilate(rim.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    return float(grey[rim].mean() - grey[beside].mean())


@needs_media
def test_clear_glasses_the_user_names_stay_in_front_of_the_face(identity, tmp_path: Path
                                                                 ) -> None:
    """Thin rims drawn a little lighter than the skin, with no bridge (`compose.rims` keeps
    only glasses whose bridge it sees) on s18, who wears none: swapped with
    `target_glasses`, they show nearly as they were; without it, the face covers them."""
    frames, rims = _with_glasses(frames_between(MEDIA / "videos" / "s18.mp4", 1.0, 1.6))
    src = tmp_path / "glasses.mp4"
    write_clip(src, frames)
    drawn = np.mean([_rim_contrast(f, r) for f, r in zip(frames, rims, strict=True)])
    kept = {}
    for worn in (True, False):
        out = tmp_path / f"out_{worn}.mp4"
        swap_file(identity, src, out, SwapParams(label=False, target_glasses=worn))
        swapped = decoded(out)
        # from the sixth frame: the rims are learnt as the clip goes
        kept[worn] = np.mean([_rim_contrast(f, r)
                              for f, r in zip(swapped[5:], rims[5:], strict=True)])
    # measured: drawn 15.1 grey levels; kept 11.6 with the glasses named, 3.6 without
    # (the footage's finest band, which the detail stage gives the skin)
    assert drawn > 10
    assert kept[True] > 0.6 * drawn, (drawn, kept)
    assert kept[True] > 2 * kept[False], (drawn, kept)
