"""Where the ArcFace-style recogniser finds a swap's identity: region by region.

    arc_regions.py ORIGINAL.mp4 SWAPPED.mp4 IDENTITY [--end 4] [--frames 8]

For frames spread over the clip, the original and the swapped face are aligned as the
recogniser aligns them (112 px, face oval, luminance, `faces.arcface.align`), both on the
swapped face's mesh, and chips are read in which one region of one comes from the other:
the eyes, brows, nose or lips (each hull a little grown), all four (the features), or the
rest of the oval (the skin). "original + swap's features" near the user and "swap +
original's features" near the original say the features carry the swap's identity; if the
first stays with the original, what the recogniser reads as the target is the face around
them. Prints the median cosine distance of each chip to the user's selfies
(`Identity.arc_embedding`) and to the original frame. `arc_bands.py` splits by band.
"""

from __future__ import annotations

import cv2
import numpy as np
from arc_clips import read_clips

GROW = 0.05  # of the chip: how far each feature's hull is grown
SOFT = 1.5  # chip pixels: the regions' edges


def main() -> None:
    from facecast.faces import FaceMesher, arcface
    from facecast.faces import landmarks as L

    args, user, original, swapped = read_clips(__doc__.splitlines()[0])
    n = len(original)
    features = {"eyes": (L.RIGHT_EYE, L.LEFT_EYE), "brows": (L.RIGHT_BROW, L.LEFT_BROW),
                "nose": (L.NOSE,), "lips": (L.LIPS_OUTER,)}
    frames = []  # per frame: original chip, swapped chip, oval, {region: soft mask}
    with FaceMesher(video=False) as mesher:
        for i in np.linspace(0, n - 1, args.frames).round().astype(int):
            fo, fs = mesher.detect(original[i]), mesher.detect(swapped[i])
            if not fo or not fs:
                continue
            face = fs[0]
            m, _ = cv2.estimateAffinePartial2D(arcface.five_points(face), arcface.TEMPLATE,
                                               method=cv2.RANSAC, ransacReprojThreshold=1e4)
            xy = cv2.transform(face.xy[None, :, :2].astype(np.float32), m)[0]
            grow = max(int(GROW * arcface.SIZE) | 1, 3)
            masks = {}
            for name, groups in features.items():
                hull = np.zeros((arcface.SIZE, arcface.SIZE), np.uint8)
                for group in groups:
                    points = np.round(xy[list(group)]).astype(np.int32)
                    cv2.fillConvexPoly(hull, cv2.convexHull(points), 1)
                masks[name] = cv2.dilate(hull, np.ones((grow, grow), np.uint8)) > 0
            masks["features"] = np.any(list(masks.values()), axis=0)
            chip_o, chip_s = arcface.align(original[i], face), arcface.align(swapped[i], face)
            oval = chip_s[..., 0] != arcface.GREY
            masks["skin"] = oval & ~masks["features"]
            soft = {k: cv2.GaussianBlur(v.astype(np.float32), (0, 0), SOFT)[..., None]
                    for k, v in masks.items()}
            frames.append((chip_o.astype(np.float32), chip_s.astype(np.float32), oval, soft))
    if not frames:
        raise SystemExit("no frame where both faces were found")
    before = arcface.embed_chips(np.stack([o for o, _, _, _ in frames]).astype(np.uint8))

    def read(chips: list[np.ndarray]) -> tuple[float, float]:
        e = arcface.embed_chips(np.stack(chips))
        return (float(np.median(arcface.distance(e, user))),
                float(np.median(arcface.distance(e, before))))

    def mixed(base: np.ndarray, part: np.ndarray, mask: np.ndarray, oval: np.ndarray
              ) -> np.ndarray:
        out = np.clip(base * (1.0 - mask) + part * mask, 0, 255).astype(np.uint8)
        out[~oval] = arcface.GREY
        return out

    print(f"{'chip':30s} to user  to original  ({len(frames)} frames)")
    for name, chips in (("original", [o for o, _, _, _ in frames]),
                        ("swap", [s for _, s, _, _ in frames])):
        to_user, to_orig = read([c.astype(np.uint8) for c in chips])
        print(f"{name:30s} {to_user:7.3f}  {to_orig:7.3f}")
    for region in ("eyes", "brows", "nose", "lips", "features", "skin"):
        for name, pick in ((f"original + swap's {region}", lambda f: (f[0], f[1])),
                           (f"swap + original's {region}", lambda f: (f[1], f[0]))):
            chips = [mixed(*pick(f), f[3][region], f[2]) for f in frames]
            to_user, to_orig = read(chips)
            print(f"{name:30s} {to_user:7.3f}  {to_orig:7.3f}")


if __name__ == "__main__":
    main()
