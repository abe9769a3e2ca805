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
GLARE = (150.0, 110.0, 255.0)  # RGB: a coating's violet reflection
GLARE_SHARE = 0.6  # of the way from the skin to it


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


def _with_glasses(frames: list[np.ndarray], glare: bool = False, bridge: bool = False
                  ) -> tuple[list[np.ndarray], list[dict[str, np.ndarray]]]:
    """The frames with thin, faint rims drawn on; with `glare`, a violet reflection on each
    lens below the eye; with `bridge`, a bridge as faint as the rims between the lenses at
    the eyes' height. And each frame's masks of them ("rims", "spots", "bridge")."""
    out, masks = [], []
    with FaceMesher(video=True) as mesher:
        for frame in frames:
            xy = mesher.detect(frame)[0].xy
            drawn = {name: np.zeros(frame.shape[:2], np.uint8)
                     for name in ("rims", "spots", "bridge")}
            eye_w = float(np.linalg.norm(xy[L.RIGHT_EYE_OUTER] - xy[L.RIGHT_EYE_INNER]))
            for lens in _lenses(xy):
                cv2.polylines(drawn["rims"], [np.round(lens).astype(np.int32)], True, 1, 2)
                # lens points run clockwise from outside the eye: a quarter on is below it
                below = np.round(lens[len(lens) // 4]
                                 + 0.35 * (lens.mean(axis=0) - lens[len(lens) // 4]))
                axes = (round(0.2 * eye_w), round(0.1 * eye_w))
                cv2.ellipse(drawn["spots"], tuple(below.astype(int)), axes, 0, 0, 360, 1, -1)
            right, left = xy[list(L.RIGHT_EYE)].mean(axis=0), xy[list(L.LEFT_EYE)].mean(axis=0)
            across = (left - right) / np.linalg.norm(left - right)
            ends = np.round([right + 0.8 * eye_w * across, left - 0.8 * eye_w * across])
            cv2.line(drawn["bridge"], tuple(ends[0].astype(int)), tuple(ends[1].astype(int)),
                     1, 2)
            light = drawn["rims"] | drawn["bridge"] if bridge else drawn["rims"]
            lit = frame + LIGHTER * (255.0 - frame) * light[..., None]
            if glare:
                lit += GLARE_SHARE * (np.array(GLARE) - lit) * drawn["spots"][..., None]
            out.append(np.clip(lit, 0, 255).astype(np.uint8))
            masks.append({name: mask > 0 for name, mask in drawn.items()})
    return out, masks


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
    frames, masks = _with_glasses(frames_between(MEDIA / "videos" / "s18.mp4", 1.0, 1.6))
    rims = [m["rims"] for m in masks]
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
    # measured: drawn 15.1 grey levels; kept 12.8 with the glasses named, 3.6 without
    # (the footage's finest band, which the detail stage gives the skin)
    assert drawn > 10
    assert kept[True] > 0.6 * drawn, (drawn, kept)
    assert kept[True] > 2 * kept[False], (drawn, kept)


def _violet(frame: np.ndarray, spots: np.ndarray) -> float:
    """How far (8-bit Lab a, b) the spots' colour is from the skin's around them."""
    lab = cv2.cvtColor(frame, cv2.COLOR_RGB2LAB).astype(np.float32)
    around = (cv2.dilate(spots.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0) & ~(
        cv2.dilate(spots.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    return float(np.linalg.norm(lab[spots][:, 1:].mean(axis=0)
                                - lab[around][:, 1:].mean(axis=0)))


def _colour_off(drawn: np.ndarray, swapped: np.ndarray, spots: np.ndarray) -> float:
    """Mean distance (8-bit Lab a, b) between the two frames' colours inside the spots."""
    core = cv2.erode(spots.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    lab = [cv2.cvtColor(f, cv2.COLOR_RGB2LAB).astype(np.float32)[core][:, 1:]
           for f in (drawn, swapped)]
    return float(np.linalg.norm(lab[0] - lab[1], axis=1).mean())


@needs_media
def test_the_target_glasses_reflections_stay_on_the_lenses(identity, tmp_path: Path) -> None:
    """A violet reflection on each lens, below the eye where the user's cheek is drawn,
    stays on the swapped face when the target wears glasses: it is the lens, not the
    target's skin."""
    frames, masks = _with_glasses(frames_between(MEDIA / "videos" / "s18.mp4", 1.0, 1.6),
                                  glare=True)
    spots = [m["spots"] for m in masks]
    src = tmp_path / "glare.mp4"
    write_clip(src, frames)
    out = tmp_path / "out.mp4"
    swap_file(identity, src, out, SwapParams(label=False, target_glasses=True))
    drawn = np.mean([_violet(f, s) for f, s in zip(frames, spots, strict=True)])
    off = np.mean([_colour_off(f, g, s)
                   for f, g, s in zip(frames[5:], decoded(out)[5:], spots[5:], strict=True)])
    # measured: the spots 53 from the skin around them; in the swap their colour 5.3 off
    # the drawn one (15.5 before the reflections were kept: a pink haze of them)
    assert drawn > 30
    assert off < 9, (drawn, off)


@needs_media
def test_the_target_glasses_bridge_stays_in_front_of_the_face(identity, tmp_path: Path
                                                              ) -> None:
    """A bridge as faint as the rims, between the lenses at the eyes' height, is learnt
    with them and kept over the new face's nose."""
    frames, masks = _with_glasses(frames_between(MEDIA / "videos" / "s18.mp4", 1.0, 1.6),
                                  bridge=True)
    bridges = [m["bridge"] & ~m["rims"] for m in masks]
    src = tmp_path / "bridge.mp4"
    write_clip(src, frames)
    out = tmp_path / "out.mp4"
    swap_file(identity, src, out, SwapParams(label=False, target_glasses=True))
    drawn = np.mean([_rim_contrast(f, b) for f, b in zip(frames, bridges, strict=True)])
    kept = np.mean([_rim_contrast(f, b)
                    for f, b in zip(decoded(out)[5:], bridges[5:], strict=True)])
    # measured: drawn 16.3 grey levels over what is beside it; kept 15.1 (4.9 before the
    # bridge was learnt: the footage's finest band alone)
    assert drawn > 10
    assert kept > 0.5 * drawn, (drawn, kept)
