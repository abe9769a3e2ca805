"""How well `facecast dataset` sorts people: all clips of $FACECAST_MEDIA/videos at once.

Every 3rd frame of the ten clips is extracted, filtered and clustered with `--k auto`; each
clip is one person, so a folder's purity is the share of its crops from its commonest clip.
Prints the folders, the overall purity and the rejects per reason; writes the contact sheet
to out/dataset/all_clips.png (look at it).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media"))
OUT = Path("out/dataset")


def main() -> int:
    from facecast.dataset.cluster import cluster_folder
    from facecast.dataset.extract import collect_sources, extract
    from facecast.dataset.filtering import filter_folder
    from facecast.dataset.params import DatasetParams

    videos = MEDIA / "videos"
    if not videos.is_dir():
        print(f"no {videos}: set FACECAST_MEDIA")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    params = DatasetParams(every=3)
    with tempfile.TemporaryDirectory() as tmp:
        crops, people = Path(tmp) / "crops", Path(tmp) / "people"
        started = time.perf_counter()
        extract(collect_sources([videos]), crops, params, log=print)
        filtered = filter_folder(crops, params, Path(tmp) / "rejects", log=print)
        summary = cluster_folder(crops, people, params, log=print,
                                 sheet=OUT / "all_clips.png")
        seconds = time.perf_counter() - started
    clips = len(list(videos.glob("*.mp4")))
    right = total = 0
    for group in summary.groups:
        right += max(group.sources.values())
        total += len(group.crops)
        print(f"{group.name}/: {dict(Counter(group.sources).most_common())}")
    print(f"{clips} clips -> {len(summary.groups)} folders, purity {right / total:.3f} over "
          f"{total} crops, noise {len(summary.noise.crops)}, rejected {len(filtered.rejected)}"
          f" of {filtered.total}; {seconds:.0f} s; sheet {OUT / 'all_clips.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
