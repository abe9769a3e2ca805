"""Extract, filter and cluster in a row into one output folder: the web app's dataset job.

`out/crops/NAME/` holds what was kept, `out/rejects/REASON/NAME/` what the rules threw
away, `out/clusters/0/`, `1/`, ... and `noise/` the kept crops by person, `out/clusters.png`
a contact sheet of them and `out/summary.json` every count. The steps are the CLI's own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from facecast.dataset.cluster import cluster_folder
from facecast.dataset.extract import Source, extract
from facecast.dataset.filtering import filter_folder
from facecast.dataset.params import DatasetParams
from facecast.errors import DatasetError

EXTRACT_SHARE = 0.75  # of the progress bar: cutting faces out; the rest is descriptors
LOG_EVERY_S = 5.0  # a progress line in the log at most this often


def build_dataset(sources: list[Source], out: Path, params: DatasetParams, *,
                  log: Callable[[str], None],
                  progress: Callable[[float], None] = lambda _fraction: None) -> dict:
    """Run the three steps; returns (and writes to `out/summary.json`) their counts."""
    started = time.monotonic()
    last_line = started

    def step(share: float, offset: float, verb: str) -> Callable[[int, int, str], None]:
        def update(done: int, total: int, label: str) -> None:
            nonlocal last_line
            progress(offset + share * done / max(total, 1))
            now = time.monotonic()
            if now - last_line >= LOG_EVERY_S:
                last_line = now
                log(f"{verb} {label}: {done} of {total}")
        return update

    log(f"extracting faces from {len(sources)} source(s): every {params.every} frame(s), "
        f"{params.size} px crops, faces from {params.min_face:g} px")
    extracted = extract(sources, out / "crops", params,
                        step(EXTRACT_SHARE, 0.0, "extracting"), log)
    if extracted.crops == 0:
        raise DatasetError(f"no face of at least {params.min_face:g} px was found: try a "
                           "smaller face size or other videos")
    filtered = filter_folder(out / "crops", params, move_rejects=out / "rejects", log=log)
    if filtered.kept == 0:
        raise DatasetError("the rules rejected every face (see the log for the reasons): "
                           "there is nothing to sort into people")
    log(f"clustering {filtered.kept} crops (k {params.k})")
    clustered = cluster_folder(out / "crops", out / "clusters", params,
                               step(1 - EXTRACT_SHARE, EXTRACT_SHARE, "describing"), log,
                               sheet=out / "clusters.png")
    summary = {"params": params.model_dump(),
               "extract": [vars(s) for s in extracted.sources],
               "filter": {k: v for k, v in filtered.as_dict().items() if k != "rejects"},
               **clustered.as_dict(),
               "seconds": round(time.monotonic() - started, 1)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    log(f"done in {summary['seconds']} s: {len(clustered.groups)} folder(s) in clusters/")
    return summary
