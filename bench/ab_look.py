"""A blind A/B look test: does a viewer see a change to the swap?

    ab_look.py OUT_DIR ORIGINAL:NEW:OLD [ORIGINAL:NEW:OLD ...] [--per 4] [--seed 7] [--key K]
    ab_look.py OUT_DIR --score ANSWERS.json [--key K]

For each triple of videos (the untouched clip, the swap made by the changed code, the swap
made before it) it takes --per frames spread over the clip, crops the same face box (from the
original) out of all three, and writes images of three crops side by side: the original,
marked as the reference, then the two swaps as A and B. Every pair of swaps is shown twice,
once each way round, in a shuffled order. The key goes to --key (default OUT_DIR.key.json,
beside the folder, never in it): show the viewer only OUT_DIR and ask which of A and B looks
more like an unedited face; answers as JSON {"ab_00.png": "A", ...} (or {"ab_00.png":
{"choice": "A"}}).

Why twice: viewers often lean to one side (three of five fresh viewers picked A in 23 of 28,
39 of 56 and 42 of 56 images where the two swaps hardly differed), and a lean alone reads as
a preference. A pair counts only when the viewer picked the same swap both ways round; the
score says how many did and which swap they chose, next to the share of A answers.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import cv2
import numpy as np

CROP_H = 400  # px: each crop's height in the images
GAP = 12  # px of white between crops


def make(out: Path, triples: list[tuple[Path, Path, Path]], per: int, seed: int,
         keyfile: Path) -> int:
    from facecast.faces import FaceMesher
    from facecast.media import VideoReader, probe_video
    from facecast.quality.sheet import close_up

    shown = []
    with FaceMesher(video=False) as mesher:
        for original, new, old in triples:
            total = min(probe_video(p).frames for p in (original, new, old))
            wanted = {round(i) for i in np.linspace(0, max(total - 1, 0), per + 2)[1:-1]}
            with VideoReader(original) as a, VideoReader(new) as b, VideoReader(old) as c:
                for index, frames in enumerate(zip(a, b, c, strict=False)):
                    if index not in wanted:
                        continue
                    faces = mesher.detect(frames[0].image)
                    if not faces:
                        continue
                    crops = [_height(close_up(f.image, faces[0])) for f in frames]
                    pair = f"{new.stem}@{index}"
                    shown += [(pair, crops, True), (pair, crops, False)]
    random.Random(seed).shuffle(shown)
    out.mkdir(parents=True, exist_ok=True)
    key = {}
    for n, (pair, (reference, new_crop, old_crop), new_left) in enumerate(shown):
        a, b = (new_crop, old_crop) if new_left else (old_crop, new_crop)
        gap = np.full((CROP_H, GAP, 3), 255, np.uint8)
        image = np.hstack([reference, gap, a, gap, b])
        for x, text in ((10, "REFERENCE (real)"), (reference.shape[1] + GAP + 10, "A"),
                        (reference.shape[1] + a.shape[1] + 2 * GAP + 10, "B")):
            cv2.putText(image, text, (x, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 0), 2)
        name = f"ab_{n:02d}.png"
        cv2.imwrite(str(out / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key[name] = {"pair": pair, "new": "A" if new_left else "B"}
    keyfile.write_text(json.dumps(key, indent=1))
    return len(key)


def _height(crop: np.ndarray) -> np.ndarray:
    return cv2.resize(crop, (max(round(crop.shape[1] * CROP_H / crop.shape[0]), 1), CROP_H),
                      interpolation=cv2.INTER_AREA)


def score(key: dict[str, dict[str, str]], answers: dict[str, object]) -> dict[str, object]:
    """The viewer's answers against the key: images, how often the new swap and side A were
    picked, and the pairs answered the same swap both ways round."""
    def choice(name: str) -> str:
        answer = answers.get(name, "?")
        return str(answer.get("choice", "?") if isinstance(answer, dict) else answer).upper()

    picked_new: dict[str, list[bool]] = {}
    lefts = 0
    for name, entry in key.items():
        c = choice(name)
        lefts += c == "A"
        if c in ("A", "B"):
            picked_new.setdefault(entry["pair"], []).append(c == entry["new"])
    consistent = [v[0] for v in picked_new.values() if len(v) == 2 and v[0] == v[1]]
    return {"images": len(key), "new_picked": sum(sum(v) for v in picked_new.values()),
            "a_picked": lefts, "pairs": len(picked_new), "consistent_pairs": len(consistent),
            "new_in_consistent": sum(consistent)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("triples", nargs="*", help="ORIGINAL:NEW:OLD video paths")
    ap.add_argument("--per", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--score")
    ap.add_argument("--key")
    a = ap.parse_args()
    out = Path(a.out)
    keyfile = Path(a.key) if a.key else out.with_name(out.name + ".key.json")
    if a.score:
        key = json.loads(keyfile.read_text())
        print(json.dumps(score(key, json.loads(Path(a.score).read_text()))))
        return 0
    triples = []
    for spec in a.triples:
        parts = spec.split(":")
        if len(parts) != 3:
            print(f"{spec}: expected ORIGINAL:NEW:OLD")
            return 2
        triples.append(tuple(Path(p) for p in parts))
    if not triples:
        print("name at least one ORIGINAL:NEW:OLD triple of videos")
        return 2
    n = make(out, triples, a.per, a.seed, keyfile)
    print(f"{n} images in {out}; key in {keyfile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
