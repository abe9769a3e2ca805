"""`make run` until the web app exists: train an identity and swap it into a clip.

Uses the test media in $FACECAST_MEDIA; prints where the result and its contact sheet are.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from facecast.identity.build import build_identity
from facecast.params import SwapParams
from facecast.pipeline import swap_file
from facecast.progress import console, progress_bar


def main() -> int:
    media = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
    if not (media / "identities" / "d10").is_dir():
        console.print(f"FACECAST_MEDIA ({media}) has no identities/d10: set FACECAST_MEDIA")
        return 2
    out = Path("out/demo")
    out.mkdir(parents=True, exist_ok=True)
    with progress_bar("training d10", "photos") as update:
        identity = build_identity([media / "identities" / "d10"], "demo-d10", progress=update)
    with progress_bar("swapping s18", "frames") as update:
        result = swap_file(identity, media / "videos" / "s18.mp4", out / "s18-d10.mp4",
                           SwapParams(), progress=update, sheet=out / "s18-d10.png")
    console.print(f"result: {Path(result.output).resolve()}")
    console.print(f"contact sheet: {(out / 's18-d10.png').resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
