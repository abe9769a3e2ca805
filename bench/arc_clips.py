"""What `arc_bands.py` and `arc_regions.py` both read: their arguments, the user's ArcFace
embedding and the two clips' frames."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def read_clips(description: str) -> tuple[argparse.Namespace, np.ndarray, list[np.ndarray],
                                          list[np.ndarray]]:
    """The command line (ORIGINAL SWAPPED IDENTITY [--end] [--frames]), the identity's
    ArcFace embedding, and the frames of both clips to --end, as many of each."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("original", type=Path)
    ap.add_argument("swapped", type=Path)
    ap.add_argument("identity")
    ap.add_argument("--end", type=float, default=4.0)
    ap.add_argument("--frames", type=int, default=8)
    args = ap.parse_args()

    from facecast.faces import arcface
    from facecast.identity.model import load
    from facecast.media import VideoReader

    user = load(args.identity).arc_embedding
    if user is None or not arcface.available():
        raise SystemExit("the identity has no ArcFace embedding, or the model is missing")
    original = [f.image for f in VideoReader(args.original, end=args.end)]
    swapped = [f.image for f in VideoReader(args.swapped, end=args.end)]
    n = min(len(original), len(swapped))
    return args, user, original[:n], swapped[:n]
