"""Speed of `facecast dataset`: extraction frames per second and the time of one descriptor.

Extracts every frame of $FACECAST_MEDIA/videos/d12.mp4 (512x512) and s18.mp4 (1280x720) into
512 px crops (models loaded once per video, as the command does, and counted), then times
dlib's descriptor on 40 of the crops, the cost `cluster` pays per crop.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
CLIPS = ("d12", "s18")


def main() -> int:
    from facecast.dataset.cluster import descriptor
    from facecast.dataset.extract import collect_sources, extract
    from facecast.dataset.params import DatasetParams
    from facecast.dataset.records import FaceRecord, find_records

    paths = [MEDIA / "videos" / f"{name}.mp4" for name in CLIPS]
    if not all(p.is_file() for p in paths):
        print(f"no clips in {MEDIA}/videos: set FACECAST_MEDIA")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for source in collect_sources(paths):
            started = time.perf_counter()
            summary = extract([source], out, DatasetParams(size=512))
            seconds = time.perf_counter() - started
            frames = summary.sources[0].frames
            print(f"extract {source.name}: {frames} frames, {summary.crops} crops in "
                  f"{seconds:.1f} s = {frames / seconds:.1f} frames/s")
        pairs = list(find_records(out))[::5][:40]
        descriptor(pairs[0][1], FaceRecord.load(pairs[0][0]))  # loads the models
        started = time.perf_counter()
        for record, crop in pairs:
            descriptor(crop, FaceRecord.load(record))
        each = (time.perf_counter() - started) / len(pairs)
        print(f"descriptor: {each * 1000:.0f} ms per crop ({len(pairs)} crops)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
