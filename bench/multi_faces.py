"""Speed of several faces: the face list's pass and a swap of one face against two.

Prints, for a two-person clip made of $FACECAST_MEDIA's d12 and d3 side by side (720 x 360,
90 frames) and for s18 (1280 x 720, one face): the face list's pass in frames/s, then the
swap of the largest face and of both faces in frames/s; and for portraits/group_t1.jpg the
faces found and the time of a six-face swap. Writes nothing but temporary files.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from clips import side_by_side, write_clip

from facecast.casting.face_list import find_faces
from facecast.casting.selection import Cast
from facecast.identity.build import build_identity
from facecast.pipeline import swap_file

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))


def timed(what: str, frames: int, run) -> object:
    start = time.perf_counter()
    out = run()
    took = time.perf_counter() - start
    print(f"{what:<44} {took:6.1f} s  {frames / took:6.1f} frames/s")
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        identity = build_identity([MEDIA / "identities" / "d10"], "d10", root=tmp / "ids")
        two = tmp / "two.mp4"
        write_clip(two, side_by_side(MEDIA / "videos" / "d12.mp4", MEDIA / "videos" / "d3.mp4",
                                     90), fps=25)
        for clip, frames in ((two, 90), (MEDIA / "videos" / "s18.mp4", 282)):
            listed = timed(f"face list of {clip.name}", frames,
                           lambda clip=clip: find_faces(clip, tmp / f"faces-{clip.stem}"))
            print(f"  {len(listed.faces)} face(s)")
            timed(f"swap of the largest face of {clip.name}", frames,
                  lambda clip=clip: swap_file(identity, clip, tmp / "a.mp4"))
            cast = Cast(dict.fromkeys(listed.ids, identity), listed)
            timed(f"swap of all {len(listed.ids)} face(s) of {clip.name}", frames,
                  lambda clip=clip, cast=cast: swap_file(cast, clip, tmp / "b.mp4"))
        group = MEDIA / "portraits" / "group_t1.jpg"
        listed = timed("face list of group_t1.jpg", 1, lambda: find_faces(group, tmp / "g"))
        print(f"  {len(listed.faces)} face(s), sizes {[round(f.size) for f in listed.faces]}")
        cast = Cast(dict.fromkeys(listed.ids, identity), listed)
        timed("swap of the six faces of group_t1.jpg", 1,
              lambda: swap_file(cast, group, tmp / "g.jpg"))


if __name__ == "__main__":
    main()
