"""Where the ArcFace-style recogniser finds a swap's identity: band by band.

    arc_bands.py ORIGINAL.mp4 SWAPPED.mp4 IDENTITY [--end 4] [--frames 8]

For frames spread over the clip, the original and the swapped face are aligned as the
recogniser aligns them (112 px, face oval, luminance), and chips made of one's low band
(Gaussian sigma in chip pixels; the face is about 75 px wide) and the other's high band are
read. If "swap low + original high" reads as the original, the swap's coarse forms are the
target's, whatever its features; if "original low + swap high" reads as the original too,
its features carry little of the user. Prints the median cosine distance of each chip to
the user's selfies (`Identity.arc_embedding`) and to the original frame.
"""

from __future__ import annotations

import cv2
import numpy as np
from arc_clips import read_clips

SIGMAS = (3.0, 6.0, 12.0)


def main() -> None:
    from facecast.faces import FaceMesher, arcface

    args, user, original, swapped = read_clips(__doc__.splitlines()[0])
    n = len(original)
    pairs = []
    with FaceMesher(video=False) as mesher:
        for i in np.linspace(0, n - 1, args.frames).round().astype(int):
            fo, fs = mesher.detect(original[i]), mesher.detect(swapped[i])
            if fo and fs:
                pairs.append((arcface.align(original[i], fo[0]), arcface.align(swapped[i], fs[0])))

    def read(chips: list[np.ndarray]) -> tuple[float, float]:
        e = arcface.embed_chips(np.stack(chips))
        e_o = arcface.embed_chips(np.stack([o for o, _ in pairs]))
        return (float(np.median(arcface.distance(e, user))),
                float(np.median(arcface.distance(e, e_o))))

    def mixed(low: np.ndarray, high: np.ndarray, sigma: float, oval: np.ndarray) -> np.ndarray:
        lo = cv2.GaussianBlur(low.astype(np.float32), (0, 0), sigma)
        hi = high.astype(np.float32) - cv2.GaussianBlur(high.astype(np.float32), (0, 0), sigma)
        out = np.clip(lo + hi, 0, 255).astype(np.uint8)
        out[~oval] = arcface.GREY
        return out

    print(f"{'chip':28s} to user  to original  ({len(pairs)} frames)")
    to_user, to_orig = read([s for _, s in pairs])
    print(f"{'swap':28s} {to_user:7.3f}  {to_orig:7.3f}")
    for sigma in SIGMAS:
        for name, (a, b) in (("swap low + original high", (1, 0)),
                             ("original low + swap high", (0, 1))):
            chips = [mixed(p[a], p[b], sigma, p[1][..., 0] != arcface.GREY) for p in pairs]
            to_user, to_orig = read(chips)
            print(f"{name + f' @{sigma:g}':28s} {to_user:7.3f}  {to_orig:7.3f}")


if __name__ == "__main__":
    main()
