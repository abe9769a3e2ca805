"""`make looks`: sheets of the looks on real targets, to look at.

Writes out/looks/: `photo.png` and `painted.png` (the d10 identity swapped into photo
targets s1, s12 and painted ones s0, s9 (oil) and s7 (cartoon), in every style, face
close-ups), `match.png` (painted targets with and without matching the target's texture and
colours), `scope.png` (styles on the face only), `adjustments.png` (each adjustment at
minus and plus), `sliders.png` (each face slider at -100 and 100) and `video.png` (frames of
a swap into s18 in each style). The identity is trained into out/looks/home, so the user's
own store is never touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

OUT = Path("out/looks")
PHOTOS = ("s1", "s12")
PAINTED = ("s0", "s9", "s7")
STYLES = ("realistic", "oil", "watercolor", "comic")
CELL = 300


def label(image: np.ndarray, text: str) -> np.ndarray:
    image = np.ascontiguousarray(image)
    for colour, thickness in (((0, 0, 0), 4), ((255, 255, 255), 1)):
        cv2.putText(image, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, thickness,
                    cv2.LINE_AA)
    return image


def save(path: Path, image: np.ndarray) -> None:
    from facecast.media import write_image

    write_image(path, image, format="PNG")
    print(f"wrote {path}", flush=True)


def fit(image: np.ndarray, side: int = CELL) -> np.ndarray:
    """The image scaled to `side` pixels high."""
    h, w = image.shape[:2]
    return cv2.resize(image, (max(round(w * side / h), 1), side), interpolation=cv2.INTER_AREA)


def grid(rows: list[list[np.ndarray]]) -> np.ndarray:
    width = max(sum(c.shape[1] for c in row) for row in rows)
    lines = []
    for row in rows:
        line = np.hstack(row)
        lines.append(np.pad(line, ((0, 4), (0, width - line.shape[1]), (0, 0)),
                            constant_values=255))
    return np.vstack(lines)


class Targets:
    """Face boxes of the targets, to crop close-ups at the same place in every result."""

    def __init__(self, media: Path) -> None:
        from facecast.faces import FaceMesher
        from facecast.media import read_image

        self.media = media
        self.images: dict[str, np.ndarray] = {}
        self.boxes: dict[str, tuple[int, int, int, int]] = {}
        with FaceMesher(video=False) as mesher:
            for name in PHOTOS + PAINTED:
                rgb = read_image(media / "portraits" / f"{name}.jpg").rgb
                x, y, w, h = mesher.detect(rgb)[0].box
                side = 1.5 * max(w, h)
                x0 = int(max(x + w / 2 - side / 2, 0))
                y0 = int(max(y + h / 2 - side / 2, 0))
                self.images[name] = rgb
                self.boxes[name] = (x0, y0, int(side), int(side))

    def path(self, name: str) -> Path:
        return self.media / "portraits" / f"{name}.jpg"

    def close_up(self, name: str, rgb: np.ndarray) -> np.ndarray:
        x, y, w, h = self.boxes[name]
        return cv2.resize(rgb[y : y + h, x : x + w], (CELL, CELL), interpolation=cv2.INTER_AREA)


def main() -> int:
    media = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
    if not (media / "portraits").is_dir():
        print(f"FACECAST_MEDIA={media} has no portraits/: set it to the test media folder")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["FACECAST_HOME"] = str((OUT / "home").resolve())

    from facecast.identity.build import build_identity
    from facecast.identity.model import list_names, load
    from facecast.looks import adjust
    from facecast.looks.edit import edit_file
    from facecast.media import read_image
    from facecast.params import Adjustments, EditParams, Sliders, SwapParams
    from facecast.pipeline import swap_file

    if "d10" not in list_names():
        build_identity([media / "identities" / "d10"], "d10")
    identity = load("d10")
    targets = Targets(media)
    tmp = Path(tempfile.mkdtemp(prefix="looks-"))

    def swapped(name: str, **params: object) -> np.ndarray:
        out = tmp / f"{name}.png"
        swap_file(identity, targets.path(name), out, SwapParams(**params))
        return read_image(out).rgb

    for sheet, names in (("photo", PHOTOS), ("painted", PAINTED)):
        rows = []
        for name in names:
            original = targets.images[name]
            full, close = [label(fit(original), name)], [label(targets.close_up(name, original),
                                                               "original")]
            for style in STYLES:
                rgb = swapped(name, style=style)
                full.append(label(fit(rgb), style))
                close.append(label(targets.close_up(name, rgb), f"swap, {style}"))
            rows += [full, close]
        save(OUT / f"{sheet}.png", grid(rows))

    rows = []
    for name in PAINTED + PHOTOS:
        row = [label(targets.close_up(name, targets.images[name]), f"{name} original")]
        for match in (0.0, 1.0):
            row.append(label(targets.close_up(name, swapped(name, match=match)),
                             f"swap, match {match:g}"))
        rows.append(row)
    save(OUT / "match.png", grid(rows))

    rows = []
    for name in ("s1", "s9"):
        row = [label(fit(targets.images[name]), name)]
        for style in STYLES[1:]:
            row.append(label(fit(swapped(name, style=style, style_scope="face")),
                             f"{style}, face only"))
        rows.append(row)
    save(OUT / "scope.png", grid(rows))

    photo = media / "portraits" / "s12.jpg"
    rows = []
    for name in adjust.ADJUSTMENTS:
        row = []
        for value in (-1.0, 1.0):
            amount = value * (2.0 if name == "exposure" else 100.0 if name == "noise_reduction"
                              else 70.0)
            if name == "noise_reduction" and value < 0:
                row.append(label(fit(read_image(photo).rgb, 240), "s12"))
                continue
            out = tmp / f"adjust-{name}.png"
            edit_file(photo, out, EditParams(adjustments=Adjustments(**{name: amount})))
            row.append(label(fit(read_image(out).rgb, 240), f"{name} {amount:+g}"))
        rows.append(row)
    half = (len(rows) + 1) // 2
    left, right = grid(rows[:half]), grid(rows[half:])
    right = np.pad(right, ((0, left.shape[0] - right.shape[0]), (0, 0), (0, 0)),
                   constant_values=255)
    save(OUT / "adjustments.png", np.hstack([left, right]))

    rows = []
    for name in Sliders.model_fields:
        row = []
        for value in (-100, 0, 100):
            out = tmp / "slider.png"
            edit_file(targets.path("s1"), out, EditParams(sliders=Sliders(**{name: value})))
            row.append(label(targets.close_up("s1", read_image(out).rgb), f"{name} {value:+d}"))
        rows.append(row)
    half = len(rows) // 2
    save(OUT / "sliders.png", np.hstack([grid(rows[:half]), grid(rows[half:])]))

    rows = []
    clip = media / "videos" / "s18.mp4"
    for style in STYLES:
        out = tmp / f"video-{style}.mp4"
        swap_file(identity, clip, out, SwapParams(style=style, start=1.0, end=3.0),
                  sheet=tmp / "video.png")
        sheet = read_image(tmp / "video.png").rgb
        rows.append([label(fit(sheet, 480), f"swap into s18, {style}")])
    save(OUT / "video.png", grid(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
