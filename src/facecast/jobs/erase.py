"""Delete my data: every row and file a session owns (photos, identities, uploads and their
face lists, results, dataset logs and outputs in the data folder, jobs).

Its jobs are cancelled first and waited for, so none writes a file after its folder is gone;
results are then removed by job id whatever their suffix. A dataset written into a server
folder the user chose (`FACECAST_DATASET_ROOT`) is left there, as deleting that job does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from facecast.identity.model import partial_saves
from facecast.jobs.layout import Layout, remove
from facecast.jobs.models import FINISHED, IdentityRow, JobRow, VideoRow
from facecast.jobs.store import Store

STOP_WAIT_S = 30.0
"""How long running jobs get to stop at their next progress report."""


def erase_session(store: Store, layout: Layout, owner: str,
                  cancel: Callable[[str], None]) -> dict[str, int]:
    """Remove everything `owner` has; `cancel` tells the worker pool to stop a running job.
    Returns how many identities, videos and jobs were deleted."""
    jobs = store.owned(JobRow, owner)
    for job in jobs:
        if job.status not in FINISHED:
            store.request_cancel(job)
            cancel(job.id)
    _wait_stopped(store, [job.id for job in jobs])
    identities, videos = store.owned(IdentityRow, owner), store.owned(VideoRow, owner)
    jobs = store.owned(JobRow, owner)
    for row in [*jobs, *identities, *videos]:
        store.delete(row)
    for identity in identities:
        remove(layout.identities / identity.id)
        remove(layout.photos(identity.id))
        for partial in partial_saves(identity.id, layout.identities):
            remove(partial)
    for video in videos:
        remove(layout.video(video.id))
    for job in jobs:
        for result in layout.results().glob(f"{job.id}.*"):
            remove(result)
        remove(layout.dataset(job.id))
    return {"identities": len(identities), "videos": len(videos), "jobs": len(jobs)}


def _wait_stopped(store: Store, job_ids: list[str]) -> None:
    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline:
        rows = [store.get(JobRow, job_id) for job_id in job_ids]
        if all(row is None or row.status != "running" for row in rows):
            return
        time.sleep(0.1)
